"""Revoking an approved award set (SPEC 6, issue 13): it leaves the public results, stays on record
with who, when and why, is audited and announced (`award_set_revoked`), and the next compute of
that result makes a new draft. Weekly sets are revoked from the latest round backwards. The decision
documents name the approver (and the revoker) by full name and login."""
import base64
import io

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from common.errors import Conflict, Forbidden, Invalid, NotFound
from common.uow import verify_chain
from services.awards import workflow
from services.awards.domain import sets
from services.awards.models import AuditEntry, Outbox
from tests.services.awards.conftest import CONTEST, EXPERT, ORG, ORG_LOGIN, ORG_NAME, clip, ranking_row

ROWS = [ranking_row(i, f"c{i}", f"Người {i}", "SNV", 21 - i, f"2023-06-01T10:0{i}:00+00:00") for i in range(1, 8)]
REASON = "Thí sinh c1 bị truất quyền dự thi do gian lận"


def compute(db, upstream, kind="weekly", round_n=1):
    return workflow.compute_set(db, upstream, upstream, upstream, ORG, CONTEST, kind, round_n)


def approve(db, set_id):
    return db.run(sets.approve, ORG, set_id)


def revoke(db, set_id, reason=REASON, actor=ORG):
    return workflow.revoke_set(db, actor, set_id, reason)


def events(db, event_type="award_set_revoked"):
    with db.session() as s:
        return [r.payload for r in s.scalars(select(Outbox).where(Outbox.event_type == event_type))]


def audit(db, action):
    with db.session() as s:
        assert verify_chain(s, AuditEntry) is None
        return [(r.target, r.actor_id, r.before, r.after, r.reason)
                for r in s.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq))]


def test_revoke_takes_the_set_out_and_a_new_compute_makes_a_new_draft(both_db, upstream):
    db = both_db
    upstream.rankings[1] = ROWS
    first = approve(db, compute(db, upstream)["award_set_id"])
    revoked = revoke(db, first["award_set_id"], f"  {REASON}  ")
    assert revoked["status"] == "revoked" and revoked["award_set_id"] == first["award_set_id"]
    assert revoked["revoked_by"] == ORG["id"] and revoked["revoked_at"] and revoked["revoke_reason"] == REASON
    assert revoked["approved_at"] == first["approved_at"]  # the approval stays on record
    # Out of the public results, still in the admin listing.
    assert workflow.public_sets(db, CONTEST) == []
    assert [(s["award_set_id"], s["status"]) for s in workflow.admin_sets(db, ORG, CONTEST)] == [
        (first["award_set_id"], "revoked")]
    # Announced once, in the same unit of work, and audited with the reason.
    [payload] = events(db)
    assert db.dispatch.call_args.args[0] == "award_set_revoked"
    assert {k: payload[k] for k in ("award_set_id", "contest", "kind", "round", "revoked_by", "reason")} == {
        "award_set_id": first["award_set_id"], "contest": CONTEST, "kind": "weekly", "round": 1,
        "revoked_by": ORG["id"], "reason": REASON}
    [(target, actor_id, before, after, reason)] = audit(db, "award_set.revoke")
    assert (target, actor_id, reason) == (f"award_set:{first['award_set_id']}", ORG["id"], REASON)
    assert before == {"status": "approved", "approved_at": first["approved_at"], "approved_by": ORG["id"],
                      "winners": 3, "total_vnd": 4_500_000}
    assert after == {"status": "revoked", "revoked_at": revoked["revoked_at"]}
    # Revoked is final: no second revocation, no certificates.
    with pytest.raises(Conflict) as exc:
        revoke(db, first["award_set_id"])
    assert exc.value.code == "already_revoked"
    with pytest.raises(Conflict) as exc:
        workflow.certificate(db, upstream, ORG, first["award_set_id"], 1)
    assert exc.value.code == "not_approved"

    # A new compute of the same result: a new draft beside the revoked set; it can be approved.
    upstream.rankings[1] = ROWS[1:]  # c1 disqualified
    draft = compute(db, upstream)
    assert draft["status"] == "draft" and draft["award_set_id"] != first["award_set_id"]
    assert [w["contestant_id"] for w in draft["winners"]] == ["c2", "c3", "c4"]
    again = compute(db, upstream)  # recomputing the draft replaces the draft only
    assert {(s["award_set_id"], s["status"]) for s in workflow.admin_sets(db, ORG, CONTEST)} == {
        (first["award_set_id"], "revoked"), (again["award_set_id"], "draft")}
    approved = approve(db, again["award_set_id"])
    assert [s["award_set_id"] for s in workflow.public_sets(db, CONTEST, "weekly", 1)] == [approved["award_set_id"]]
    # The budget counts the approved set only; the revoked one is listed as such.
    money = workflow.budget(db, upstream, ORG, CONTEST)
    assert money["approved_vnd"] == 4_500_000 and money["draft_vnd"] == 0
    assert sorted(s["status"] for s in money["sets"]) == ["approved", "revoked"]


def test_revoke_refusals(both_db, upstream):
    db = both_db
    upstream.rankings[1] = ROWS
    draft = compute(db, upstream)
    with pytest.raises(Conflict) as exc:
        revoke(db, draft["award_set_id"])
    assert exc.value.code == "not_approved"  # a draft is simply computed again
    approved = approve(db, draft["award_set_id"])
    for reason in (None, "", "   ", 5):
        with pytest.raises(Invalid) as exc:
            revoke(db, approved["award_set_id"], reason)
        assert exc.value.code == "reason_required"
    with pytest.raises(Forbidden):
        revoke(db, approved["award_set_id"], actor=EXPERT)
    for unknown in ("nope", None, 5):
        with pytest.raises(NotFound) as exc:
            revoke(db, unknown)
        assert exc.value.code == "award_set_not_found"
    assert workflow.admin_sets(db, ORG, CONTEST)[0]["status"] == "approved"
    assert audit(db, "award_set.revoke") == []
    assert events(db) == [] and len(events(db, "award_set_approved")) == 1


def test_weekly_sets_are_revoked_from_the_latest_round_backwards(db, upstream):
    upstream.rankings[1] = ROWS
    upstream.rankings[2] = ROWS
    one = approve(db, compute(db, upstream, round_n=1)["award_set_id"])
    two = approve(db, compute(db, upstream, round_n=2)["award_set_id"])
    assert [w["contestant_id"] for w in two["winners"]] == ["c4", "c5", "c6"]  # round 1's winners skipped
    with pytest.raises(Conflict) as exc:
        revoke(db, one["award_set_id"])
    assert exc.value.code == "later_round_approved" and "tuần thi 2" in exc.value.detail
    revoke(db, two["award_set_id"], "Tính lại sau khi sửa tuần 1")
    revoke(db, one["award_set_id"])
    # Approved again in round order; the repeat-winner rule follows the new approvals.
    upstream.rankings[1] = ROWS[1:]
    new_one = compute(db, upstream, round_n=1)
    new_two = compute(db, upstream, round_n=2)
    with pytest.raises(Conflict) as exc:
        approve(db, new_two["award_set_id"])
    assert exc.value.code == "earlier_round_not_approved"
    approve(db, new_one["award_set_id"])
    with pytest.raises(Conflict) as exc:
        approve(db, new_two["award_set_id"])  # computed before round 1 was approved: shares its winners
    assert exc.value.code == "repeat_winner"
    new_two = approve(db, compute(db, upstream, round_n=2)["award_set_id"])
    assert [w["contestant_id"] for w in new_two["winners"]] == ["c1", "c5", "c6"]


def test_revoking_the_video_set_is_announced_as_video(db, upstream):
    upstream.clips = {"complete": True, "pending": 0,
                      "clips": [clip("v1", "SNV", 91.5, "2023-07-01T00:00:00+00:00")]}
    video = approve(db, compute(db, upstream, "video", None)["award_set_id"])
    revoke(db, video["award_set_id"], "Chấm lại video clip")
    [payload] = events(db)
    assert payload["kind"] == "video" and payload["round"] is None
    assert compute(db, upstream, "video", None)["status"] == "draft"


def pdf_text(doc):
    data = base64.b64decode(doc["content_b64"])
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def xlsx_rows(doc):
    book = load_workbook(io.BytesIO(base64.b64decode(doc["content_b64"])))
    return list(book["Danh sách đoạt giải"].iter_rows(values_only=True))


def test_documents_name_the_approver_and_say_revoked(db, upstream):
    upstream.rankings[1] = ROWS
    approved = approve(db, compute(db, upstream)["award_set_id"])
    set_id = approved["award_set_id"]
    who = f"{ORG_NAME} ({ORG_LOGIN})"
    text = pdf_text(workflow.decision_document(db, upstream, ORG, set_id, "pdf"))
    assert f"người phê duyệt: {who}" in " ".join(text.split()) and "THU HỒI" not in text
    status = xlsx_rows(workflow.decision_document(db, upstream, ORG, set_id, "xlsx"))[2][0]
    assert f"người phê duyệt: {who}" in status and ORG["id"] not in status

    revoke(db, set_id)
    text = " ".join(pdf_text(workflow.decision_document(db, upstream, ORG, set_id, "pdf")).split())
    assert "ĐÃ THU HỒI" in text and REASON in text and f"người thu hồi: {who}" in text
    assert f"người phê duyệt: {who}" in text  # the history: approved, then revoked
    status = xlsx_rows(workflow.decision_document(db, upstream, ORG, set_id, "xlsx"))[2][0]
    assert "ĐÃ THU HỒI" in status and REASON in status and f"người thu hồi: {who}" in status

    # An account quiz no longer knows keeps its id.
    upstream.users = {}
    status = xlsx_rows(workflow.decision_document(db, upstream, ORG, set_id, "xlsx"))[2][0]
    assert f"người phê duyệt: {ORG['id']}" in status


def test_a_revoked_set_cannot_be_approved_again(db, upstream):
    upstream.rankings[1] = ROWS
    approved = approve(db, compute(db, upstream)["award_set_id"])
    revoke(db, approved["award_set_id"])
    with pytest.raises(Conflict) as exc:
        approve(db, approved["award_set_id"])
    assert exc.value.code == "already_revoked"
    assert events(db, "award_set_approved") and len(events(db, "award_set_approved")) == 1


def test_a_draft_that_skipped_a_revoked_rounds_winners_must_be_computed_again(db, upstream):
    """Round 2's draft skipped round 1's winners (c1-c3); round 1 is revoked and approved again
    without c1 (say, a scoring correction put c1 lower): the stale draft would keep c1 skipped for a
    prize c1 no longer holds, so its approval is refused; computed again, c1 wins round 2."""
    upstream.rankings[1] = ROWS
    upstream.rankings[2] = ROWS
    one = approve(db, compute(db, upstream, round_n=1)["award_set_id"])
    stale = compute(db, upstream, round_n=2)
    assert [w["contestant_id"] for w in stale["winners"]] == ["c4", "c5", "c6"]
    revoke(db, one["award_set_id"])
    upstream.rankings[1] = ROWS[1:] + ROWS[:1]
    approve(db, compute(db, upstream, round_n=1)["award_set_id"])  # c2, c3, c4
    with pytest.raises(Conflict) as exc:
        approve(db, stale["award_set_id"])
    assert exc.value.code in ("earlier_winners_changed", "repeat_winner")
    fresh = approve(db, compute(db, upstream, round_n=2)["award_set_id"])
    assert [w["contestant_id"] for w in fresh["winners"]] == ["c1", "c5", "c6"]


def test_a_stale_draft_without_an_overlap_is_refused_too(db, upstream):
    upstream.rankings[1] = ROWS
    upstream.rankings[2] = ROWS[:3] + [ROWS[6], ROWS[5], ROWS[4]]  # c7, c6, c5 after round 1's winners
    one = approve(db, compute(db, upstream, round_n=1)["award_set_id"])
    stale = compute(db, upstream, round_n=2)
    assert [w["contestant_id"] for w in stale["winners"]] == ["c7", "c6", "c5"]
    revoke(db, one["award_set_id"])
    upstream.rankings[1] = [ROWS[3], ROWS[1], ROWS[2]]  # c1 no longer a round-1 winner; c4 is
    approve(db, compute(db, upstream, round_n=1)["award_set_id"])
    with pytest.raises(Conflict) as exc:
        approve(db, stale["award_set_id"])  # no shared winner, yet c1 was skipped for nothing
    assert exc.value.code == "earlier_winners_changed"
    fresh = approve(db, compute(db, upstream, round_n=2)["award_set_id"])
    assert [w["contestant_id"] for w in fresh["winners"]] == ["c1", "c7", "c6"]
