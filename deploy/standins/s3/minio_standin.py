"""`minio server /data` stand-in: moto's S3 server on :9000 whose buckets, objects and bucket CORS
survive restarts in /data (moto alone keeps everything in memory).

Objects are copied to /data once a second (new or changed ETag) and once more on SIGTERM; at start
they are loaded back before the public port opens. Uploads still in progress (multipart) are not
kept, and a crash loses at most the last second of changes: enough for a stand-in, not a store.
"""
import hashlib
import json
import os
import shutil
import signal
import sys
import threading
import time

import boto3
from botocore.config import Config
from moto.server import ThreadedMotoServer

PRIVATE_PORT = 9999  # loopback only: restore and snapshots, before and beside the public port


def args_of(argv):
    """`server DIR [--address :9000] [--console-address :9001]` → (data dir, port)."""
    if not argv or argv[0] != "server":
        sys.exit(f"usage: server DIR [--address :PORT] (got {argv})")
    data, port, rest = "/data", 9000, argv[1:]
    i = 0
    while i < len(rest):
        if rest[i] == "--address":
            port = int(rest[i + 1].rsplit(":", 1)[1]); i += 2
        elif rest[i].startswith("--"):
            i += 2 if "=" not in rest[i] else 1
        else:
            data = rest[i]; i += 1
    return data, port


def client(port):
    return boto3.client("s3", endpoint_url=f"http://127.0.0.1:{port}", aws_access_key_id="standin",
                        aws_secret_access_key="standin", region_name="us-east-1",
                        config=Config(s3={"addressing_style": "path"}))


def write_json(path, obj):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(obj, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


class Snapshot:
    def __init__(self, root, s3):
        self.root = os.path.join(root, ".standin")
        self.s3 = s3
        self.lock = threading.Lock()
        os.makedirs(self.root, exist_ok=True)

    def _bucket_dir(self, bucket):
        return os.path.join(self.root, bucket)

    def restore(self):
        for bucket in sorted(os.listdir(self.root)):
            bdir = self._bucket_dir(bucket)
            if not os.path.isdir(bdir):
                continue
            self.s3.create_bucket(Bucket=bucket)
            cors = os.path.join(bdir, "cors.json")
            if os.path.exists(cors):
                with open(cors) as f:
                    self.s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": json.load(f)})
            index = self._index(bucket)
            for key, meta in index.items():
                with open(os.path.join(bdir, "objects", meta["file"]), "rb") as body:
                    self.s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType=meta["content_type"],
                                       Metadata=meta["metadata"])
            print(f"restored bucket {bucket}: {len(index)} objects", flush=True)

    def _index(self, bucket):
        try:
            with open(os.path.join(self._bucket_dir(bucket), "index.json")) as f:
                return json.load(f)
        except FileNotFoundError:
            return {}

    def save(self):
        with self.lock:
            live = {b["Name"] for b in self.s3.list_buckets().get("Buckets", [])}
            for gone in set(os.listdir(self.root)) - live:
                shutil.rmtree(self._bucket_dir(gone), ignore_errors=True)
            for bucket in live:
                self._save_bucket(bucket)

    def _save_bucket(self, bucket):
        bdir = self._bucket_dir(bucket)
        os.makedirs(os.path.join(bdir, "objects"), exist_ok=True)
        try:
            rules = self.s3.get_bucket_cors(Bucket=bucket)["CORSRules"]
            write_json(os.path.join(bdir, "cors.json"), rules)
        except self.s3.exceptions.ClientError:
            pass
        index, seen, changed = self._index(bucket), set(), False
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            for obj in page.get("Contents", []):
                key, etag = obj["Key"], obj["ETag"]
                seen.add(key)
                if index.get(key, {}).get("etag") == etag:
                    continue
                name = hashlib.sha256(key.encode()).hexdigest()
                answer = self.s3.get_object(Bucket=bucket, Key=key)
                path = os.path.join(bdir, "objects", name)
                with open(path + ".tmp", "wb") as f:
                    for chunk in answer["Body"].iter_chunks(1 << 20):
                        f.write(chunk)
                os.replace(path + ".tmp", path)
                index[key] = {"etag": etag, "file": name, "content_type": answer.get("ContentType") or
                              "binary/octet-stream", "metadata": answer.get("Metadata") or {}}
                changed = True
        for key in set(index) - seen:
            try:
                os.remove(os.path.join(bdir, "objects", index.pop(key)["file"]))
            except FileNotFoundError:
                pass
            changed = True
        if changed or not os.path.exists(os.path.join(bdir, "index.json")):
            write_json(os.path.join(bdir, "index.json"), index)


def main():
    data, port = args_of(sys.argv[1:])
    os.environ.setdefault("MOTO_DISABLE_GLOBAL_CORS", "true")
    private = ThreadedMotoServer(ip_address="127.0.0.1", port=PRIVATE_PORT, verbose=False)
    private.start()
    snapshot = Snapshot(data, client(PRIVATE_PORT))
    snapshot.restore()
    public = ThreadedMotoServer(ip_address="0.0.0.0", port=port, verbose=False)
    public.start()
    print(f"S3 stand-in (moto) listening on :{port}, data in {data}", flush=True)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    while not stop.wait(1.0):
        began = time.monotonic()
        try:
            snapshot.save()
        except Exception as exc:  # keep serving; the next round retries
            print(f"snapshot failed: {exc!r}", flush=True)
        if time.monotonic() - began > 5:
            print(f"snapshot took {time.monotonic() - began:.1f} s", flush=True)
    # No new writes from now on (the public port closes), then the last copy.
    try:
        public.stop()
    except Exception as exc:
        print(f"public port did not stop cleanly: {exc!r}", flush=True)
    snapshot.save()
    print("S3 stand-in stopped, state saved", flush=True)


if __name__ == "__main__":
    main()
