"""Contestant search (names with or without diacritics, CCCD, phone) and disqualification per
contest: checks, audit entries, events with a version, the 403 at start, awards' veto."""
from unittest import mock

import pytest
from sqlalchemy import select, update

from common.errors import Conflict, Forbidden, Invalid, NotFound
from services.quiz import workflow
from services.quiz.domain import attempts, contestants
from services.quiz.models import User
from tests.services.quiz.conftest import ORG, audit, make_contest, outbox_rows, register

ORG_NAMED = {**ORG, "username": "admin"}


def search(db, **kw):
    return db.read(contestants.search_contestants, ORG, **kw)


def test_search_by_name_without_diacritics_cccd_and_phone(with_units):
    db = with_units
    a = register(db, full_name="Nguyễn Văn A")
    d = register(db, full_name="Đặng Thị Đào", unit_code="STP")
    register(db, full_name="Trần Minh Khôi")
    with db.session() as s:
        a_user = s.get(User, a["id"])
        a_cccd, a_phone = a_user.id_number, a_user.phone
    assert [r["id"] for r in search(db, q="nguyen van a")] == [a["id"]]
    assert [r["id"] for r in search(db, q="Nguyễn Văn A")] == [a["id"]]
    assert [r["id"] for r in search(db, q="  NGUYEN   van ")] == [a["id"]]
    assert [r["id"] for r in search(db, q="dang thi dao")] == [d["id"]]  # đ/Đ → d
    assert [r["id"] for r in search(db, q="thi dao")] == [d["id"]]       # a part of the name
    assert [r["id"] for r in search(db, q="ÐẶNG THỊ ÐÀO")] == [d["id"]]  # the look-alike Ð (U+00D0)
    assert [r["id"] for r in search(db, q=a_cccd)] == [a["id"]]
    assert [r["id"] for r in search(db, q=a_phone)] == [a["id"]]
    assert [r["id"] for r in search(db, q=a_phone[:4] + " " + a_phone[4:])] == [a["id"]]
    assert [r["id"] for r in search(db, q="+84" + a_phone[1:])] == [a["id"]]
    assert [r["id"] for r in search(db, q=a_cccd[:11])] == [a["id"]]  # first digits (11: random CCCDs may share fewer)
    assert search(db, q="100%_x") == []  # LIKE's wildcards are text here
    row = search(db, q="nguyen van a")[0]
    assert set(row) >= {"id", "full_name", "id_number", "phone", "unit_code", "position", "registered_at",
                        "active", "disqualified_in"}
    assert row["full_name"] == "Nguyễn Văn A" and row["active"] is True and row["disqualified_in"] == []
    # unit filter, name order, paging
    assert [r["id"] for r in search(db, unit="STP")] == [d["id"]]
    everyone = search(db)
    assert [r["full_name"] for r in everyone] == ["Đặng Thị Đào", "Nguyễn Văn A", "Trần Minh Khôi"]
    assert search(db, limit=1, offset=1) == everyone[1:2]
    # staff never appear
    assert all(r["id"] != "org-test" for r in everyone)


def test_name_key_follows_a_name_change(with_units):
    db = with_units
    a = register(db, full_name="Lê Văn Tám")
    with db.session() as s:
        s.get(User, a["id"]).full_name = "Hồ Thị Lựu"
    assert [r["id"] for r in search(db, q="ho thi luu")] == [a["id"]]
    assert search(db, q="le van tam") == []


@pytest.mark.parametrize("kw", [{"limit": 0}, {"limit": 201}, {"offset": -1}, {"limit": "x"}, {"q": "x" * 101},
                                {"q": "a\x00b"}, {"q": "\ud800"}])
def test_search_bad_paging_is_invalid(with_units, kw):
    with pytest.raises(Invalid):
        search(with_units, **kw)


def test_search_is_for_organizers(with_units):
    with pytest.raises(Forbidden):
        with_units.read(contestants.search_contestants, {"id": "x", "role": "expert", "unit_code": None})


def no_conflicts():
    awards = mock.Mock()
    awards.disqualification_conflicts.return_value = []
    return awards


def test_disqualify_and_reinstate(contest, with_units):
    db = with_units
    person = register(db, full_name="Phạm Văn Bé")
    awards = no_conflicts()
    out = workflow.disqualify(db, awards, ORG_NAMED, contest, person["id"], "  Gian lận  ")
    assert out["contestant_id"] == person["id"] and out["reason"] == "Gian lận"
    assert out["by"] == "admin (#org-test)" and out["at"]
    awards.disqualification_conflicts.assert_called_once_with(contest, person["id"], "SNV", [], False)
    listed = db.read(contestants.list_disqualifications, ORG, contest)
    assert [(r["contestant_id"], r["full_name"], r["reason"]) for r in listed] == [(person["id"], "Phạm Văn Bé", "Gian lận")]
    assert search(db, q="pham van be")[0]["disqualified_in"] == [contest]
    # 409 already, 403 at start, the audit entry and the event
    with pytest.raises(Conflict) as exc:
        workflow.disqualify(db, awards, ORG_NAMED, contest, person["id"], "lần nữa")
    assert exc.value.code == "already_disqualified"
    with pytest.raises(Forbidden) as exc:
        db.run(attempts.start_attempt, person, contest, 1)
    assert exc.value.code == "disqualified"
    [entry] = audit(db, "contestant.disqualify")
    assert (entry.target, entry.reason, entry.contest) == (f"contestant:{person['id']}", "Gian lận", contest)
    assert entry.before == {"disqualified": False} and entry.after["disqualified"] is True
    [event] = outbox_rows(db, "contestant_disqualified")
    assert {k: event.payload[k] for k in ("contest", "contestant_id", "disqualified", "version")} == {
        "contest": contest, "contestant_id": person["id"], "disqualified": True, "version": 1}

    workflow.reinstate(db, awards, ORG_NAMED, contest, person["id"], "Xác minh lại: không gian lận")
    assert db.read(contestants.list_disqualifications, ORG, contest) == []
    [entry] = audit(db, "contestant.reinstate")
    assert entry.before["disqualified"] is True and entry.before["reason"] == "Gian lận"
    assert entry.after["disqualified"] is False and entry.reason == "Xác minh lại: không gian lận"
    [event] = outbox_rows(db, "contestant_reinstated")
    assert event.payload["disqualified"] is False and event.payload["version"] == 2
    assert db.run(attempts.start_attempt, person, contest, 1)["attempt_id"]
    with pytest.raises(NotFound) as exc:
        workflow.reinstate(db, awards, ORG_NAMED, contest, person["id"], "lần nữa")
    assert exc.value.code == "not_disqualified"
    # again: a third change, version 3
    workflow.disqualify(db, awards, ORG_NAMED, contest, person["id"], "Gian lận (xác nhận)")
    assert [r.payload["version"] for r in outbox_rows(db, "contestant_disqualified")] == [1, 3]


def test_disqualification_is_per_contest(contest, with_units):
    db = with_units
    other = make_contest(db, code="t-other")
    person = register(db)
    workflow.disqualify(db, no_conflicts(), ORG_NAMED, other, person["id"], "Gian lận")
    assert db.run(attempts.start_attempt, person, contest, 1)["attempt_id"]


def test_refusals(contest, with_units):
    db = with_units
    person = register(db)
    awards = no_conflicts()
    for reason in (None, "", "   "):
        with pytest.raises(Invalid) as exc:
            workflow.disqualify(db, awards, ORG_NAMED, contest, person["id"], reason)
        assert exc.value.code == "reason_required"
    with pytest.raises(NotFound) as exc:
        workflow.disqualify(db, awards, ORG_NAMED, "no-such", person["id"], "x")
    assert exc.value.code == "contest_not_found"
    with pytest.raises(NotFound) as exc:
        workflow.disqualify(db, awards, ORG_NAMED, contest, "nobody", "x")
    assert exc.value.code == "contestant_not_found"
    with pytest.raises(NotFound) as exc:
        workflow.disqualify(db, awards, ORG_NAMED, contest, "org-test", "x")  # staff are not contestants
    assert exc.value.code == "contestant_not_found"
    with pytest.raises(Forbidden):
        workflow.disqualify(db, awards, {"id": "e", "role": "expert", "unit_code": None}, contest, person["id"], "x")
    awards.disqualification_conflicts.assert_not_called()


def test_awards_veto_changes_nothing(contest, with_units):
    db = with_units
    person = register(db)
    awards = mock.Mock()
    awards.disqualification_conflicts.return_value = [{"award_set_id": "s1", "kind": "weekly", "round": 1}]
    with pytest.raises(Conflict) as exc:
        workflow.disqualify(db, awards, ORG_NAMED, contest, person["id"], "Gian lận")
    assert exc.value.code == "award_set_approved" and "giải tuần tuần thi thứ 1" in str(exc.value.detail)
    assert db.read(contestants.list_disqualifications, ORG, contest) == []
    assert audit(db, "contestant.disqualify") == [] and outbox_rows(db, "contestant_disqualified") == []
