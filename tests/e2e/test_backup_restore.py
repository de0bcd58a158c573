"""Backup and restore (scripts/backup.py, scripts/restore.py, `make backup` / `make restore`).

PostgreSQL: a platform with a finalized round, an approved weekly award set and an accepted clip is
backed up (the scripts run with the very environment the services get), restored into fresh databases
and a fresh object store, and a second platform started on them shows the same leaderboard, unit
statistics and award sets, and plays the clip back byte for byte. A non-empty target is refused.

SQLite (`make run`'s default): the scripts alone, on SQLite files and moto, without services.
"""
import datetime as dt
import hashlib
import json
import os
import sqlite3
import subprocess
import sys

import httpx
import pytest
from minio import Minio

from tests import pg, s3
from tests.e2e.cluster import ROOT, Cluster
from tests.e2e.quizclient import Client, make_bank, now_utc, sheet, tag, wait_for
from tests.e2e.test_awards import ffmpeg_clip, upload_clip

API = "/api/v1"

pytestmark = pytest.mark.local_cluster(reason="runs the backup and restore scripts on the harness's databases "
                                              "and store, and starts a cluster of its own")


def script(name, *args, env):
    return subprocess.run([sys.executable, os.path.join(ROOT, "scripts", name), *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


class RestoredCluster(Cluster):
    """The platform's processes on databases and a store prepared beforehand (the restore target)."""

    def prepare_targets(self):
        for service in ("quiz", "scoring", "media", "awards"):
            self.databases[service] = pg.create_database(prefix=f"cchc_rst_{service}")
        os.makedirs(self.log_dir, exist_ok=True)
        self.store = s3.start_store(log_file=os.path.join(self.log_dir, "s3.log"))
        self.moto, self.s3_endpoint = self.store.moto, self.store.endpoint

    def start(self):
        self.rabbit.create_vhost(self.vhost)
        for service, instances in (("quiz", 2), ("scoring", 1), ("media", 1), ("awards", 1)):
            for n in range(1, instances + 1):
                self.spawn(service, n)
        self.spawn("gateway", 1)
        self.wait_ready(120)
        return self


def snapshot(api, http, admin, contest, clip_id):
    """What must survive: leaderboard, unit statistics, award sets, the clip's bytes."""
    board = api.leaderboard(contest, 1, limit=100).json()
    stats = api.unit_stats(contest).json()
    awards = http.get(f"{API}/contests/{contest}/awards", params={"kind": "weekly", "round": 1}).json()
    clip = http.get(f"{API}/clips/{clip_id}", headers=admin).json()
    with httpx.Client(timeout=60) as client:
        video = client.get(clip["playback_url"])
    assert video.status_code == 200, video.text
    clip = {k: v for k, v in clip.items() if k not in ("playback_url", "thumbnail_url")}  # signed per request
    return {"leaderboard": board, "unit_stats": stats, "awards": awards, "clip": clip,
            "video_sha256": hashlib.sha256(video.content).hexdigest()}


def test_backup_restored_into_a_fresh_stack_is_identical(cluster, admin_headers, tmp_path):
    api = Client(cluster.base_url)
    code = f"bk-{tag()}"
    start = now_utc() - dt.timedelta(minutes=1)
    bank = make_bank(code, 10)
    api.setup_contest(admin_headers, code, [{"opens_at": start.isoformat(),
                                             "closes_at": (start + dt.timedelta(hours=2)).isoformat()}],
                      {"questions_per_attempt": 5}, bank)
    by_text = {q["text"]: q for q in bank}
    for unit, correct in (("SNV", 5), ("STP", 4), ("SNV", 3), ("STP", 2)):
        person = api.new_contestant(unit)
        paper = api.start(person["headers"], code, 1).json()
        assert api.submit(person["headers"], paper["attempt_id"], sheet(paper, by_text, correct),
                          prediction=4).status_code == 202
    assert api.close_round(admin_headers, code, 1).status_code == 200
    wait_for(lambda: api.contest(code).json()["rounds"][0]["status"] == "finalized", 90)
    resp = cluster.http.post(f"{API}/admin/contests/{code}/awards/compute", json={"kind": "weekly", "round": 1},
                             headers=admin_headers)
    assert resp.status_code == 200, resp.text
    resp = cluster.http.post(f"{API}/admin/award-sets/{resp.json()['award_set_id']}/approve", headers=admin_headers)
    assert resp.status_code == 200, resp.text
    path = ffmpeg_clip(str(tmp_path / "clip.mp4"))
    clip = upload_clip(cluster, admin_headers, code, "SNV", "Sao lưu và khôi phục", path)
    before = snapshot(api, cluster.http, admin_headers, code, clip["clip_id"])
    assert len(before["leaderboard"]["rows"]) == 4 and before["awards"], before
    with open(path, "rb") as fh:
        assert before["video_sha256"] == hashlib.sha256(fh.read()).hexdigest()

    folder = str(tmp_path / "backup")
    out = script("backup.py", "--out", folder, env=cluster.env("media", 1))
    assert out.returncode == 0, out.stdout + out.stderr
    with open(os.path.join(folder, "manifest.json"), encoding="utf-8") as fh:
        manifest = json.load(fh)
    assert {db["kind"] for db in manifest["databases"].values()} == {"postgresql"}
    assert manifest["databases"]["quiz"]["rows"]["attempts"] >= 4
    assert any(o["key"] == clip_key(cluster, clip["clip_id"]) for o in manifest["bucket"]["objects"])

    restored = RestoredCluster()
    try:
        restored.prepare_targets()
        env = restored.env("media", 1)
        out = script("restore.py", folder, env=env)
        assert out.returncode == 0, out.stdout + out.stderr
        restored.start()
        api_b = Client(restored.base_url)
        admin_b = restored.auth()
        after = snapshot(api_b, restored.http, admin_b, code, clip["clip_id"])
        assert after == before
        api_b.close()
        # A second restore into the now non-empty stack is refused, and changes nothing.
        again = script("restore.py", folder, env=env)
        assert again.returncode == 2 and "not empty" in again.stderr, again.stdout + again.stderr
        assert snapshot(api_b := Client(restored.base_url), restored.http, admin_b, code, clip["clip_id"]) == before
        api_b.close()
    finally:
        restored.stop()
        api.close()


def clip_key(cluster, clip_id):
    rows = pg_rows(cluster.databases["media"][1], "SELECT object_key FROM clips WHERE id = %s", clip_id)
    return rows[0][0]


def pg_rows(url, sql, *args):
    import psycopg2
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute(sql, args)
            return cur.fetchall()
    finally:
        conn.close()


# --- SQLite (the single machine's default) ---------------------------------------------------------

def sqlite_env(data_dir, store):
    env = {k: v for k, v in os.environ.items() if not k.endswith("DATABASE_URL")}
    env.update(DATA_DIR=str(data_dir), S3_ENDPOINT=store.endpoint, S3_ACCESS_KEY=s3.ACCESS_KEY,
               S3_SECRET_KEY=s3.SECRET_KEY, S3_REGION=s3.REGION, S3_BUCKET="cchc-clips-backup", PYTHONPATH=ROOT)
    return env


def minio(store):
    return Minio(store.endpoint, access_key=s3.ACCESS_KEY, secret_key=s3.SECRET_KEY, secure=False, region=s3.REGION)


def table_rows(path):
    conn = sqlite3.connect(path)
    try:
        return {t: sorted(conn.execute(f'SELECT * FROM "{t}"').fetchall())
                for (t,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        conn.close()


def test_sqlite_backup_and_restore_without_services(tmp_path):
    import io

    src, dst = tmp_path / "src", tmp_path / "dst"
    src.mkdir()
    for service in ("quiz", "scoring", "media", "awards"):
        conn = sqlite3.connect(src / f"{service}.db")
        conn.execute("PRAGMA journal_mode=WAL")  # as the services open it: the copy must still be whole
        conn.execute("CREATE TABLE rows (id INTEGER PRIMARY KEY, what TEXT)")
        conn.executemany("INSERT INTO rows (what) VALUES (?)", [(f"{service} {i} – Thừa Thiên Huế",) for i in range(50)])
        conn.commit()
        conn.close()
    store_a, store_b = s3.start_store(), s3.start_store()
    try:
        client_a = minio(store_a)
        client_a.make_bucket("cchc-clips-backup")
        blobs = {"clips/c/1/video.mp4": os.urandom(300_000), "clips/c/1/thumb.jpg": b"\xff\xd8" + os.urandom(5000)}
        for key, data in blobs.items():
            client_a.put_object("cchc-clips-backup", key, io.BytesIO(data), len(data), content_type="video/mp4")

        folder = str(tmp_path / "backup")
        out = script("backup.py", "--out", folder, env=sqlite_env(src, store_a))
        assert out.returncode == 0, out.stdout + out.stderr
        out = script("restore.py", folder, env=sqlite_env(dst, store_b))
        assert out.returncode == 0, out.stdout + out.stderr
        for service in ("quiz", "scoring", "media", "awards"):
            assert table_rows(dst / f"{service}.db") == table_rows(src / f"{service}.db")
        client_b = minio(store_b)
        for key, data in blobs.items():
            assert client_b.get_object("cchc-clips-backup", key).read() == data

        # Not into a non-empty target, unless forced; never from a damaged backup.
        out = script("restore.py", folder, env=sqlite_env(dst, store_b))
        assert out.returncode == 2 and "not empty" in out.stderr, out.stderr
        out = script("restore.py", folder, "--force", env=sqlite_env(dst, store_b))
        assert out.returncode == 0, out.stdout + out.stderr
        with open(os.path.join(folder, "bucket", "clips", "c", "1", "video.mp4"), "r+b") as fh:
            fh.write(b"X")
        out = script("restore.py", folder, "--force", env=sqlite_env(tmp_path / "third", store_b))
        assert out.returncode == 2 and "sha256" in out.stderr, out.stderr
        assert not (tmp_path / "third").exists()
    finally:
        store_a.stop()
        store_b.stop()
