"""`make restore DIR=backups/cchc-...`: a folder written by scripts/backup.py into a fresh stack.

Targets come from the same variables the services read (scripts/backup.py lists them). Run it with the
services STOPPED (they would seed an empty database at start, or write while it is restored): on a
single machine before `make run`, in compose with only postgres and minio up. `make run`'s moto keeps
objects in memory only: there, restore the databases with make run stopped (`--databases-only`), then
start it and restore the clips into its moto (`--bucket-only`; media only adds objects, so this may run
while the services do).

Order: every checksum of the manifest is verified first (nothing is written from a damaged backup);
then each target is checked empty: a database with any table, or a bucket with any object, is refused
unless --force (which empties it first: the public schema dropped and created again, the SQLite file
replaced, the bucket's objects removed). Then each database is restored (PostgreSQL: `pg_restore
--single-transaction`; SQLite: SQLite's backup API into the target file) and its row counts compared
with the manifest; then every object is uploaded with its content type and the bucket's object count
and bytes compared. Exit 0 only if everything matches.
"""
import argparse
import json
import os
import sqlite3
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import backup as bk  # noqa: E402


class Refused(SystemExit):
    pass


def verify(folder):
    path = os.path.join(folder, "manifest.json")
    if not os.path.exists(path):
        raise Refused(f"{folder}: no manifest.json (not a backup, or an unfinished one)")
    with open(path, encoding="utf-8") as fh:
        manifest = json.load(fh)
    if manifest.get("format") != bk.FORMAT:
        raise Refused(f"{folder}: backup format {manifest.get('format')!r}, this script reads {bk.FORMAT}")
    files = [(db["file"], db["sha256"]) for db in manifest["databases"].values()]
    files += [(os.path.join("bucket", *o["key"].split("/")), o["sha256"]) for o in manifest["bucket"]["objects"]]
    for name, digest in files:
        full = os.path.join(folder, name)
        if not os.path.exists(full) or bk.sha256_file(full) != digest:
            raise Refused(f"{folder}: {name} is missing or does not match its sha256 in the manifest")
    return manifest


# --- databases ---------------------------------------------------------------------------------
def pg_tables(url):
    import psycopg2
    conn = psycopg2.connect(bk.libpq_url(url))
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
            return cur.fetchone()[0]
    finally:
        conn.close()


def pg_empty_out(url):
    import psycopg2
    conn = psycopg2.connect(bk.libpq_url(url))
    try:
        with conn, conn.cursor() as cur:
            cur.execute("DROP SCHEMA public CASCADE")
            cur.execute("CREATE SCHEMA public")
    finally:
        conn.close()


def pg_restore(url, dump):
    subprocess.run(["pg_restore", "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error",
                    f"--dbname={bk.libpq_url(url)}", dump], check=True)
    import psycopg2
    conn = psycopg2.connect(bk.libpq_url(url))
    try:
        with conn.cursor() as cur:
            return bk.pg_counts(cur)
    finally:
        conn.close()


def sqlite_tables(url):
    path = bk.sqlite_path(url)
    if not os.path.exists(path):
        return 0
    conn = sqlite3.connect(path)
    try:
        return len(bk.sqlite_counts(conn))
    finally:
        conn.close()


def sqlite_restore(url, copy):
    path = bk.sqlite_path(url)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    for suffix in ("", "-wal", "-shm", "-journal"):  # --force: nothing of the old file may stay
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    src, out = sqlite3.connect(copy), sqlite3.connect(path)
    try:
        src.backup(out)
        return bk.sqlite_counts(out)
    finally:
        out.close()
        src.close()


# --- bucket ------------------------------------------------------------------------------------
def bucket_keys(client, bucket):
    if not client.bucket_exists(bucket):
        return []
    return [o.object_name for o in client.list_objects(bucket, recursive=True)]


def restore(folder, force=False, databases=True, objects_=True):
    manifest = verify(folder)
    targets = {service: bk.database_url(service) for service in manifest["databases"]} if databases else {}
    client, bucket = bk.s3_client() if objects_ else (None, None)

    busy = []
    for service, url in targets.items():
        want = manifest["databases"][service]["kind"]
        if bk.kind(url) != want:
            raise Refused(f"{service}: the backup holds a {want} database, the target is {bk.kind(url)}")
        tables = pg_tables(url) if want == "postgresql" else sqlite_tables(url)
        if tables:
            busy.append(f"{service} database ({tables} tables)")
    existing = bucket_keys(client, bucket) if objects_ else []
    if existing:
        busy.append(f"bucket {bucket} ({len(existing)} objects)")
    if busy and not force:
        raise Refused("the target is not empty: " + "; ".join(busy) + ". Restore into a fresh stack, or pass "
                      "--force (FORCE=1 with make) to replace what is there.")

    for service, url in targets.items():
        entry = manifest["databases"][service]
        source = os.path.join(folder, entry["file"])
        if entry["kind"] == "postgresql":
            if pg_tables(url):
                pg_empty_out(url)
            counts = pg_restore(url, source)
        else:
            counts = sqlite_restore(url, source)
        if counts != entry["rows"]:
            raise SystemExit(f"{service}: rows after restore {counts} differ from the backup's {entry['rows']}")
        print(f"{service}: {sum(counts.values())} rows in {len(counts)} tables restored", flush=True)

    if not objects_:
        return
    if not client.bucket_exists(bucket):
        client.make_bucket(bucket)
    for key in existing:
        client.remove_object(bucket, key)
    objects = manifest["bucket"]["objects"]
    for obj in objects:
        client.fput_object(bucket, obj["key"], os.path.join(folder, "bucket", *obj["key"].split("/")),
                           content_type=obj["content_type"])
    stored = {o.object_name: o.size for o in client.list_objects(bucket, recursive=True)}
    if stored != {o["key"]: o["bytes"] for o in objects}:
        raise SystemExit(f"bucket {bucket}: objects after restore differ from the backup's")
    print(f"bucket {bucket}: {len(objects)} objects restored (the media service sets its CORS at start)", flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("folder", help="a folder written by scripts/backup.py")
    parser.add_argument("--force", action="store_true", help="replace a non-empty target")
    only = parser.add_mutually_exclusive_group()
    only.add_argument("--databases-only", action="store_true", help="leave the bucket alone")
    only.add_argument("--bucket-only", action="store_true", help="leave the databases alone")
    args = parser.parse_args(argv)
    try:
        restore(args.folder, args.force, databases=not args.bucket_only, objects_=not args.databases_only)
    except Refused as exc:
        print(f"Không khôi phục / restore refused: {exc.code}", file=sys.stderr)
        return 2
    print(f"Đã khôi phục / restored: {args.folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
