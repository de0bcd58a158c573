"""Blind and final judging (SPEC 5, issue 14 finding 2) through the gateway against the real
processes: judges see only their own scores until the video award set is approved, scores lock
then (409 `scores_locked`), a jury change after the first score needs `confirm: true` and never
blanks final scores silently, a judge account always names its unit, and a judge never scores their
own unit's clip.
"""
import os
import subprocess

import httpx
import pytest

from services.media import probe
from tests.e2e.quizclient import Client, Ids, tag, wait_for

API = "/api/v1"
PASSWORD = "mật-khẩu-123"


@pytest.fixture(scope="module")
def api(cluster):
    client = Client(cluster.base_url)
    yield client
    client.close()


@pytest.fixture(scope="module")
def video(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("blind") / "clip.mp4")
    subprocess.run([probe.ffmpeg_bin(), "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=10",
                    "-t", "2", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-preset", "ultrafast", path],
                   check=True, timeout=300)
    return path


def upload(cluster, headers, contest, unit_code, path):
    body = {"unit_code": unit_code, "title": f"Clip của {unit_code}", "category": "phóng sự",
            "filename": os.path.basename(path), "size_bytes": os.path.getsize(path), "content_type": "video/mp4"}
    resp = cluster.http.post(f"{API}/contests/{contest}/clips", json=body, headers=headers)
    assert resp.status_code == 201, resp.text
    out = resp.json()
    parts = []
    with open(path, "rb") as fh, httpx.Client(timeout=120) as s3:
        for part in out["upload"]["parts"]:
            fh.seek((part["part_number"] - 1) * out["upload"]["part_size"])
            put = s3.put(part["url"], content=fh.read(out["upload"]["part_size"]))
            assert put.status_code == 200, put.text
            parts.append({"part_number": part["part_number"], "etag": put.headers["ETag"]})
    resp = cluster.http.post(f"{API}/clips/{out['clip_id']}/complete", json={"parts": parts}, headers=headers)
    assert resp.status_code == 202, resp.text

    def accepted():
        clip = cluster.http.get(f"{API}/clips/{out['clip_id']}", headers=headers).json()
        assert clip["status"] != "rejected", clip
        return clip if clip["status"] == "accepted" else None

    return wait_for(accepted, 90)["clip_id"]


def make_judge(api, admin, unit_code, key):
    username = f"bj{key}{tag()}"
    resp = api.create_staff(admin, username=username, password=PASSWORD, role="judge",
                            full_name=f"Giám khảo {key}", id_number=Ids.next()[0], unit_code=unit_code)
    assert resp.status_code == 201, resp.text
    return {"id": resp.json()["id"], "username": username, "headers": api.headers(username, PASSWORD)}


@pytest.fixture(scope="module")
def world(api, admin_headers):
    t = tag()
    units = {k: f"BJ-{t}-{k}" for k in "ABC"}
    api.setup_units(admin_headers, [(units[k], f"Đơn vị {k} (kiểm thử chấm)", "province_dept", "", 10) for k in "ABC"])
    contest = f"bj-{t}"
    resp = api.create_contest(admin_headers, code=contest, title="Hội thi video (chấm kín)", rounds=[
        {"opens_at": "2030-06-01T00:00:00+07:00", "closes_at": "2030-06-07T23:59:59+07:00"}])
    assert resp.status_code == 201, resp.text
    judges = {"a": make_judge(api, admin_headers, units["A"], "a"), "b": make_judge(api, admin_headers, units["B"], "b")}
    resp = api.http.post(f"/admin/contests/{contest}/jury", headers=admin_headers,
                         json={"usernames": [judges["a"]["username"], judges["b"]["username"]]})
    assert resp.status_code == 200, resp.text
    return {"units": units, "contest": contest, "judges": judges, "admin": admin_headers}


def score(cluster, judge, clip_id, total_parts):
    content, message, creativity, technique = total_parts
    return cluster.http.post(f"{API}/clips/{clip_id}/scores", headers=judge["headers"], json={
        "content": content, "message": message, "creativity": creativity, "technique": technique})


def test_a_judge_account_names_its_unit(api, admin_headers):
    resp = api.create_staff(admin_headers, username=f"bjnounit{tag()}", password=PASSWORD, role="judge",
                            full_name="Giám khảo không đơn vị", id_number=Ids.next()[0])
    assert resp.status_code == 422 and resp.json()["code"] == "unit_required", resp.text
    assert "đơn vị" in resp.json()["detail"]


def test_blind_scoring_jury_change_and_lock(cluster, api, world, video):
    admin, judges, units, contest = world["admin"], world["judges"], world["units"], world["contest"]
    clip_c = upload(cluster, admin, contest, units["C"], video)
    clip_a = upload(cluster, admin, contest, units["A"], video)

    resp = score(cluster, judges["a"], clip_a, (30, 15, 15, 15))
    assert resp.status_code == 403 and resp.json()["code"] == "own_unit", resp.text
    assert score(cluster, judges["a"], clip_c, (30, 15, 15, 15)).status_code == 200   # 75
    assert score(cluster, judges["b"], clip_c, (38, 18, 17, 17)).status_code == 200   # 90
    assert score(cluster, judges["b"], clip_a, (20, 10, 10, 10)).status_code == 200   # 50 (b alone assigned)

    # Organizers see the final scores and every judge's points.
    by_admin = cluster.http.get(f"{API}/clips/{clip_c}", headers=admin).json()
    assert by_admin["score"] == 82.5 and len(by_admin["scores"]) == 2, by_admin
    # A judge sees neither: no final score of any clip, no other judge's points, anywhere.
    for j in ("a", "b"):
        headers = judges[j]["headers"]
        views = [cluster.http.get(f"{API}/clips/{c}", headers=headers).json() for c in (clip_c, clip_a)]
        views += cluster.http.get(f"{API}/contests/{contest}/clips", headers=headers).json()
        views += cluster.http.get(f"{API}/judge/clips", params={"contest": contest}, headers=headers).json()
        for view in views:
            assert view["score"] is None and "scores" not in view, view
    own = {r["clip_id"]: r["my_score"]["total"]
           for r in cluster.http.get(f"{API}/judge/clips", params={"contest": contest},
                                     headers=judges["b"]["headers"]).json()}
    assert own == {clip_c: 90, clip_a: 50}

    # A jury change after the first score needs confirmation (quiz learns of the score by event).
    jury_url = f"/admin/contests/{contest}/jury"
    wait_for(lambda: api.http.get(jury_url, headers=admin).json()["judging_started"], 30)
    late = make_judge(api, admin, units["B"], "late")
    usernames = [judges["a"]["username"], judges["b"]["username"], late["username"]]
    resp = api.http.post(jury_url, headers=admin, json={"usernames": usernames})
    assert resp.status_code == 409 and resp.json()["code"] == "confirm_required", resp.text
    assert "confirm" in resp.json()["detail"]
    assert cluster.http.get(f"{API}/clips/{clip_c}", headers=admin).json()["score"] == 82.5  # nothing changed
    resp = api.http.post(jury_url, headers=admin, json={"usernames": usernames, "confirm": True,
                                                         "reason": "Bổ sung giám khảo"})
    assert resp.status_code == 200 and len(resp.json()["judges"]) == 3, resp.text
    # Confirmed: the clips wait for the judge put on, in the open (judges_scored 2 of 3).
    clip = cluster.http.get(f"{API}/clips/{clip_c}", headers=admin).json()
    assert (clip["score"], clip["judges_assigned"], clip["judges_scored"]) == (None, 3, 2), clip
    assert score(cluster, late, clip_c, (36, 16, 16, 16)).status_code == 200   # 84 → (75 + 90 + 84) / 3 = 83
    assert score(cluster, late, clip_a, (30, 10, 10, 10)).status_code == 200   # 60 → (50 + 60) / 2 = 55
    assert cluster.http.get(f"{API}/clips/{clip_c}", headers=admin).json()["score"] == 83

    # The video set approved: scores lock (media learns it by event), judges may now see the results.
    resp = cluster.http.post(f"{API}/admin/contests/{contest}/awards/compute", json={"kind": "video"}, headers=admin)
    assert resp.status_code == 200, resp.text
    resp = cluster.http.post(f"{API}/admin/award-sets/{resp.json()['award_set_id']}/approve", headers=admin)
    assert resp.status_code == 200, resp.text

    def locked():
        resp = score(cluster, judges["b"], clip_c, (1, 1, 1, 1))
        assert resp.status_code in (200, 409), resp.text
        return resp if resp.status_code == 409 else None

    # Until the event lands a late re-score may pass; the approved set is stored by awards either way.
    resp = wait_for(locked, 30)
    assert resp.json()["code"] == "scores_locked" and "khóa" in resp.json()["detail"], resp.text
    resp = score(cluster, late, clip_a, (40, 20, 20, 20))
    assert resp.status_code == 409 and resp.json()["code"] == "scores_locked", resp.text
    view = cluster.http.get(f"{API}/clips/{clip_a}", headers=judges["b"]["headers"]).json()
    assert view["score"] == 55 and view["scores_locked"] is True, view


def test_first_score_fixes_a_default_jury(cluster, api, admin_headers, video):
    """A contest without a named jury: the first score fixes it, so a judge account made later does
    not join it and no final score goes blank."""
    t = tag()
    units = {k: f"BJD-{t}-{k}" for k in "AB"}
    api.setup_units(admin_headers, [(units[k], f"Đơn vị {k} (kiểm thử mặc định)", "district", "", 10) for k in "AB"])
    contest = f"bjd-{t}"
    resp = api.create_contest(admin_headers, code=contest, title="Hội thi video (Ban Giám khảo mặc định)",
                              rounds=[{"opens_at": "2030-06-01T00:00:00+07:00", "closes_at": "2030-06-07T23:59:59+07:00"}])
    assert resp.status_code == 201, resp.text
    judge = make_judge(api, admin_headers, units["A"], "d")
    clip = upload(cluster, admin_headers, contest, units["B"], video)
    jury_url = f"/admin/contests/{contest}/jury"
    before = api.http.get(jury_url, headers=admin_headers).json()
    assert before["default"] is True and before["judging_started"] is False
    assert score(cluster, judge, clip, (30, 15, 15, 15)).status_code == 200
    fixed = wait_for(lambda: (lambda j: j if j["judging_started"] else None)(
        api.http.get(jury_url, headers=admin_headers).json()), 30)
    assert fixed["default"] is False and judge["id"] in [j["id"] for j in fixed["judges"]]
    assert {j["id"] for j in fixed["judges"]} == {j["id"] for j in before["judges"]}
    late = make_judge(api, admin_headers, units["A"], "dlate")
    after = api.http.get(jury_url, headers=admin_headers).json()
    assert late["id"] not in [j["id"] for j in after["judges"]]
    assert [j["id"] for j in after["judges"]] == [j["id"] for j in fixed["judges"]]
