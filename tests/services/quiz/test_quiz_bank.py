"""The question bank page's service side (issue 13): list and search, edit an unused question,
deactivate or reactivate any, 409 question_in_use; the exclusion list (list, remove, staff)."""
import pytest

from common.errors import Conflict, Forbidden, Invalid, NotFound
from services.quiz.domain import accounts, attempts, contests, questions
from tests.services.quiz.conftest import ORG, audit, dispatched, register

EXPERT = {"id": "exp-test", "role": "expert", "unit_code": None}
QID = "Nghị quyết số 76/NQ-CP"


def bank(db, contest, **filters):
    return db.read(questions.list_questions, ORG, contest, **filters)


def test_list_search_filters_and_pages(db, contest, contestant):
    everything = bank(db, contest)
    assert everything["total"] == 40 and len(everything["items"]) == 40
    first = everything["items"][0]
    assert set(first) >= {"id", "text", "options", "answer", "source", "active", "used"}
    assert [o["key"] for o in first["options"]] == ["A", "B", "C", "D"]
    assert not any(q["used"] for q in everything["items"])
    # Without diacritics and case: "nghi quyet so 76" finds "Nghị quyết số 76/NQ-CP".
    found = bank(db, contest, q="nghi QUYET so 76")["items"]
    assert found and all(QID in q["text"] for q in found)
    assert bank(db, contest, q="không có câu nào như thế")["total"] == 0
    paper = db.run(attempts.start_attempt, contestant, contest, 1)
    drawn = {q["id"] for q in paper["questions"]}
    used = bank(db, contest, used=True)
    assert used["total"] == 5 and {q["id"] for q in used["items"]} == drawn
    assert bank(db, contest, used=False)["total"] == 35
    page = bank(db, contest, limit=10, offset=35)
    assert page["total"] == 40 and len(page["items"]) == 5
    assert [q["id"] for q in page["items"]] == [q["id"] for q in everything["items"][35:]]
    db.run(questions.update_question, ORG, contest, first["id"], {"active": False})
    assert bank(db, contest, active=False)["total"] == 1
    assert bank(db, contest, active=True)["total"] == 39
    with pytest.raises(Invalid):
        bank(db, contest, limit=0)
    with pytest.raises(NotFound):
        bank(db, "nope")
    with pytest.raises(Forbidden):
        db.read(questions.list_questions, register(db), contest)
    assert db.read(questions.list_questions, EXPERT, contest)["total"] == 40


def test_edit_unused_question_new_key_new_id(db, contest, contestant):
    target = bank(db, contest)["items"][0]
    new_answer = "B" if target["answer"] != "B" else "C"
    out = db.run(questions.update_question, EXPERT, contest, target["id"], {
        "text": "Câu hỏi đã sửa?", "options": [{"key": k, "text": f"Phương án {k} mới"} for k in "ABCD"],
        "answer": new_answer.lower(), "reason": "Sai đáp án"})
    assert out["text"] == "Câu hỏi đã sửa?" and out["answer"] == new_answer and out["used"] is False
    assert out["options"][2] == {"key": "C", "text": "Phương án C mới"}
    # An answer key never changes under an id: scoring's copy of the old id can never be stale.
    assert out["id"] != target["id"]
    keys = db.read(questions.answer_keys, contest)
    assert keys[out["id"]] == new_answer and target["id"] not in keys
    assert dispatched(db, "bank_changed")[-1]["keys"] == keys
    (entry,) = audit(db, "question.update")
    assert entry.target == f"question:{target['id']}" and entry.reason == "Sai đáp án"
    assert entry.before["answer"] == target["answer"] and entry.after["answer"] == new_answer
    assert (entry.before["id"], entry.after["id"]) == (target["id"], out["id"])
    # The text alone: same id, no bank_changed.
    sent = len(dispatched(db, "bank_changed"))
    again = db.run(questions.update_question, ORG, contest, out["id"], {"text": "Câu hỏi đã sửa lần hai?"})
    assert again["id"] == out["id"] and len(dispatched(db, "bank_changed")) == sent
    # Nothing changes: no entry.
    db.run(questions.update_question, ORG, contest, out["id"], {"text": "Câu hỏi đã sửa lần hai?"})
    assert len(audit(db, "question.update")) == 2


def test_used_question_refuses_edits_but_deactivates(db, contest, contestant):
    paper = db.run(attempts.start_attempt, contestant, contest, 1)
    qid = paper["questions"][0]["id"]
    for change in ({"text": "Khác?"}, {"answer": "D"},
                   {"options": [{"key": k, "text": k * 2} for k in "ABCD"]}):
        with pytest.raises(Conflict) as exc:
            db.run(questions.update_question, ORG, contest, qid, change)
        assert exc.value.code == "question_in_use"
    out = db.run(questions.update_question, ORG, contest, qid, {"active": False, "reason": "Lỗi chính tả"})
    assert (out["active"], out["used"], out["id"]) == (False, True, qid)
    out = db.run(questions.update_question, ORG, contest, qid, {"active": True})
    assert out["active"] is True
    first, second = audit(db, "question.update")
    assert (first.before, first.after, first.reason) == ({"active": True}, {"active": False, "contest": contest},
                                                         "Lỗi chính tả")
    assert second.after == {"active": True, "contest": contest}


def test_edit_validation(db, contest):
    items = bank(db, contest)["items"]
    qid = items[0]["id"]
    for change in ({"text": "   "}, {"answer": "E"}, {"options": [{"key": "A", "text": "x"}]},
                   {"options": [{"key": k, "text": "" if k == "B" else k} for k in "ABCD"]}):
        with pytest.raises(Invalid) as exc:
            db.run(questions.update_question, ORG, contest, qid, change)
        assert exc.value.code == "invalid_question"
    with pytest.raises(Invalid):
        db.run(questions.update_question, ORG, contest, qid, {"active": "yes"})
    with pytest.raises(Conflict) as exc:
        db.run(questions.update_question, ORG, contest, qid, {"text": items[1]["text"].upper()})
    assert exc.value.code == "question_exists"
    with pytest.raises(NotFound) as exc:
        db.run(questions.update_question, ORG, contest, "nope", {"active": False})
    assert exc.value.code == "question_not_found"
    assert audit(db, "question.update") == []


def test_exclusions_list_and_remove(db, contest, contestant):
    db.run(contests.add_exclusions, ORG, contest, ["046000000001", "046000000002"])
    db.run(accounts.create_staff, ORG, {"username": "chuyenvien", "password": "secret12", "role": "expert",
                                         "full_name": "Trần Thị Bình", "id_number": "046000000009"})
    rows = db.read(contests.list_exclusions, ORG, contest)
    assert rows == [{"id_number": "046000000001", "full_name": None, "source": "list"},
                    {"id_number": "046000000002", "full_name": None, "source": "list"},
                    {"id_number": "046000000009", "full_name": "Trần Thị Bình", "source": "staff"}]
    with pytest.raises(Conflict) as exc:
        db.run(contests.remove_exclusion, ORG, contest, "046000000009")
    assert exc.value.code == "staff_member"
    db.run(contests.remove_exclusion, ORG, contest, "046000000001", "Nhập nhầm")
    assert [r["id_number"] for r in db.read(contests.list_exclusions, ORG, contest)] == ["046000000002",
                                                                                        "046000000009"]
    for missing in ("046000000001", "abc"):
        with pytest.raises(NotFound) as exc:
            db.run(contests.remove_exclusion, ORG, contest, missing)
        assert exc.value.code == "exclusion_not_found"
    (entry,) = audit(db, "exclusion.remove")
    assert (entry.target, entry.reason) == (f"contest:{contest}", "Nhập nhầm")
    assert entry.before == {"id_number": "046000000001", "excluded": 2} and entry.after == {"excluded": 1}
    with pytest.raises(Forbidden):
        db.read(contests.list_exclusions, EXPERT, contest)
    with pytest.raises(Forbidden):
        db.run(contests.remove_exclusion, EXPERT, contest, "046000000002")


def test_edited_key_grades_right_even_when_bank_changed_arrives_late(with_units, tmp_path):
    """Scoring grades by its copy of the keys, fed by bank_changed, and events of different kinds
    may arrive in any order (an edit's bank_changed held during a rush, attempts submitted at
    once). The edited question has a new id, so scoring's stale copy cannot grade it: the copy
    lacks the id, scoring fetches the keys from quiz and grades with the new key."""
    from nameko.testing.services import worker_factory

    from common.db import Database
    from common.outbox import EventOutbox
    from common.uow import Store
    from services.scoring import config as scoring_config
    from services.scoring.models import GradedAttempt, Outbox as ScoringOutbox
    from services.scoring.service import ScoringService
    from tests.services.quiz.conftest import make_contest, to_shown
    from unittest.mock import Mock

    db = with_units
    code = make_contest(db, settings={"questions_per_attempt": 40})  # every question is drawn
    scoring_db = Database(f"sqlite:///{tmp_path}/scoring.db", scoring_config.MIGRATIONS_DIR)
    try:
        scoring = worker_factory(ScoringService, db=Store(scoring_db, EventOutbox(ScoringOutbox), Mock()))
        scoring.quiz.get_answer_keys.side_effect = lambda contest: db.read(questions.answer_keys, contest)
        (imported,) = dispatched(db, "bank_changed")
        scoring.on_bank_changed(imported)  # scoring's copy: every key as imported

        target = bank(db, code)["items"][0]
        new_answer = "ABCD"[("ABCD".index(target["answer"]) + 1) % 4]
        edited = db.run(questions.update_question, ORG, code, target["id"], {"answer": new_answer})
        assert len(dispatched(db, "bank_changed")) == 2  # the edit's: not delivered yet

        person = register(db)
        paper = db.run(attempts.start_attempt, person, code, 1)
        assert edited["id"] in {q["id"] for q in paper["questions"]}
        keys = db.read(questions.answer_keys, code)
        sheet = to_shown(db, paper["attempt_id"], {q["id"]: keys[q["id"]] for q in paper["questions"]})
        db.run(attempts.submit_attempt, person, paper["attempt_id"], sheet, 7)
        (submitted,) = dispatched(db, "attempt_submitted")
        scoring.on_attempt_submitted(submitted)
        scoring.quiz.get_answer_keys.assert_called_once_with(code)
        with scoring.db.session() as session:
            graded = session.get(GradedAttempt, paper["attempt_id"])
            assert (graded.correct, graded.total) == (40, 40)
        scoring.on_bank_changed(dispatched(db, "bank_changed")[-1])  # late: changes no grade
        with scoring.db.session() as session:
            assert session.get(GradedAttempt, paper["attempt_id"]).correct == 40
    finally:
        scoring_db.dispose()
