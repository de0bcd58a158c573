"""Video clips through the gateway, against the real processes and moto's S3 server (API.md
"Video clips"): presigned multipart upload straight to object storage, ffprobe verdicts on clips
made by ffmpeg at test time, playback with Range requests, judging, the public gallery, memory
during a 500 MB upload, and a media crash in the middle of a probe.
"""
import os
import subprocess
import threading
import time

import httpx
import pytest

from services.media import probe
from tests.e2e.quizclient import Client, Ids, tag, wait_for
from tests.e2e.test_quiz_faults import db_rows

API = "/api/v1"
MiB = 1024 ** 2


def ffmpeg(*args):
    subprocess.run([probe.ffmpeg_bin(), "-v", "error", "-y", *args], check=True, timeout=300)


@pytest.fixture(scope="module")
def videos(tmp_path_factory):
    d = tmp_path_factory.mktemp("clips")
    paths = {"ok": str(d / "bon-giay.mp4"), "long": str(d / "dai-301-giay.mp4"), "text": str(d / "van-ban.mp4"),
             "raw": str(d / "ba-phan.mkv")}
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=320x240:rate=25", "-t", "4", "-c:v", "libx264",
           "-pix_fmt", "yuv420p", "-preset", "ultrafast", paths["ok"])
    # 301 s but tiny: 32x24 at 1 frame a second.
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=32x24:rate=1", "-t", "301", "-c:v", "libx264",
           "-pix_fmt", "yuv420p", "-preset", "ultrafast", paths["long"])
    # Uncompressed 320x240 frames (115,200 bytes each): 5 s at 25 fps is ~14.4 MB, three 5 MiB parts.
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=320x240:rate=25", "-t", "5", "-c:v", "rawvideo",
           "-pix_fmt", "yuv420p", paths["raw"])
    with open(paths["text"], "w", encoding="utf-8") as fh:
        fh.write("Biên bản họp Ban Tổ chức — không phải video.\n" * 100)
    return paths


@pytest.fixture(scope="module")
def api(cluster):
    client = Client(cluster.base_url)
    yield client
    client.close()


@pytest.fixture(scope="module")
def world(api, admin_headers):
    """Two units, a contest, an expert of unit A, a judge of each unit on the contest's jury and a
    judge of unit B who is not on it (so judges made by other tests never hold back its scores)."""
    t = tag()
    units = {"A": f"E2E-{t}-MA", "B": f"E2E-{t}-MB"}
    api.setup_units(admin_headers, [(units["A"], "Sở Văn hóa và Thể thao (kiểm thử)", "province_dept", "", 20),
                                    (units["B"], "UBND thành phố Huế (kiểm thử)", "district", "", 30)])
    contest = f"e2e-m-{t}"
    resp = api.create_contest(admin_headers, code=contest, title="Hội thi video kiểm thử", rounds=[
        {"opens_at": "2030-06-01T00:00:00+07:00", "closes_at": "2030-06-07T23:59:59+07:00"}])
    assert resp.status_code == 201, resp.text
    people = {}
    for key, role, unit in (("expert", "expert", "A"), ("judge_a", "judge", "A"), ("judge_b", "judge", "B"),
                            ("judge_off", "judge", "B")):
        username = f"{key.replace('_', '')}{t}"
        resp = api.create_staff(admin_headers, username=username, password="mật-khẩu-123", role=role,
                                full_name=f"Cán bộ {key}", id_number=Ids.next()[0], unit_code=units[unit])
        assert resp.status_code == 201, resp.text
        people[key] = {"id": resp.json()["id"], "username": username,
                       "headers": api.headers(username, "mật-khẩu-123")}
    jury_url = f"/admin/contests/{contest}/jury"
    # No jury named yet: SPEC's default, every judge of the platform.
    resp = api.http.get(jury_url, headers=admin_headers)
    assert resp.status_code == 200 and resp.json()["default"] is True, resp.text
    assert {people[k]["id"] for k in ("judge_a", "judge_b", "judge_off")} <= {j["id"] for j in resp.json()["judges"]}
    resp = api.http.post(jury_url, json={"usernames": [people["judge_a"]["username"], people["judge_b"]["username"]]},
                         headers=admin_headers)
    assert resp.status_code == 200, resp.text
    assert resp.json()["default"] is False
    assert sorted(j["id"] for j in resp.json()["judges"]) == sorted([people["judge_a"]["id"], people["judge_b"]["id"]])
    return {"units": units, "contest": contest, "people": people, "admin": admin_headers}


def test_contest_jury_setting_refusals(cluster, world):
    url = f"{API}/admin/contests/{world['contest']}/jury"
    people, admin = world["people"], world["admin"]
    cases = [
        (cluster.http.post(url, json={"usernames": [people["expert"]["username"]]}, headers=admin), 422, "not_a_judge"),
        (cluster.http.post(url, json={"usernames": ["khong-co-ai"]}, headers=admin), 422, "not_a_judge"),
        (cluster.http.post(url, json={"usernames": []}, headers=admin), 422, "invalid_input"),
        (cluster.http.post(url, json={"usernames": [people["judge_off"]["username"]]},
                           headers=people["expert"]["headers"]), 403, "forbidden"),
        (cluster.http.post(f"{API}/admin/contests/khong-co-hoi-thi/jury",
                           json={"usernames": [people["judge_off"]["username"]]}, headers=admin), 404,
         "contest_not_found"),
    ]
    for resp, status, code in cases:
        assert resp.status_code == status, resp.text
        assert resp.json()["code"] == code and any(ord(ch) > 127 for ch in resp.json()["detail"]), resp.text
    # Nothing changed; setting the same jury again is harmless (idempotent).
    jury = cluster.http.get(url, headers=people["judge_b"]["headers"]).json()
    assert sorted(j["id"] for j in jury["judges"]) == sorted([people["judge_a"]["id"], people["judge_b"]["id"]])
    again = cluster.http.post(url, json={"usernames": [people["judge_b"]["username"], people["judge_a"]["username"]]},
                              headers=admin)
    assert again.status_code == 200 and again.json() == jury


def create(http, headers, contest, path, unit_code, content_type="video/mp4", size=None):
    body = {"unit_code": unit_code, "title": "Một cửa liên thông: nhanh hơn, gần dân hơn",
            "category": "phóng sự", "filename": os.path.basename(path),
            "size_bytes": size if size is not None else os.path.getsize(path), "content_type": content_type}
    return http.post(f"{API}/contests/{contest}/clips", json=body, headers=headers)


def put_parts(upload, read_part):
    """Send each part straight to object storage, as the browser does; read_part(i, size) → bytes."""
    parts = []
    with httpx.Client(timeout=120) as s3:
        for part in upload["parts"]:
            resp = s3.put(part["url"], content=read_part(part["part_number"], upload["part_size"]))
            assert resp.status_code == 200, resp.text
            parts.append({"part_number": part["part_number"], "etag": resp.headers["ETag"]})
    return parts


def file_parts(path):
    def read(n, size):
        with open(path, "rb") as fh:
            fh.seek((n - 1) * size)
            return fh.read(size)
    return read


def upload(cluster, world, path, unit="A", content_type="video/mp4", headers=None):
    headers = headers or world["people"]["expert"]["headers"]
    resp = create(cluster.http, headers, world["contest"], path, world["units"][unit], content_type)
    assert resp.status_code == 201, resp.text
    out = resp.json()
    parts = put_parts(out["upload"], file_parts(path))
    resp = cluster.http.post(f"{API}/clips/{out['clip_id']}/complete", json={"parts": parts}, headers=headers)
    assert resp.status_code == 202, resp.text
    assert resp.json()["status"] in ("processing", "accepted", "rejected")
    return out


def verdict(cluster, headers, clip_id, timeout_s=60):
    def done():
        resp = cluster.http.get(f"{API}/clips/{clip_id}", headers=headers)
        assert resp.status_code == 200, resp.text
        return resp.json() if resp.json()["status"] in ("accepted", "rejected") else None
    return wait_for(done, timeout_s)


def test_four_second_clip_accepted_with_its_duration(cluster, world, videos):
    out = upload(cluster, world, videos["ok"])
    assert len(out["upload"]["parts"]) == 1
    clip = verdict(cluster, world["admin"], out["clip_id"])
    assert clip["status"] == "accepted", clip
    assert clip["duration_s"] == pytest.approx(4.0, abs=0.05)
    assert clip["reject_reason"] is None and clip["score"] is None
    assert clip["unit_code"] == world["units"]["A"]
    thumb = httpx.get(clip["thumbnail_url"], timeout=30)
    assert thumb.status_code == 200 and thumb.content[:2] == b"\xff\xd8"


@pytest.mark.local_cluster(reason="reads media's audit_log table")
def test_failed_upload_restarted_or_deleted(cluster, world, videos):
    """A clip stuck `uploading` (the browser's upload failed): the file is sent again with new part
    URLs (the old upload is aborted), or the clip is deleted; both audited, both refused once the
    upload is complete, neither open to a judge."""
    expert, judge = world["people"]["expert"]["headers"], world["people"]["judge_a"]["headers"]
    size = os.path.getsize(videos["ok"])
    first = create(cluster.http, expert, world["contest"], videos["ok"], world["units"]["A"]).json()
    clip_id = first["clip_id"]
    body = {"filename": "gui-lai.mp4", "size_bytes": size, "content_type": "video/mp4"}
    assert cluster.http.post(f"{API}/clips/{clip_id}/upload", json=body, headers=judge).status_code == 403
    assert cluster.http.post(f"{API}/clips/{clip_id}/upload", json={**body, "size_bytes": 0},
                             headers=expert).status_code == 422
    resp = cluster.http.post(f"{API}/clips/{clip_id}/upload", json=body, headers=expert)
    assert resp.status_code == 200, resp.text
    again = resp.json()
    assert again["clip_id"] == clip_id and again["upload"]["parts"][0]["url"] != first["upload"]["parts"][0]["url"]
    # The first upload was aborted: its URLs lead nowhere (MinIO answers 404 NoSuchUpload, moto 500).
    with httpx.Client(timeout=30) as s3:
        assert s3.put(first["upload"]["parts"][0]["url"], content=b"x").status_code >= 400
    parts = put_parts(again["upload"], file_parts(videos["ok"]))
    assert cluster.http.post(f"{API}/clips/{clip_id}/complete", json={"parts": parts},
                             headers=expert).status_code == 202
    clip = verdict(cluster, world["admin"], clip_id)
    assert clip["status"] == "accepted", clip
    for method, path, kwargs in (("POST", f"/clips/{clip_id}/upload", {"json": body}), ("DELETE", f"/clips/{clip_id}", {})):
        resp = cluster.http.request(method, API + path, headers=expert, **kwargs)
        assert resp.status_code == 409 and resp.json()["code"] == "clip_not_uploading", resp.text

    stuck = create(cluster.http, expert, world["contest"], videos["ok"], world["units"]["B"]).json()
    assert cluster.http.delete(f"{API}/clips/{stuck['clip_id']}", headers=judge).status_code == 403
    assert cluster.http.delete(f"{API}/clips/{stuck['clip_id']}", headers=expert).status_code == 204
    assert cluster.http.get(f"{API}/clips/{stuck['clip_id']}", headers=world["admin"]).status_code == 404
    assert cluster.http.delete(f"{API}/clips/{stuck['clip_id']}", headers=expert).status_code == 404
    with httpx.Client(timeout=30) as s3:
        assert s3.put(stuck["upload"]["parts"][0]["url"], content=b"x").status_code >= 400
    rows = db_rows(cluster.databases["media"][1], "SELECT action, target FROM audit_log WHERE target IN (%s, %s) "
                   "ORDER BY seq", f"clip:{clip_id}", f"clip:{stuck['clip_id']}")
    assert rows == [("clip.upload_restart", f"clip:{clip_id}"), ("clip.upload_delete", f"clip:{stuck['clip_id']}")]


def test_clip_over_300_seconds_rejected(cluster, world, videos):
    clip = verdict(cluster, world["admin"], upload(cluster, world, videos["long"])["clip_id"])
    assert clip["status"] == "rejected"
    assert clip["duration_s"] == pytest.approx(301, abs=0.5)
    assert "vượt quá thời lượng tối đa 300 giây" in clip["reject_reason"]
    assert clip["playback_url"] is None


def test_text_file_named_mp4_rejected(cluster, world, videos):
    clip = verdict(cluster, world["admin"], upload(cluster, world, videos["text"])["clip_id"])
    assert clip["status"] == "rejected"
    assert "không phải là video" in clip["reject_reason"]


def test_three_part_upload_plays_back_with_range(cluster, world, videos):
    size = os.path.getsize(videos["raw"])
    out = upload(cluster, world, videos["raw"], content_type="video/x-matroska")
    part_size = out["upload"]["part_size"]
    assert part_size >= 5 * MiB
    # Three parts at the harness's CLIP_PART_SIZE (5 MiB), two at the default (8 MiB) of a stack.
    assert [p["part_number"] for p in out["upload"]["parts"]] == list(range(1, -(-size // part_size) + 1))
    assert len(out["upload"]["parts"]) >= 2
    clip = verdict(cluster, world["admin"], out["clip_id"])
    assert clip["status"] == "accepted", clip
    assert clip["duration_s"] == pytest.approx(5.0, abs=0.1)
    # A range across the boundary of parts 1 and 2 comes back as 206 with exactly those bytes.
    start = out["upload"]["part_size"] - 500
    resp = httpx.get(clip["playback_url"], headers={"Range": f"bytes={start}-{start + 999}"}, timeout=30)
    assert resp.status_code == 206, resp.text
    assert resp.headers["content-range"] == f"bytes {start}-{start + 999}/{size}"
    with open(videos["raw"], "rb") as fh:
        fh.seek(start)
        assert resp.content == fh.read(1000)


def test_bad_forms_get_clear_errors(cluster, world, videos):
    expert, contest, unit = world["people"]["expert"]["headers"], world["contest"], world["units"]["A"]
    cases = [
        (create(cluster.http, expert, contest, videos["ok"], unit, size=2 * 1024 ** 3 + 1), 413, "clip_too_large"),
        (create(cluster.http, expert, contest, videos["ok"], unit, content_type="image/png"), 422,
         "invalid_content_type"),
        (create(cluster.http, expert, contest, videos["ok"], "KHONG-CO-DON-VI"), 422, "unknown_unit"),
        (create(cluster.http, expert, "khong-co-hoi-thi", videos["ok"], unit), 404, "contest_not_found"),
        (create(cluster.http, world["people"]["judge_a"]["headers"], contest, videos["ok"], unit), 403, "forbidden"),
        (create(cluster.http, {}, contest, videos["ok"], unit), 401, "not_authenticated"),
        (cluster.http.post(f"{API}/clips/khong-co/complete", json={"parts": [{"part_number": 1, "etag": "x"}]},
                           headers=expert), 404, "clip_not_found"),
    ]
    for resp, status, code in cases:
        assert resp.status_code == status, resp.text
        body = resp.json()
        assert body["code"] == code and any(ord(ch) > 127 for ch in body["detail"]), body
    resp = cluster.http.post(f"{API}/contests/{contest}/clips", json={"title": ""}, headers=expert)
    assert resp.status_code == 422
    # A wrong etag: the store refuses to join, the clip stays uploading and can still be completed.
    out = create(cluster.http, expert, contest, videos["ok"], unit).json()
    resp = cluster.http.post(f"{API}/clips/{out['clip_id']}/complete",
                             json={"parts": [{"part_number": 1, "etag": '"00000000000000000000000000000000"'}]},
                             headers=expert)
    assert resp.status_code == 422 and resp.json()["code"] == "upload_incomplete", resp.text
    assert cluster.http.get(f"{API}/clips/{out['clip_id']}", headers=expert).json()["status"] == "uploading"


def test_judging_and_gallery(cluster, world, videos):
    people, admin = world["people"], world["admin"]
    clip_id = upload(cluster, world, videos["ok"], unit="A")["clip_id"]
    assert verdict(cluster, admin, clip_id)["status"] == "accepted"
    score_url = f"{API}/clips/{clip_id}/scores"
    good = {"content": 35, "message": 18, "creativity": 16.5, "technique": 15}

    resp = cluster.http.post(score_url, json=good, headers=people["judge_a"]["headers"])
    assert resp.status_code == 403 and resp.json()["code"] == "own_unit", resp.text
    resp = cluster.http.post(score_url, json=dict(good, content=41), headers=people["judge_b"]["headers"])
    assert resp.status_code == 422 and resp.json()["code"] == "invalid_scores", resp.text
    resp = cluster.http.post(score_url, json=good, headers=people["expert"]["headers"])
    assert resp.status_code == 403
    # A judge of the platform who is not on this contest's jury.
    resp = cluster.http.post(score_url, json=good, headers=people["judge_off"]["headers"])
    assert resp.status_code == 403 and resp.json()["code"] == "not_on_jury", resp.text
    off_list = cluster.http.get(f"{API}/judge/clips", params={"contest": world["contest"]},
                                headers=people["judge_off"]["headers"])
    assert off_list.status_code == 200 and off_list.json() == [], off_list.text

    resp = cluster.http.post(score_url, json=dict(good, content=10), headers=people["judge_b"]["headers"])
    assert resp.status_code == 200 and resp.json()["total"] == 59.5, resp.text
    resp = cluster.http.post(score_url, json=good, headers=people["judge_b"]["headers"])  # replaces
    assert resp.status_code == 200 and resp.json()["total"] == 84.5, resp.text

    mine = cluster.http.get(f"{API}/judge/clips", params={"contest": world["contest"]},
                            headers=people["judge_b"]["headers"]).json()
    row = next(r for r in mine if r["clip_id"] == clip_id)
    assert row["my_score"]["total"] == 84.5
    theirs = cluster.http.get(f"{API}/judge/clips", params={"contest": world["contest"]},
                              headers=people["judge_a"]["headers"]).json()
    assert clip_id not in [r["clip_id"] for r in theirs]  # their own unit's clip is not on their list

    # The contest's jury is judge_a and judge_b; judge_a is of unit A: judge_b alone is assigned,
    # and their score is the final one whatever judges other tests made.
    clip = cluster.http.get(f"{API}/clips/{clip_id}", headers=admin).json()
    assert (clip["judges_assigned"], clip["judges_scored"], clip["score"]) == (1, 1, 84.5), clip
    assert [(s["judge_id"], s["total"]) for s in clip["scores"]] == [(people["judge_b"]["id"], 84.5)]

    # Gallery: unpublished clips stay private; the organizer publishes; the public can watch.
    assert cluster.http.get(f"{API}/clips/{clip_id}").status_code == 404
    gallery_url = f"{API}/contests/{world['contest']}/gallery"
    assert clip_id not in [g["clip_id"] for g in cluster.http.get(gallery_url).json()]
    assert cluster.http.post(f"{API}/admin/clips/{clip_id}/publish", headers=people["expert"]["headers"]
                             ).status_code == 403
    resp = cluster.http.post(f"{API}/admin/clips/{clip_id}/publish", headers=admin)
    assert resp.status_code == 200 and resp.json()["published"] is True, resp.text
    gallery = cluster.http.get(gallery_url).json()
    assert [g["clip_id"] for g in gallery] == [clip_id]
    assert httpx.get(gallery[0]["playback_url"], headers={"Range": "bytes=0-9"}, timeout=30).status_code == 206
    assert cluster.http.get(f"{API}/clips/{clip_id}").json()["title"].startswith("Một cửa")

    rejected = upload(cluster, world, videos["text"])["clip_id"]
    verdict(cluster, admin, rejected)
    resp = cluster.http.post(f"{API}/admin/clips/{rejected}/publish", headers=admin)
    assert resp.status_code == 409 and resp.json()["code"] == "clip_not_accepted"
    resp = cluster.http.post(f"{API}/clips/{rejected}/scores", json=good, headers=people["judge_b"]["headers"])
    assert resp.status_code == 409 and resp.json()["code"] == "clip_not_accepted"

    staff_list = cluster.http.get(f"{API}/contests/{world['contest']}/clips", headers=admin).json()
    assert {clip_id, rejected} <= {c["clip_id"] for c in staff_list}
    assert cluster.http.get(f"{API}/contests/{world['contest']}/clips").status_code == 401


class RssSampler(threading.Thread):
    """Samples the resident memory of some processes until stopped; keeps the peak of each."""

    def __init__(self, pids):
        super().__init__(daemon=True)
        import psutil

        self.procs = {name: psutil.Process(pid) for name, pid in pids.items()}
        self.peak = {name: 0 for name in pids}
        self.stop = threading.Event()

    def run(self):
        while not self.stop.is_set():
            for name, proc in self.procs.items():
                self.peak[name] = max(self.peak[name], proc.memory_info().rss)
            self.stop.wait(0.1)


@pytest.mark.local_cluster(reason="samples the memory of the gateway's and media's processes")
def test_500_mb_upload_keeps_gateway_and_media_small(cluster, world, record_property):
    size = 500 * 1024 ** 2
    expert = world["people"]["expert"]["headers"]
    resp = create(cluster.http, expert, world["contest"], "/tmp/lon.mp4", world["units"]["B"], size=size)
    assert resp.status_code == 201, resp.text
    out = resp.json()
    part_size = out["upload"]["part_size"]
    block = os.urandom(part_size)  # one buffer reused for every part: the test stays small too

    def read_part(n, size_):
        return block[: min(size_, size - (n - 1) * size_)]

    sampler = RssSampler({"gateway": cluster.pid("gateway"), "media": cluster.pid("media")})
    sampler.start()
    try:
        parts = put_parts(out["upload"], read_part)
        resp = cluster.http.post(f"{API}/clips/{out['clip_id']}/complete", json={"parts": parts}, headers=expert,
                                 timeout=120)
        assert resp.status_code == 202, resp.text
        # The probe reads the 500 MB object by HTTP ranges: it is not a video, and nothing was downloaded whole.
        clip = verdict(cluster, world["admin"], out["clip_id"], timeout_s=120)
    finally:
        sampler.stop.set()
        sampler.join()
    peak_mb = {k: round(v / 1024 ** 2, 1) for k, v in sampler.peak.items()}
    print(f"\n500 MB upload in {len(parts)} parts of {part_size} bytes; peak RSS MB: {peak_mb}")
    for name, mb in peak_mb.items():
        record_property(f"peak_rss_mb_{name}", mb)  # in the junit report of `make test`
    assert clip["status"] == "rejected" and clip["size_bytes"] == size, clip
    assert sampler.peak["gateway"] < 200 * 1024 ** 2, peak_mb
    assert sampler.peak["media"] < 200 * 1024 ** 2, peak_mb


@pytest.mark.fault
def test_media_killed_while_probing_clip_still_gets_its_verdict(cluster, world, videos):
    """SIGKILL the media service in the middle of a probe (made slow by PROBE_DELAY_S): its
    `clip_uploaded` message was not acknowledged, so after the restart the clip is probed again."""
    cluster.kill("media")
    cluster.spawn("media", extra_env={"PROBE_DELAY_S": "60"})
    cluster.wait_ready(120)
    out = upload(cluster, world, videos["ok"])
    log_path = os.path.join(cluster.log_dir, "media-1.log")

    def probing():
        with open(log_path, encoding="utf-8", errors="replace") as fh:
            return f"probing clip {out['clip_id']}" in fh.read()

    wait_for(probing, 60)
    cluster.kill("media")  # SIGKILL mid-probe
    resp = cluster.http.get(f"{API}/clips/{out['clip_id']}", headers=world["admin"])
    assert resp.status_code == 503 and resp.json()["code"] == "service_unavailable"
    cluster.spawn("media")  # no delay this time
    cluster.wait_ready(120)
    clip = verdict(cluster, world["admin"], out["clip_id"], timeout_s=90)
    assert clip["status"] == "accepted" and clip["duration_s"] == pytest.approx(4.0, abs=0.05)
