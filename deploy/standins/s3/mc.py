#!/usr/bin/env python
"""The few `mc` (MinIO client) commands docker-compose.yml uses, for the moto stand-in:
`mc alias set A URL KEY SECRET`, `mc mb [--ignore-existing] A/BUCKET`, `mc anonymous set none A/BUCKET`,
`mc ready A` (the alias `local` is http://127.0.0.1:9000, as in the MinIO image)."""
import json
import os
import sys
import urllib.request

ALIASES = os.path.join(os.environ.get("HOME") or "/tmp", ".mc-standin-aliases.json")


def aliases():
    try:
        with open(ALIASES) as f:
            return json.load(f)
    except FileNotFoundError:
        return {"local": {"url": "http://127.0.0.1:9000", "key": "", "secret": ""}}


def client(alias):
    import boto3
    from botocore.config import Config
    a = aliases()[alias]
    return boto3.client("s3", endpoint_url=a["url"], aws_access_key_id=a["key"] or "x",
                        aws_secret_access_key=a["secret"] or "x", region_name="us-east-1",
                        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 10}))


def main(argv):
    args = [a for a in argv if not a.startswith("--")]
    flags = {a for a in argv if a.startswith("--")}
    if args[:2] == ["alias", "set"]:
        name, url, key, secret = args[2:6]
        table = aliases()
        table[name] = {"url": url, "key": key, "secret": secret}
        with open(ALIASES, "w") as f:
            json.dump(table, f)
        print(f"Added `{name}` successfully.")
    elif args[:1] == ["mb"]:
        alias, bucket = args[1].split("/", 1)
        s3 = client(alias)
        existing = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
        if bucket in existing:
            if "--ignore-existing" not in flags and "-p" not in argv:
                print(f"mc: bucket {bucket} already exists", file=sys.stderr)
                return 1
        else:
            s3.create_bucket(Bucket=bucket)
        print(f"Bucket created successfully `{args[1]}`.")
    elif args[:2] == ["anonymous", "set"]:
        level, target = args[2], args[3]
        alias, bucket = target.split("/", 1)
        if level != "none":
            print("mc stand-in: only `anonymous set none` is supported", file=sys.stderr)
            return 2
        client(alias).delete_bucket_policy(Bucket=bucket)
        print(f"Access permission for `{target}` is set to `private`")
    elif args[:1] == ["ready"]:
        url = aliases()[args[1]]["url"]
        try:
            urllib.request.urlopen(url + "/", timeout=3)
        except urllib.error.HTTPError:
            pass  # answers S3 errors: it is up
        except Exception as exc:
            print(f"mc: {args[1]} not ready: {exc}", file=sys.stderr)
            return 1
        print(f"The cluster '{args[1]}' is ready")
    else:
        print(f"mc stand-in: unsupported command {' '.join(argv)}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
