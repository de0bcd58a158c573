"""Revoking approved award sets end to end through the gateway (issue 13; issue 16's approver name).

- weekly: a revoked set leaves the public results and stays in the admin listing, the decision
  documents say it is revoked (with the reason and who revoked it) and name the approver by full
  name and login; weekly sets are revoked from the latest round back; a new compute makes a new
  draft, approved again; 409 not_approved / already_revoked / later_round_approved, 422, 404, 403;
  audited with the reason;
- video: revoking the approved video set reopens the judges' scores (media handles
  `award_set_revoked`): a judge locked out with 409 scores_locked scores again; a new approval locks
  them again.

Run: `.venv/bin/python -m pytest -p no:pytest_nameko tests/e2e/test_award_revoke.py`.
"""
import datetime as dt
import io

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from tests.e2e.quizclient import (Ids, make_bank, now_utc, play_two_rounds, tag, wait_for)
from tests.e2e.test_awards import ffmpeg_clip, upload_clip

API = "/api/v1"
PASSWORD = "mật-khẩu-123"


def pdf_text(content):
    return " ".join("\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).split())


def staff(client, admin_headers, role, full_name, unit_code=None):
    username = f"rv{role[:3]}{tag()}"
    resp = client.create_staff(admin_headers, username=username, password=PASSWORD, role=role, full_name=full_name,
                               id_number=Ids.next()[0], unit_code=unit_code)
    assert resp.status_code == 201, resp.text
    return username, client.headers(username, PASSWORD)


class Awards:
    def __init__(self, cluster, headers, code):
        self.http, self.headers, self.code = cluster.http, headers, code

    def compute(self, kind, round_n=None):
        body = {"kind": kind} if round_n is None else {"kind": kind, "round": round_n}
        resp = self.http.post(f"{API}/admin/contests/{self.code}/awards/compute", json=body, headers=self.headers)
        assert resp.status_code == 200, resp.text
        return resp.json()

    def approve(self, set_id):
        return self.http.post(f"{API}/admin/award-sets/{set_id}/approve", headers=self.headers)

    def revoke(self, set_id, reason="Sai sót cần xét lại", headers=None, body=None):
        body = {"reason": reason} if body is None else body
        return self.http.post(f"{API}/admin/award-sets/{set_id}/revoke", json=body, headers=self.headers if headers is None else headers)

    def public(self, **params):
        return self.http.get(f"{API}/contests/{self.code}/awards", params=params).json()

    def admin(self):
        resp = self.http.get(f"{API}/admin/contests/{self.code}/award-sets", headers=self.headers)
        assert resp.status_code == 200, resp.text
        return {s["award_set_id"]: s for s in resp.json()}

    def document(self, set_id, fmt):
        resp = self.http.get(f"{API}/admin/award-sets/{set_id}/decision.{fmt}", headers=self.headers)
        assert resp.status_code == 200, resp.text
        return resp.content


def status_row(xlsx_bytes):
    return list(load_workbook(io.BytesIO(xlsx_bytes)).worksheets[0].iter_rows(values_only=True))[2][0]


def test_weekly_revoke_lifecycle(cluster, client, admin_headers):
    t = tag()
    code = f"aw-r-{t}"
    approver_name, revoker_name = "Trương Thị Phê Duyệt", "Võ Văn Thu Hồi"
    approver_login, approver = staff(client, admin_headers, "organizer", approver_name)
    revoker_login, revoker = staff(client, admin_headers, "organizer", revoker_name)
    people = [client.new_contestant("SNV", full_name=name) for name in
              ("Ngô Văn Xuân", "Lý Thị Phượng", "Đỗ Văn Quang", "Mai Thị Rạng", "Phan Văn Sang")]
    play_two_rounds(client, admin_headers, code, people, (4, 3, 2, 1, 0), questions_per_attempt=4)

    by_approver, by_revoker = Awards(cluster, approver, code), Awards(cluster, revoker, code)
    one = by_approver.compute("weekly", 1)
    assert [w["contestant_id"] for w in one["winners"]] == [p["id"] for p in people[:3]]
    resp = by_approver.revoke(one["award_set_id"])
    assert resp.status_code == 409 and resp.json()["code"] == "not_approved", resp.text  # a draft: recompute it
    assert by_approver.approve(one["award_set_id"]).status_code == 200

    # Issue 16: the decision names its approver by full name and login, not by account id.
    approved_by = f"{approver_name} ({approver_login})"
    status = status_row(by_approver.document(one["award_set_id"], "xlsx"))
    assert f"người phê duyệt: {approved_by}" in status, status
    text = pdf_text(by_approver.document(one["award_set_id"], "pdf"))
    assert f"người phê duyệt: {approved_by}" in text and "THU HỒI" not in text

    two = by_approver.compute("weekly", 2)
    assert by_approver.approve(two["award_set_id"]).status_code == 200
    assert [s["round"] for s in by_approver.public(kind="weekly")] == [1, 2]

    # Refusals: a later round is approved; bad input; not an organizer; unknown set.
    resp = by_revoker.revoke(one["award_set_id"])
    assert resp.status_code == 409 and resp.json()["code"] == "later_round_approved", resp.text
    assert "tuần thi 2" in resp.json()["detail"]
    for body in ({}, {"reason": ""}, {"reason": "   "}, {"reason": None}):
        resp = by_revoker.revoke(two["award_set_id"], body=body)
        assert resp.status_code == 422, (body, resp.text)
    assert by_revoker.revoke(two["award_set_id"], headers=people[0]["headers"]).status_code == 403
    assert by_revoker.revoke(two["award_set_id"], headers={}).status_code == 401
    resp = by_revoker.revoke("khong-co-bo-giai")
    assert resp.status_code == 404 and resp.json()["code"] == "award_set_not_found", resp.text
    assert by_revoker.admin()[two["award_set_id"]]["status"] == "approved"

    # Round 2 first, then round 1: both leave the public results and stay on record.
    reason_two, reason_one = "Xét lại sau khi sửa kết quả tuần 1", "Thí sinh Ngô Văn Xuân bị truất quyền dự thi"
    resp = by_revoker.revoke(two["award_set_id"], reason_two)
    assert resp.status_code == 200, resp.text
    revoked = resp.json()
    assert revoked["status"] == "revoked" and revoked["revoke_reason"] == reason_two and revoked["revoked_at"]
    assert revoked["revoked_by"] and revoked["approved_at"]
    assert [s["round"] for s in by_approver.public(kind="weekly")] == [1]
    resp = by_revoker.revoke(one["award_set_id"], reason_one)
    assert resp.status_code == 200, resp.text
    assert by_approver.public() == []
    listing = by_revoker.admin()
    assert {listing[s]["status"] for s in (one["award_set_id"], two["award_set_id"])} == {"revoked"}
    resp = by_revoker.revoke(one["award_set_id"], reason_one)
    assert resp.status_code == 409 and resp.json()["code"] == "already_revoked", resp.text
    resp = cluster.http.get(f"{API}/admin/award-sets/{one['award_set_id']}/certificates/1.pdf", headers=revoker)
    assert resp.status_code == 409 and resp.json()["code"] == "not_approved", resp.text

    # Its decision documents say it is revoked, why and by whom, and keep the approval.
    revoked_by = f"{revoker_name} ({revoker_login})"
    status = status_row(by_revoker.document(one["award_set_id"], "xlsx"))
    assert "ĐÃ THU HỒI" in status and reason_one in status and f"người thu hồi: {revoked_by}" in status, status
    assert f"người phê duyệt: {approved_by}" in status
    text = pdf_text(by_revoker.document(one["award_set_id"], "pdf"))
    assert "ĐÃ THU HỒI" in text and reason_one in text and f"người thu hồi: {revoked_by}" in text

    # Audited with the reason.
    resp = cluster.http.get(f"{API}/admin/audit", headers=admin_headers,
                            params={"contest": code, "action": "award_set.revoke"})
    assert resp.status_code == 200, resp.text
    entries = resp.json()
    assert [(e["target"], e["reason"], e["before"]["status"], e["after"]["status"]) for e in entries] == [
        (f"award_set:{one['award_set_id']}", reason_one, "approved", "revoked"),
        (f"award_set:{two['award_set_id']}", reason_two, "approved", "revoked")]
    assert {e["actor_username"] for e in entries} == {revoker_login}

    # A new compute makes a new draft beside the revoked set; approved again in round order.
    new_one = by_approver.compute("weekly", 1)
    assert new_one["status"] == "draft" and new_one["award_set_id"] != one["award_set_id"]
    assert by_approver.approve(new_one["award_set_id"]).status_code == 200
    new_two = by_approver.compute("weekly", 2)
    assert by_approver.approve(new_two["award_set_id"]).status_code == 200
    public = by_approver.public(kind="weekly")
    assert [(s["round"], s["award_set_id"]) for s in public] == [(1, new_one["award_set_id"]),
                                                                  (2, new_two["award_set_id"])]
    assert len(by_approver.admin()) == 4
    budget = cluster.http.get(f"{API}/admin/contests/{code}/awards/budget", headers=approver).json()
    assert budget["approved_vnd"] == new_one["total_vnd"] + new_two["total_vnd"] and budget["draft_vnd"] == 0
    assert sorted(s["status"] for s in budget["sets"]) == ["approved", "approved", "revoked", "revoked"]


def test_revoking_the_video_set_lets_the_judges_score_again(cluster, client, admin_headers, tmp_path):
    t = tag()
    units = {"X": f"RV-{t}-X", "J": f"RV-{t}-J"}
    client.setup_units(admin_headers, [(units["X"], "Phòng Văn hóa huyện (kiểm thử)", "district", "", 5),
                                       (units["J"], "Sở Nội vụ (kiểm thử)", "province_dept", "", 10)])
    code = f"aw-rv-{t}"
    start = now_utc() - dt.timedelta(minutes=1)
    client.setup_contest(admin_headers, code, [{"opens_at": start.isoformat(),
                                                "closes_at": (start + dt.timedelta(hours=2)).isoformat()}],
                         {"questions_per_attempt": 3}, make_bank(code, 4))
    username, judge = staff(client, admin_headers, "judge", "Giám khảo Thu Hồi", units["J"])
    resp = cluster.http.post(f"{API}/admin/contests/{code}/jury", json={"usernames": [username]}, headers=admin_headers)
    assert resp.status_code == 200, resp.text
    clip = upload_clip(cluster, admin_headers, code, units["X"], "Dịch vụ công trực tuyến",
                       ffmpeg_clip(str(tmp_path / "clip.mp4")))

    def score(content):
        return cluster.http.post(f"{API}/clips/{clip['clip_id']}/scores", headers=judge, json={
            "content": content, "message": 15, "creativity": 15, "technique": 15})

    assert score(30).status_code == 200
    awards = Awards(cluster, admin_headers, code)
    video = awards.compute("video")
    assert awards.approve(video["award_set_id"]).status_code == 200
    wait_for(lambda: score(31).status_code == 409, 30)  # media locks on award_set_approved
    resp = score(31)
    assert resp.json()["code"] == "scores_locked", resp.text

    resp = awards.revoke(video["award_set_id"], "Giám khảo cần chấm lại video clip")
    assert resp.status_code == 200, resp.text
    # media unlocks on award_set_revoked: the judge scores again, blind again.
    resp = wait_for(lambda: (lambda r: r if r.status_code == 200 else None)(score(32)), 30)
    assert resp.json()["total"] == 77
    view = cluster.http.get(f"{API}/clips/{clip['clip_id']}", headers=judge).json()
    assert view["score"] is None
    assert awards.public() == []

    again = awards.compute("video")
    assert again["award_set_id"] != video["award_set_id"] and again["winners"][0]["details"]["score"] == 77
    assert awards.approve(again["award_set_id"]).status_code == 200
    wait_for(lambda: score(33).status_code == 409, 30)
    assert [s["award_set_id"] for s in awards.public()] == [again["award_set_id"]]
