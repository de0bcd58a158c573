"""`make backup`: every service database and the clips bucket into one dated folder, with a manifest.

Reads the variables the services read, so the same command works on a single machine (SQLite files
under DATA_DIR, moto) and inside the app container of the compose stack (PostgreSQL, MinIO):
  <SERVICE>_DATABASE_URL / DATABASE_URL / DATA_DIR   (common/settings.py `database_url`)
  S3_ENDPOINT, S3_ACCESS_KEY, S3_SECRET_KEY, S3_BUCKET, S3_SECURE, S3_REGION   (services/media/config.py)
  BACKUP_DIR   where the dated folders go (default ./backups)

Folder `cchc-<UTC date>-<time>/`:
  <service>.dump   PostgreSQL: `pg_dump --format=custom` of the service's database, taken on a snapshot
                   exported from a REPEATABLE READ transaction; the manifest's row counts are counted in
                   that same transaction, so they describe exactly what the dump holds;
  <service>.db     SQLite: a consistent copy through SQLite's online backup API (writers may go on);
  bucket/<key>     every object of the clips bucket (videos, thumbnails);
  manifest.json    per database: file, bytes, sha256, rows per table; per object: key, bytes, sha256,
                   content type; written last, so a folder without it is an unfinished backup.
Databases are copied before the bucket: a clip row always finds its object (objects stored meanwhile
are extra, harmless). scripts/restore.py checks every checksum before it writes anything.
"""
import argparse
import datetime as dt
import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

SERVICES = ("quiz", "scoring", "media", "awards")
FORMAT = 1


def sha256_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def database_url(service):
    from common import settings
    return settings.database_url(service)


def libpq_url(url):
    """A SQLAlchemy URL (postgresql+psycopg2://...) as libpq and pg_dump take it."""
    scheme, rest = url.split("://", 1)
    return "postgresql://" + rest if scheme.startswith("postgres") else url


def sqlite_path(url):
    return urllib.parse.unquote(url.split(":///", 1)[1])


def kind(url):
    if url.startswith("sqlite"):
        return "sqlite"
    if url.startswith("postgres"):
        return "postgresql"
    raise SystemExit(f"unsupported database URL: {url.split('://', 1)[0]}://...")


def sqlite_counts(conn):
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                         "AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}


def pg_counts(cur):
    cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
    tables = [r[0] for r in cur.fetchall()]
    counts = {}
    for table in tables:
        cur.execute(f'SELECT count(*) FROM public."{table}"')
        counts[table] = cur.fetchone()[0]
    return counts


def backup_sqlite(url, dest):
    path = sqlite_path(url)
    if not os.path.exists(path):
        raise SystemExit(f"no database file at {path} (has the platform run once?)")
    src = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    out = sqlite3.connect(dest)
    try:
        src.backup(out)  # page by page, restarting if a writer changes the source meanwhile
        counts = sqlite_counts(out)
    finally:
        out.close()
        src.close()
    return counts


def backup_postgres(url, dest):
    import psycopg2

    conn = psycopg2.connect(libpq_url(url))
    try:
        conn.set_session(isolation_level="REPEATABLE READ", readonly=True)
        with conn.cursor() as cur:
            cur.execute("SELECT pg_export_snapshot()")
            snapshot = cur.fetchone()[0]
            # pg_dump reads the very snapshot the counts below are taken in (the transaction stays open).
            subprocess.run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges",
                            f"--snapshot={snapshot}", f"--file={dest}", f"--dbname={libpq_url(url)}"],
                           check=True)
            counts = pg_counts(cur)
        conn.rollback()
    finally:
        conn.close()
    return counts


def s3_client():
    from minio import Minio

    from services.media.config import Settings
    s = Settings()
    return Minio(s.s3_endpoint, access_key=s.s3_access_key, secret_key=s.s3_secret_key, secure=s.s3_secure,
                 region=s.s3_region), s.s3_bucket


def backup_bucket(folder):
    client, bucket = s3_client()
    objects = []
    if not client.bucket_exists(bucket):
        return {"name": bucket, "objects": objects}
    for obj in client.list_objects(bucket, recursive=True):
        dest = os.path.join(folder, "bucket", *obj.object_name.split("/"))
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        stat = client.fget_object(bucket, obj.object_name, dest)
        objects.append({"key": obj.object_name, "bytes": os.path.getsize(dest), "sha256": sha256_file(dest),
                        "content_type": stat.content_type or "application/octet-stream"})
    return {"name": bucket, "objects": objects}


def backup(folder):
    os.makedirs(folder)
    manifest = {"format": FORMAT, "created_at": dt.datetime.now(dt.timezone.utc).isoformat(), "databases": {}}
    for service in SERVICES:
        url = database_url(service)
        db_kind = kind(url)
        name = f"{service}.dump" if db_kind == "postgresql" else f"{service}.db"
        dest = os.path.join(folder, name)
        counts = backup_postgres(url, dest) if db_kind == "postgresql" else backup_sqlite(url, dest)
        manifest["databases"][service] = {"kind": db_kind, "file": name, "bytes": os.path.getsize(dest),
                                          "sha256": sha256_file(dest), "rows": counts}
        print(f"{service}: {db_kind}, {sum(counts.values())} rows in {len(counts)} tables -> {name}", flush=True)
    manifest["bucket"] = backup_bucket(folder)
    objects = manifest["bucket"]["objects"]
    print(f"bucket {manifest['bucket']['name']}: {len(objects)} objects, "
          f"{sum(o['bytes'] for o in objects)} bytes", flush=True)
    with open(os.path.join(folder, "manifest.json.tmp"), "w", encoding="utf-8") as fh:
        json.dump(manifest, fh, ensure_ascii=False, indent=2)
    os.replace(os.path.join(folder, "manifest.json.tmp"), os.path.join(folder, "manifest.json"))
    return manifest


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--out", help="the backup folder to create (default: BACKUP_DIR/cchc-<UTC time>)")
    args = parser.parse_args(argv)
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%d-%H%M%S")
    folder = args.out or os.path.join(os.environ.get("BACKUP_DIR") or os.path.join(ROOT, "backups"), f"cchc-{stamp}")
    backup(folder)
    print(f"Đã sao lưu / backup written: {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
