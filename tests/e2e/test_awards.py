"""Awards end to end through the gateway: a contest with a short open round, contestants who
submit, the round closed and ranked, weekly prizes computed, recomputed, approved and published;
documents, budget, report; 409 while inputs are incomplete; 403 for non-organizers.

Run: `.venv/bin/python -m pytest -p no:pytest_nameko tests/e2e/test_awards.py`.
"""
import datetime as dt
import io
import zipfile

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from tests.e2e.quizclient import (Client, Ids, make_bank, now_utc, play_two_rounds, retry_unavailable, sheet, tag,
                                  wait_for, wait_graded)

API = "/api/v1"
HUONG = "Nguyễn Thị Hương"


def pdf_text(content):
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


@pytest.fixture(scope="module")
def weekly_contest(cluster, client, admin_headers):
    """A 4-round contest whose round 1 is open now; five contestants took it; one of them (a
    perfect score) was put on the exclusion list afterwards."""
    code = f"aw-{tag()}"
    start = now_utc() - dt.timedelta(minutes=1)
    rounds = [{"opens_at": start.isoformat(), "closes_at": (start + dt.timedelta(hours=2)).isoformat()}]
    for week in range(1, 4):
        opens = start + dt.timedelta(days=7 * week)
        rounds.append({"opens_at": opens.isoformat(), "closes_at": (opens + dt.timedelta(days=6)).isoformat()})
    bank = make_bank(code, 12)
    client.setup_contest(admin_headers, code, rounds, {"questions_per_attempt": 5}, bank)
    by_text = {q["text"]: q for q in bank}
    people = [("SNV", HUONG, 5), ("STP", "Trần Văn Excluded", 5), ("STP", "Lê Thị Bình", 4),
              ("SNV", "Phạm Văn Cường", 3), ("STP", "Hoàng Thị Dung", 2)]
    contestants = []
    for unit, name, correct in people:
        person = client.new_contestant(unit, full_name=name)
        resp = retry_unavailable(lambda: client.start(person["headers"], code, 1))
        assert resp.status_code == 201, resp.text
        paper = resp.json()
        resp = client.submit(person["headers"], paper["attempt_id"], sheet(paper, by_text, correct), prediction=5)
        assert resp.status_code == 202, resp.text
        wait_graded(client, person["headers"], paper["attempt_id"])
        contestants.append({**person, "correct": correct})
    excluded = contestants[1]
    resp = client.exclude(admin_headers, code, [excluded["id_number"]])
    assert resp.status_code == 200, resp.text
    return {"code": code, "contestants": contestants, "excluded": excluded}


def compute(cluster, headers, contest, kind, round_n=None):
    body = {"kind": kind} if round_n is None else {"kind": kind, "round": round_n}
    return cluster.http.post(f"{API}/admin/contests/{contest}/awards/compute", json=body, headers=headers)


def test_weekly_prizes_lifecycle(cluster, client, admin_headers, weekly_contest):
    code = weekly_contest["code"]
    contestant_headers = weekly_contest["contestants"][0]["headers"]

    # The round is still open: no weekly prizes yet.
    resp = compute(cluster, admin_headers, code, "weekly", 1)
    assert resp.status_code == 409, resp.text
    assert resp.json()["code"] == "round_not_final"

    resp = client.close_round(admin_headers, code, 1)
    assert resp.status_code == 200, resp.text
    wait_for(lambda: client.leaderboard(code, 1).json().get("final"), 60)

    # Non-organizers may not compute.
    resp = compute(cluster, contestant_headers, code, "weekly", 1)
    assert resp.status_code == 403, resp.text

    first = wait_for(lambda: (lambda r: r.json() if r.status_code == 200 else None)(
        compute(cluster, admin_headers, code, "weekly", 1)), 30)
    assert first["status"] == "draft" and first["round"] == 1 and first["kind"] == "weekly"
    names = [w["full_name"] for w in first["winners"]]
    assert names == [HUONG, "Lê Thị Bình", "Phạm Văn Cường"], first
    assert [w["prize"] for w in first["winners"]] == ["nhat", "nhi", "ba"]
    assert [w["amount_vnd"] for w in first["winners"]] == [2_000_000, 1_500_000, 1_000_000]
    assert first["winners"][0]["unit_code"] == "SNV"
    skipped = first["breakdown"]["skipped"]
    assert [s["contestant_id"] for s in skipped] == [weekly_contest["excluded"]["id"]]

    # Nothing public before approval.
    assert cluster.http.get(f"{API}/contests/{code}/awards").json() == []

    # Recompute replaces the draft (new id; the old one is gone).
    second = compute(cluster, admin_headers, code, "weekly", 1).json()
    assert second["award_set_id"] != first["award_set_id"]
    assert second["winners"] == first["winners"]
    resp = cluster.http.get(f"{API}/admin/award-sets/{first['award_set_id']}", headers=admin_headers)
    assert resp.status_code == 404, resp.text
    resp = cluster.http.get(f"{API}/admin/award-sets/{second['award_set_id']}", headers=admin_headers)
    assert resp.status_code == 200 and resp.json()["status"] == "draft"
    assert cluster.http.get(f"{API}/admin/award-sets/{second['award_set_id']}",
                            headers=contestant_headers).status_code == 403

    # Approval: organizers only, recorded, idempotent; then public; then no recompute.
    set_id = second["award_set_id"]
    resp = cluster.http.post(f"{API}/admin/award-sets/{set_id}/approve", headers=contestant_headers)
    assert resp.status_code == 403, resp.text
    resp = cluster.http.post(f"{API}/admin/award-sets/{set_id}/approve", headers=admin_headers)
    assert resp.status_code == 200, resp.text
    approved = resp.json()
    assert approved["status"] == "approved" and approved["approved_by"] and approved["approved_at"]
    again = cluster.http.post(f"{API}/admin/award-sets/{set_id}/approve", headers=admin_headers).json()
    assert again["approved_at"] == approved["approved_at"]
    public = cluster.http.get(f"{API}/contests/{code}/awards", params={"kind": "weekly", "round": 1}).json()
    assert [s["award_set_id"] for s in public] == [set_id]
    assert [w["full_name"] for w in public[0]["winners"]] == names
    assert "breakdown" not in public[0]
    assert cluster.http.get(f"{API}/contests/{code}/awards", params={"kind": "video"}).json() == []
    resp = compute(cluster, admin_headers, code, "weekly", 1)
    assert resp.status_code == 409 and resp.json()["code"] == "already_approved", resp.text

    # Documents.
    resp = cluster.http.get(f"{API}/admin/award-sets/{set_id}/decision.xlsx", headers=admin_headers)
    assert resp.status_code == 200, resp.text
    assert "filename*=UTF-8''" in resp.headers["content-disposition"]
    sheet_rows = list(load_workbook(io.BytesIO(resp.content)).worksheets[0].iter_rows(values_only=True))
    header = next(i for i, row in enumerate(sheet_rows) if row and row[0] == "STT")
    body = sheet_rows[header + 1:]
    assert [(r[1], r[2], r[8]) for r in body[:3]] == [
        ("Giải Nhất", HUONG, 2_000_000), ("Giải Nhì", "Lê Thị Bình", 1_500_000),
        ("Giải Ba", "Phạm Văn Cường", 1_000_000)]
    assert body[3][1] == "Tổng cộng" and body[3][8] == 4_500_000

    resp = cluster.http.get(f"{API}/admin/award-sets/{set_id}/decision.pdf", headers=admin_headers)
    assert resp.status_code == 200 and resp.headers["content-type"] == "application/pdf"
    text = pdf_text(resp.content)
    assert "QUYẾT ĐỊNH" in text and "Quyết định phê duyệt kết quả" in text and HUONG in text

    resp = cluster.http.get(f"{API}/admin/award-sets/{set_id}/certificates/1.pdf", headers=admin_headers)
    assert resp.status_code == 200, resp.text
    text = pdf_text(resp.content)
    assert "Giấy khen" in text and HUONG in text and "Giải Nhất" in text
    assert cluster.http.get(f"{API}/admin/award-sets/{set_id}/certificates/4.pdf",
                            headers=admin_headers).status_code == 404
    resp = cluster.http.get(f"{API}/admin/award-sets/{set_id}/certificates.zip", headers=admin_headers)
    assert resp.status_code == 200, resp.text
    archive = zipfile.ZipFile(io.BytesIO(resp.content))
    assert len(archive.namelist()) == 3
    assert "Lê Thị Bình" in pdf_text(archive.read(archive.namelist()[1]))

    # Budget: 4 rounds at SPEC's defaults.
    resp = cluster.http.get(f"{API}/admin/contests/{code}/awards/budget", headers=admin_headers)
    assert resp.status_code == 200, resp.text
    assert resp.json()["total_vnd"] == 48_000_000
    assert resp.json()["approved_vnd"] == 4_500_000

    # Closing report.
    resp = cluster.http.get(f"{API}/admin/contests/{code}/report.xlsx", headers=admin_headers)
    assert resp.status_code == 200, resp.text
    book = load_workbook(io.BytesIO(resp.content))
    per_round = list(book["Theo tuần"].iter_rows(values_only=True))
    assert per_round[1][0] == 1 and per_round[1][2] == 5  # five contestants ranked in round 1
    prizes = list(book["Giải thưởng"].iter_rows(values_only=True))
    assert (HUONG, 2_000_000) in [(r[3], r[5]) for r in prizes]
    resp = cluster.http.get(f"{API}/admin/contests/{code}/report.pdf", headers=admin_headers)
    assert resp.status_code == 200, resp.text
    assert "BÁO CÁO TỔNG KẾT" in pdf_text(resp.content)
    assert cluster.http.get(f"{API}/admin/contests/{code}/report.pdf",
                            headers=contestant_headers).status_code == 403


def test_incomplete_inputs_are_409(cluster, admin_headers, weekly_contest):
    code = weekly_contest["code"]
    # Rounds 2-4 have not even opened: no collective prizes yet.
    resp = compute(cluster, admin_headers, code, "collective")
    assert resp.status_code == 409, resp.text
    assert resp.json()["code"] == "rounds_not_final"
    resp = compute(cluster, admin_headers, code, "weekly", 2)
    assert resp.status_code == 409 and resp.json()["code"] == "round_not_final", resp.text
    # No clip was uploaded for this contest: the video prizes cannot be decided.
    resp = compute(cluster, admin_headers, code, "video")
    assert resp.status_code == 409, resp.text
    assert resp.json()["code"] in ("no_clips", "clips_not_scored")
    # Bad input never reaches a 500.
    resp = compute(cluster, admin_headers, code, "weekly")
    assert resp.status_code == 422, resp.text
    resp = compute(cluster, admin_headers, "no-such-contest", "video")
    assert resp.status_code == 404 and resp.json()["code"] == "contest_not_found", resp.text
    resp = cluster.http.post(f"{API}/admin/award-sets/nope/approve", headers=admin_headers)
    assert resp.status_code == 404, resp.text


def test_prize_table_changes_amounts(cluster, admin_headers, weekly_contest):
    code = weekly_contest["code"]
    url = f"{API}/admin/contests/{code}/awards/prizes"
    table = {"weekly": [{"prize": "nhat", "count": 1, "amount_vnd": 3_000_000},
                        {"prize": "nhi", "count": 2, "amount_vnd": 1_000_000}]}
    resp = cluster.http.put(url, json=table, headers=admin_headers)
    assert resp.status_code == 200, resp.text
    assert resp.json()["totals"]["weekly"] == 5_000_000
    budget = cluster.http.get(f"{API}/admin/contests/{code}/awards/budget", headers=admin_headers).json()
    assert budget["total_vnd"] == 4 * 5_000_000 + 13_000_000 + 17_000_000
    bad = {"weekly": [{"prize": "nhat", "count": -1, "amount_vnd": 1}]}
    assert cluster.http.put(url, json=bad, headers=admin_headers).status_code == 422


# --- video and collective prizes with real clips -------------------------------------------------

def ffmpeg_clip(path):
    import subprocess

    from services.media import probe

    subprocess.run([probe.ffmpeg_bin(), "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=10",
                    "-t", "2", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-preset", "ultrafast", path],
                   check=True, timeout=300)
    return path


def upload_clip(cluster, headers, contest, unit_code, title, path):
    import os

    import httpx

    body = {"unit_code": unit_code, "title": title, "category": "phóng sự", "filename": os.path.basename(path),
            "size_bytes": os.path.getsize(path), "content_type": "video/mp4"}
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

    return wait_for(accepted, 90)


def test_video_and_collective_prizes(cluster, client, admin_headers, tmp_path):
    t = tag()
    units = {"X": f"AW-{t}-X", "Y": f"AW-{t}-Y", "Z": f"AW-{t}-Z"}
    client.setup_units(admin_headers, [(units["X"], "Phòng Nội vụ huyện (kiểm thử)", "district", "", 2),
                                       (units["Y"], "UBND xã Hương Sơ (kiểm thử)", "commune", "", 4),
                                       (units["Z"], "Sở Thông tin và Truyền thông (kiểm thử)", "province_dept", "", 10)])
    code = f"aw-v-{t}"
    start = now_utc() - dt.timedelta(minutes=1)
    bank = make_bank(code, 10)
    client.setup_contest(admin_headers, code, [{"opens_at": start.isoformat(),
                                                "closes_at": (start + dt.timedelta(hours=2)).isoformat()}],
                         {"questions_per_attempt": 5}, bank)
    by_text = {q["text"]: q for q in bank}
    # X: two of two people take part (5/5 and 4/5); Y: one of four (3/5); Z: nobody.
    for unit, correct in (("X", 5), ("X", 4), ("Y", 3)):
        person = client.new_contestant(units[unit])
        paper = retry_unavailable(lambda: client.start(person["headers"], code, 1)).json()
        assert client.submit(person["headers"], paper["attempt_id"], sheet(paper, by_text, correct),
                             prediction=3).status_code == 202
        wait_graded(client, person["headers"], paper["attempt_id"])
    assert client.close_round(admin_headers, code, 1).status_code == 200
    wait_for(lambda: client.contest(code).json()["rounds"][0]["status"] == "finalized", 60)

    judges, usernames = [], []
    for i in (1, 2):
        username = f"awjudge{i}{t}"
        resp = client.create_staff(admin_headers, username=username, password="mật-khẩu-123", role="judge",
                                   full_name=f"Giám khảo {i}", id_number=Ids.next()[0], unit_code=units["Z"])
        assert resp.status_code == 201, resp.text
        judges.append(client.headers(username, "mật-khẩu-123"))
        usernames.append(username)
    # The contest's own jury: judges other tests create are not assigned to its clips.
    resp = cluster.http.post(f"{API}/admin/contests/{code}/jury", json={"usernames": usernames}, headers=admin_headers)
    assert resp.status_code == 200 and len(resp.json()["judges"]) == 2, resp.text
    path = ffmpeg_clip(str(tmp_path / "clip.mp4"))
    clip_x = upload_clip(cluster, admin_headers, code, units["X"], "Một cửa thân thiện", path)
    clip_y = upload_clip(cluster, admin_headers, code, units["Y"], "Chính quyền số ở xã", path)

    # Accepted but not scored: neither prize can be decided.
    for kind in ("video", "collective"):
        resp = compute(cluster, admin_headers, code, kind)
        assert resp.status_code == 409 and resp.json()["code"] == "clips_not_scored", resp.text
    assert clip_x["judges_assigned"] == 2 and clip_y["judges_assigned"] == 2

    def score(headers, clip_id, total_parts):
        content, message, creativity, technique = total_parts
        resp = cluster.http.post(f"{API}/clips/{clip_id}/scores", headers=headers, json={
            "content": content, "message": message, "creativity": creativity, "technique": technique})
        assert resp.status_code == 200, resp.text

    score(judges[0], clip_x["clip_id"], (35, 15, 15, 15))   # 80
    score(judges[1], clip_x["clip_id"], (38, 18, 17, 17))   # 90 → mean 85
    score(judges[0], clip_y["clip_id"], (30, 14, 13, 13))   # 70
    score(judges[1], clip_y["clip_id"], (30, 14, 13, 13))   # 70

    video = compute(cluster, admin_headers, code, "video")
    assert video.status_code == 200, video.text
    video = video.json()
    assert [(w["prize"], w["amount_vnd"], w["clip_id"], w["unit_code"]) for w in video["winners"]] == [
        ("nhat", 3_000_000, clip_x["clip_id"], units["X"]), ("nhi", 2_000_000, clip_y["clip_id"], units["Y"])]
    assert video["winners"][0]["details"]["score"] == 85

    collective = compute(cluster, admin_headers, code, "collective")
    assert collective.status_code == 200, collective.text
    collective = collective.json()
    # X: participation 2/2, quality (5/5 + 4/5)/2 = 0.9 → 0.95; Y: 1/4 and 3/5 → 0.425; Z: not eligible.
    assert [(w["prize"], w["amount_vnd"], w["unit_code"]) for w in collective["winners"]] == [
        ("nhat", 5_000_000, units["X"]), ("nhi", 3_500_000, units["Y"])]
    assert collective["winners"][0]["details"]["score"] == pytest.approx(0.95)
    assert collective["winners"][1]["details"]["score"] == pytest.approx(0.425)
    z = next(u for u in collective["breakdown"]["units"] if u["unit_code"] == units["Z"])
    assert not z["eligible"] and len(z["reasons"]) == 2

    resp = cluster.http.post(f"{API}/admin/award-sets/{video['award_set_id']}/approve", headers=admin_headers)
    assert resp.status_code == 200, resp.text
    resp = cluster.http.get(f"{API}/admin/award-sets/{video['award_set_id']}/certificates/1.pdf", headers=admin_headers)
    text = pdf_text(resp.content)
    assert "Giấy khen" in text and "Tập thể Phòng Nội vụ huyện (kiểm thử)" in text and "Một cửa thân thiện" in text
    public = cluster.http.get(f"{API}/contests/{code}/awards").json()
    assert [(s["kind"], s["status"]) for s in public] == [("video", "approved")]


@pytest.mark.local_cluster(reason="restarts media with a slow probe")
def test_video_and_collective_wait_for_a_clip_still_being_checked(cluster, client, admin_headers, tmp_path):
    """Issue 14, finding 3: with clip B still uploading, then still being probed, video and collective
    compute answer 409 clips_pending (naming how many) instead of a set without B; once B is
    accepted and scored, both sets include it (SPEC 4)."""
    import os

    import httpx

    t = tag()
    units = {"X": f"AP-{t}-X", "Y": f"AP-{t}-Y", "Z": f"AP-{t}-Z"}
    client.setup_units(admin_headers, [(units["X"], "Phòng Nội vụ (kiểm thử chờ clip)", "district", "", 2),
                                       (units["Y"], "UBND xã Thủy Vân (kiểm thử chờ clip)", "commune", "", 2),
                                       (units["Z"], "Sở Văn hóa (kiểm thử chờ clip)", "province_dept", "", 5)])
    code = f"aw-p-{t}"
    start = now_utc() - dt.timedelta(minutes=1)
    bank = make_bank(code, 6)
    client.setup_contest(admin_headers, code, [{"opens_at": start.isoformat(),
                                                "closes_at": (start + dt.timedelta(hours=2)).isoformat()}],
                         {"questions_per_attempt": 3}, bank)
    by_text = {q["text"]: q for q in bank}
    for unit, correct in (("X", 3), ("Y", 2)):
        person = client.new_contestant(units[unit])
        paper = retry_unavailable(lambda: client.start(person["headers"], code, 1)).json()
        assert client.submit(person["headers"], paper["attempt_id"], sheet(paper, by_text, correct),
                             prediction=2).status_code == 202
        wait_graded(client, person["headers"], paper["attempt_id"])
    assert client.close_round(admin_headers, code, 1).status_code == 200
    wait_for(lambda: client.contest(code).json()["rounds"][0]["status"] == "finalized", 60)
    username = f"apjudge{t}"
    assert client.create_staff(admin_headers, username=username, password="mật-khẩu-123", role="judge",
                               full_name="Giám khảo chờ clip", id_number=Ids.next()[0],
                               unit_code=units["Z"]).status_code == 201
    judge = client.headers(username, "mật-khẩu-123")
    resp = cluster.http.post(f"{API}/admin/contests/{code}/jury", json={"usernames": [username]}, headers=admin_headers)
    assert resp.status_code == 200, resp.text

    def score(clip_id, parts):
        content, message, creativity, technique = parts
        resp = cluster.http.post(f"{API}/clips/{clip_id}/scores", headers=judge, json={
            "content": content, "message": message, "creativity": creativity, "technique": technique})
        assert resp.status_code == 200, resp.text

    path = ffmpeg_clip(str(tmp_path / "clip.mp4"))
    clip_a = upload_clip(cluster, admin_headers, code, units["X"], "Clip A đã kiểm tra", path)
    score(clip_a["clip_id"], (30, 14, 13, 13))  # 70

    # Clip B of unit Y: sent, its upload not finished yet.
    body = {"unit_code": units["Y"], "title": "Clip B chậm", "category": "tiểu phẩm",
            "filename": "b.mp4", "size_bytes": os.path.getsize(path), "content_type": "video/mp4"}
    resp = cluster.http.post(f"{API}/contests/{code}/clips", json=body, headers=admin_headers)
    assert resp.status_code == 201, resp.text
    upload_b = resp.json()
    clip_b = upload_b["clip_id"]

    def refused(where):
        for kind in ("video", "collective"):
            resp = compute(cluster, admin_headers, code, kind)
            assert resp.status_code == 409, resp.text
            body = resp.json()
            assert body["code"] == "clips_pending", body
            assert "Còn 1 video clip" in body["detail"] and where in body["detail"], body

    refused("1 đang tải lên")

    # Its probe made slow: B stays `processing` while we ask.
    cluster.stop_service("media")
    cluster.spawn("media", extra_env={"PROBE_DELAY_S": "40"})
    try:
        cluster.wait_ready(120)
        parts = []
        with open(path, "rb") as fh, httpx.Client(timeout=120) as s3:
            for part in upload_b["upload"]["parts"]:
                fh.seek((part["part_number"] - 1) * upload_b["upload"]["part_size"])
                put = s3.put(part["url"], content=fh.read(upload_b["upload"]["part_size"]))
                assert put.status_code == 200, put.text
                parts.append({"part_number": part["part_number"], "etag": put.headers["ETag"]})
        resp = cluster.http.post(f"{API}/clips/{clip_b}/complete", json={"parts": parts}, headers=admin_headers)
        assert resp.status_code == 202, resp.text
        status = cluster.http.get(f"{API}/clips/{clip_b}", headers=admin_headers).json()["status"]
        assert status == "processing", status
        refused("1 đang được kiểm tra")
        assert cluster.http.get(f"{API}/admin/contests/{code}/award-sets", headers=admin_headers).json() == []
    finally:
        # The probe's message was not acknowledged: a media without the delay probes B again.
        cluster.kill("media")
        cluster.spawn("media")
        cluster.wait_ready(120)

    def accepted():
        clip = cluster.http.get(f"{API}/clips/{clip_b}", headers=admin_headers).json()
        assert clip["status"] != "rejected", clip
        return clip["status"] == "accepted"

    wait_for(accepted, 90)
    score(clip_b, (38, 18, 17, 17))  # 90
    video = compute(cluster, admin_headers, code, "video")
    assert video.status_code == 200, video.text
    assert [w["clip_id"] for w in video.json()["winners"]] == [clip_b, clip_a["clip_id"]]
    collective = compute(cluster, admin_headers, code, "collective")
    assert collective.status_code == 200, collective.text
    y = next(u for u in collective.json()["breakdown"]["units"] if u["unit_code"] == units["Y"])
    assert y["best_clip_id"] == clip_b
    # A clip sent after the compute holds the approval back too: the draft would leave it out.
    body = dict(body, title="Clip C gửi sau khi tính")
    resp = cluster.http.post(f"{API}/contests/{code}/clips", json=body, headers=admin_headers)
    assert resp.status_code == 201, resp.text
    resp = cluster.http.post(f"{API}/admin/award-sets/{video.json()['award_set_id']}/approve", headers=admin_headers)
    assert resp.status_code == 409 and resp.json()["code"] == "clips_pending", resp.text
    assert cluster.http.get(f"{API}/contests/{code}/awards").json() == []


def test_weekly_sets_are_approved_in_round_order(cluster, client, admin_headers):
    """Issue 14, finding 4: X is the best in rounds 1 and 2. Approving round 2 first is refused
    (409 earlier_round_not_approved); round 1 goes first and X wins it; round 2, recomputed, skips
    X (SPEC 4: the earliest round wins), whichever order the organizer clicks in."""
    t = tag()
    code = f"aw-o-{t}"
    people = [client.new_contestant("SNV", full_name=name) for name in
              ("Ngô Văn Xuân", "Lý Thị Phượng", "Đỗ Văn Quang", "Mai Thị Rạng")]
    # Round 1 open now and closed by the organizer once everyone has played; round 2 opens on its
    # own half a minute later.
    play_two_rounds(client, admin_headers, code, people, (3, 2, 1, 0), questions_per_attempt=3)

    def computed(n):
        resp = compute(cluster, admin_headers, code, "weekly", n)
        assert resp.status_code == 200, resp.text
        return resp.json()

    def approve(set_id):
        return cluster.http.post(f"{API}/admin/award-sets/{set_id}/approve", headers=admin_headers)

    x = people[0]["id"]
    second = computed(2)
    assert second["winners"][0]["contestant_id"] == x
    resp = approve(second["award_set_id"])
    assert resp.status_code == 409, resp.text
    assert resp.json()["code"] == "earlier_round_not_approved" and "tuần thi 1" in resp.json()["detail"]
    assert cluster.http.get(f"{API}/contests/{code}/awards").json() == []

    first = computed(1)
    assert approve(first["award_set_id"]).status_code == 200
    assert first["winners"][0]["contestant_id"] == x
    resp = approve(second["award_set_id"])  # the stale draft still names X
    assert resp.status_code == 409 and resp.json()["code"] == "repeat_winner", resp.text
    second = computed(2)
    # Round 1's three winners (X first) are skipped in round 2; the fourth person wins it.
    assert [w["contestant_id"] for w in second["winners"]] == [people[3]["id"]]
    assert [s["contestant_id"] for s in second["breakdown"]["skipped"]] == [p["id"] for p in people[:3]]
    assert approve(second["award_set_id"]).status_code == 200
    public = cluster.http.get(f"{API}/contests/{code}/awards", params={"kind": "weekly"}).json()
    assert [(s["round"], s["winners"][0]["contestant_id"]) for s in public] == [(1, x), (2, people[3]["id"])]
