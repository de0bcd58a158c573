"""The audit log (SPEC 6): who closed a round, changed a question bank, an exclusion list, a jury,
staff accounts or units; what it was before and after; never a password; a chain nobody can edit
unseen. A call that changes nothing leaves no entry."""
import pytest
from sqlalchemy import update

from common.errors import Invalid
from common.uow import verify_chain
from services.quiz.domain import accounts, attempts, closing, contests, jury, questions, units
from services.quiz.models import AuditEntry
from tests.services.quiz.conftest import ORG, audit, b64file, make_contest, register

HEADER = "code,name,kind,parent_code,headcount\n"


def test_close_round(db, contest, contestant):
    db.run(attempts.start_attempt, contestant, contest, 1)
    out = db.run(closing.close_round, ORG, contest, 1)
    (entry,) = audit(db, "round.close")
    assert (entry.actor_id, entry.actor_role, entry.target) == ("org-test", "organizer", f"round:{contest}/1")
    assert entry.before["status"] == "open"
    assert entry.after == {"status": "closed", "closes_at": out["closes_at"], "auto_submitted": 1}
    db.run(closing.close_round, ORG, contest, 1)  # again: nothing to close
    assert len(audit(db, "round.close")) == 1


def test_exclusions(db, contest):
    db.run(contests.add_exclusions, ORG, contest, ["046000000001", "046000000002"])
    db.run(contests.add_exclusions, ORG, contest, ["046000000002"])  # nothing new
    (entry,) = audit(db, "exclusions.add")
    assert entry.target == f"contest:{contest}" and entry.actor_id == "org-test"
    assert (entry.before, entry.after) == ({"excluded": 0}, {"excluded": 2, "added": 2})


def test_question_bank(db, contest):
    (imported,) = audit(db, "questions.import")  # the fixture's bank
    assert imported.before == {"questions": 0}
    assert imported.after == {"questions": 40, "created": 40, "rows_refused": 0, "file": "questions.csv"}
    content = "text,a,b,c,d,answer,source\nCâu hỏi riêng?,1,2,3,4,A,\nCâu lỗi?,1,,3,4,A,\n"
    db.run(questions.import_questions, ORG, contest, b64file("q.csv", content))
    db.run(questions.import_questions, ORG, contest, b64file("q.csv", content))  # all duplicates now
    entries = audit(db, "questions.import")
    assert len(entries) == 2
    assert entries[-1].after == {"questions": 41, "created": 1, "rows_refused": 1, "file": "q.csv"}
    qid = sorted(db.read(questions.answer_keys, contest))[0]
    db.run(questions.deactivate_question, ORG, qid)
    db.run(questions.deactivate_question, ORG, qid)
    (entry,) = audit(db, "question.update")
    assert (entry.target, entry.before, entry.after) == (f"question:{qid}", {"active": True},
                                                         {"active": False, "contest": contest})


def test_jury(with_units):
    db = with_units
    make_contest(db)
    for name, id_number in (("gk.a", "046000000011"), ("gk.b", "046000000012")):
        db.run(accounts.create_staff, ORG, {"username": name, "password": "secret12", "role": "judge",
                                            "full_name": name, "id_number": id_number, "unit_code": "SNV"})
    db.run(jury.set_jury, ORG, "t-2026", ["gk.a"])
    db.run(jury.set_jury, ORG, "t-2026", ["gk.a"])  # the same jury: nothing changes
    db.run(jury.set_jury, ORG, "t-2026", ["gk.a", "gk.b"])
    first, second = audit(db, "jury.set")
    assert (first.before, first.after) == ({"default": True, "judges": []}, {"default": False, "judges": ["gk.a"]})
    assert (second.before, second.after) == (first.after, {"default": False, "judges": ["gk.a", "gk.b"]})
    with pytest.raises(Invalid):
        db.run(jury.set_jury, ORG, "t-2026", ["khong.co"])
    assert len(audit(db, "jury.set")) == 2  # a refused change leaves no entry


def test_staff_accounts_never_carry_a_password(with_units):
    db = with_units
    out = db.run(accounts.create_staff, ORG, {"username": "btc2", "password": "mat-khau-bi-mat", "role": "organizer",
                                              "full_name": "Hồ Văn Em", "id_number": "046000000003"})
    (entry,) = audit(db, "staff.create")
    assert entry.target == f"user:{out['id']}" and entry.actor_id == "org-test" and entry.before is None
    assert entry.after == out
    with db.session() as s:
        text = str([(e.before, e.after, e.reason) for e in s.query(AuditEntry)])
    assert "mat-khau-bi-mat" not in text and "argon2" not in text and "password" not in text


def test_units(db):
    db.run(units.import_units, ORG, b64file("u.csv", HEADER + "SNV,Sở Nội vụ,province_dept,,72\n"))
    db.run(units.import_units, ORG, b64file("u.csv", HEADER + "SNV,Sở Nội vụ,province_dept,,72\n"))  # unchanged
    db.run(units.import_units, ORG, b64file("u.csv", HEADER + "SNV,Sở Nội vụ,province_dept,,80\nHX,Huyện X,district,,9\n"))
    first, second = audit(db, "units.import")
    assert (first.before, first.after) == ({"units": 0, "changed": {}},
                                           {"units": 1, "created": 1, "changed": {}, "file": "u.csv"})
    assert second.before == {"units": 1, "changed": {"SNV": {"headcount": 72}}}
    assert second.after == {"units": 2, "created": 1, "changed": {"SNV": {"headcount": 80}}, "file": "u.csv"}


def test_the_chain_holds_and_an_edit_breaks_it(db, contest):
    register(db)
    db.run(contests.add_exclusions, ORG, contest, ["046000000001"])
    db.run(closing.close_round, ORG, contest, 1)
    with db.session() as s:
        assert verify_chain(s, AuditEntry) is None
    entry = audit(db, "exclusions.add")[0]
    with db.session() as s:
        s.execute(update(AuditEntry).where(AuditEntry.seq == entry.seq).values(after={"excluded": 0}))
    with db.session() as s:
        assert verify_chain(s, AuditEntry) == entry.seq


def test_a_deleted_entry_breaks_the_chain_and_the_reader_reports_it(db, contest):
    from sqlalchemy import delete

    from common import audit as reader

    db.run(contests.add_exclusions, ORG, contest, ["046000000001"])
    db.run(closing.close_round, ORG, contest, 1)
    monitor = {"id": "mon-1", "role": "monitor"}
    ok = db.read(reader.verify, "quiz", AuditEntry, monitor)
    assert ok["ok"] is True and ok["first_bad_seq"] is None and ok["entries"] >= 3
    excluded = audit(db, "exclusions.add")[0]
    with db.session() as s:
        s.execute(delete(AuditEntry).where(AuditEntry.seq == excluded.seq))
    bad = db.read(reader.verify, "quiz", AuditEntry, monitor)
    assert (bad["ok"], bad["first_bad_seq"], bad["entries"]) == (False, excluded.seq + 1, excluded.seq)


def test_the_reader_filters_and_names_actors(db, contest):
    from common import audit as reader
    from common.errors import Forbidden

    db.run(contests.add_exclusions, {**ORG, "username": "btc"}, contest, ["046000000001"])
    db.run(closing.close_round, ORG, contest, 1)
    monitor = {"id": "mon-1", "role": "monitor"}
    entries = db.read(reader.list_entries, "quiz", AuditEntry, monitor, {"contest": contest})
    assert [e["action"] for e in entries][:2] == ["round.close", "exclusions.add"]
    assert entries[1]["actor"] == "btc (#org-test)" and entries[0]["actor"] == "#org-test"
    assert all(e["contest"] == contest and e["service"] == "quiz" for e in entries)
    only = db.read(reader.list_entries, "quiz", AuditEntry, monitor, {"actor": "btc"})
    assert [e["action"] for e in only] == ["exclusions.add"]
    assert db.read(reader.list_entries, "quiz", AuditEntry, monitor, {"action": "round.", "limit": 1})[0]["action"] \
        == "round.close"
    assert db.read(reader.list_entries, "quiz", AuditEntry, monitor, {"contest": "khac"}) == []
    with pytest.raises(Forbidden):
        db.read(reader.list_entries, "quiz", AuditEntry, {"id": "e-1", "role": "expert"}, {})


def test_entries_without_a_contest_keep_their_hash():
    """Entries written before the contest column existed verify as they did (contest not hashed)."""
    import datetime as dt

    from common.uow import GENESIS, entry_hash

    entry = {"id": "x", "at": dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc), "actor_id": "1",
             "actor_username": None, "actor_role": "organizer", "action": "a", "target": "t",
             "before": None, "after": None, "reason": None}
    assert entry_hash({**entry, "contest": None}, GENESIS) == entry_hash(entry, GENESIS)
    assert entry_hash({**entry, "contest": "c"}, GENESIS) != entry_hash(entry, GENESIS)
