"""Contests (validation, statuses), exclusions, the question bank and bank_changed."""
import datetime as dt

import pytest
from sqlalchemy import select

from common.errors import Conflict, Forbidden, Invalid, NotFound
from services.quiz.domain import contests, questions
from services.quiz.models import Outbox
from tests.services.quiz.conftest import ORG, b64file, data_file, dispatched, make_contest, now, xlsx_file

QHEADER = "text,a,b,c,d,answer,source\n"


def rounds(*spans):
    t = now()
    return [{"opens_at": (t + dt.timedelta(hours=a)).isoformat(),
             "closes_at": (t + dt.timedelta(hours=b)).isoformat()} for a, b in spans]


def test_create_contest_defaults_and_statuses(db):
    out = db.run(contests.create_contest, ORG, {"code": "cchc-2026", "title": "Hội thi 2026",
                                                 "rounds": rounds((-48, -24), (-1, 24), (24, 48))})
    assert out["settings"]["questions_per_attempt"] == 20
    assert out["settings"]["time_limit_s"] == 1200
    assert out["settings"]["max_attempts_per_round"] == 3
    assert out["settings"]["grace_s"] == 30
    assert out["settings"]["prediction_target"] == "submitted_attempts"
    assert out["settings"]["one_weekly_prize_per_person"] is True
    assert out["settings"]["collective_weights"] == {"participation": 0.5, "quality": 0.5}
    assert "nộp bài" in out["settings"]["prediction_question"]
    assert [r["status"] for r in out["rounds"]] == ["closed", "open", "scheduled"]
    assert [r["n"] for r in out["rounds"]] == [1, 2, 3]
    assert out["rounds"][0]["opens_at"].endswith("+00:00")
    assert db.read(contests.get_contest, "cchc-2026") == out
    assert [c["code"] for c in db.read(contests.list_contests)] == ["cchc-2026"]
    contests_perfect = db.run(contests.create_contest, ORG, {
        "code": "p-1", "title": "P", "rounds": rounds((1, 2)), "settings": {"prediction_target": "perfect_attempts"}})
    assert "đúng tất cả" in contests_perfect["settings"]["prediction_question"]


@pytest.mark.parametrize("data,code", [
    ({"code": "Bad Code!"}, "invalid_contest_code"),
    ({"code": "x"}, "invalid_contest_code"),
    ({"rounds": []}, "invalid_rounds"),
    ({"rounds": rounds((2, 1))}, "invalid_rounds"),
    ({"rounds": rounds((0, 5), (4, 8))}, "invalid_rounds"),
    ({"rounds": rounds((10, 12), (0, 5))}, "invalid_rounds"),
    ({"rounds": [{"opens_at": "2026-01-01T00:00:00", "closes_at": "2026-01-02T00:00:00"}]}, "invalid_rounds"),
    ({"rounds": [{"opens_at": "soon", "closes_at": "2026-01-02T00:00:00+07:00"}]}, "invalid_rounds"),
    ({"settings": {"questions_per_attempt": 0}}, "invalid_settings"),
    ({"settings": {"time_limit_s": "1200"}}, "invalid_settings"),
    ({"settings": {"grace_s": -1}}, "invalid_settings"),
    ({"settings": {"max_attempts_per_round": True}}, "invalid_settings"),
    ({"settings": {"prediction_target": "weather"}}, "invalid_settings"),
    ({"settings": {"collective_weights": {"participation": 0.7, "quality": 0.7}}}, "invalid_settings"),
    ({"settings": {"colour": "red"}}, "invalid_settings"),
    ({"settings": {"listed": "no"}}, "invalid_settings"),
    ({"settings": {"listed": 0}}, "invalid_settings"),
    ({"title": ""}, "invalid_input"),
])
def test_contest_validation(db, data, code):
    full = {"code": "ok-code", "title": "Tiêu đề", "rounds": rounds((1, 2)), **data}
    with pytest.raises(Invalid) as exc:
        db.run(contests.create_contest, ORG, full)
    assert exc.value.code == code
    assert db.read(contests.list_contests) == []


def test_an_unlisted_contest_is_left_out_of_the_public_list_only(db):
    shown = db.run(contests.create_contest, ORG, {"code": "shown-1", "title": "A", "rounds": rounds((-1, 2))})
    hidden = db.run(contests.create_contest, ORG, {"code": "test-1", "title": "B", "rounds": rounds((-1, 2)),
                                                    "settings": {"listed": False}})
    assert shown["settings"]["listed"] is True and hidden["settings"]["listed"] is False
    assert [c["code"] for c in db.read(contests.list_contests)] == ["shown-1"]
    assert [c["code"] for c in db.read(contests.list_contests, True)] == ["shown-1", "test-1"]
    assert db.read(contests.get_contest, "test-1") == hidden  # still answers by its code


def test_duplicate_contest_and_roles(db):
    data = {"code": "dup-1", "title": "A", "rounds": rounds((1, 2))}
    db.run(contests.create_contest, ORG, data)
    with pytest.raises(Conflict) as exc:
        db.run(contests.create_contest, ORG, data)
    assert exc.value.code == "contest_exists"
    with pytest.raises(Forbidden):
        db.run(contests.create_contest, {"id": "x", "role": "expert"}, dict(data, code="dup-2"))
    with pytest.raises(NotFound) as exc:
        db.read(contests.get_contest, "nope")
    assert exc.value.code == "contest_not_found"


def test_exclusions_count_and_validate(with_units):
    db = with_units
    make_contest(db)
    assert db.run(contests.add_exclusions, ORG, "t-2026", ["046000000001", "046000000002"]) == {
        "excluded": 2, "added": 2, "errors": []}
    assert db.run(contests.add_exclusions, ORG, "t-2026", ["046000000002"]) == {"excluded": 2, "added": 0, "errors": []}
    # A bad line is reported with its row and never stops the good ones (nor is it dropped silently).
    out = db.run(contests.add_exclusions, ORG, "t-2026", ["12", "046000000003", "abc"])
    assert (out["excluded"], out["added"]) == (3, 1)
    assert [e["row"] for e in out["errors"]] == [1, 3]
    assert "«abc»" in out["errors"][1]["message"] and "12 chữ số" in out["errors"][1]["message"]
    with pytest.raises(Invalid):
        db.run(contests.add_exclusions, ORG, "t-2026", "046000000003")
    with pytest.raises(NotFound):
        db.run(contests.add_exclusions, ORG, "nope", ["046000000003"])


def test_question_import_row_errors_and_bank_changed(db):
    db.run(contests.create_contest, ORG, {"code": "q-1", "title": "Q", "rounds": rounds((1, 2))})
    first = db.run(questions.import_questions, ORG, "q-1", data_file("questions.csv"))
    assert first["created"] == 40 and first["errors"] == []
    content = QHEADER + (
        "Câu hỏi mới số một?,A1,B1,C1,D1,b,Nguồn\n"          # row 2 good (answer lower-case)
        "Câu hỏi thiếu?,A1,,C1,D1,A,\n"                       # row 3 missing option B
        "Câu hỏi đáp án sai?,A1,B1,C1,D1,E,\n"                # row 4 bad answer
        "câu hỏi   MỚI số một?,A,B,C,D,A,\n")                  # row 5 duplicate of row 2 (case/space)
    dup_of_bank = "Nghị quyết số 76/NQ-CP của Chính phủ ban hành Chương trình tổng thể cải cách hành chính nhà nước giai đoạn nào?"
    content += f'"{dup_of_bank}",a,b,c,d,C,\n'                 # row 6 duplicate of the bank
    second = db.run(questions.import_questions, ORG, "q-1", b64file("q.csv", content))
    assert second["created"] == 1
    assert [e["row"] for e in second["errors"]] == [3, 4, 5, 6]
    assert "phương án B" in second["errors"][0]["message"]
    keys = db.read(questions.answer_keys, "q-1")
    assert len(keys) == 41 and set(keys.values()) <= {"A", "B", "C", "D"}
    with db.session() as s:
        events = s.scalars(select(Outbox).where(Outbox.event_type == "bank_changed")
                           .order_by(Outbox.created_at)).all()
    assert len(events) == 2
    assert events[-1].payload == {"contest": "q-1", "keys": keys}
    assert second == {"created": 1, "errors": second["errors"]}
    assert dispatched(db, "bank_changed")[-1] == dict(events[-1].payload, event_id=events[-1].id)


def test_question_import_xlsx_bad_files_and_deactivate(db):
    db.run(contests.create_contest, ORG, {"code": "q-2", "title": "Q", "rounds": rounds((1, 2))})
    file = xlsx_file("q.xlsx", [list("text,a,b,c,d,answer,source".split(",")),
                                ["Câu 1?", "x", "y", "z", "t", "D", None]])
    assert db.run(questions.import_questions, ORG, "q-2", file)["created"] == 1
    for bad, code in ((b64file("q.csv", "text,a,b\n1,2,3\n"), "invalid_header"),
                      (b64file("q.xlsx", b"not a zip"), "invalid_file"),
                      (b64file("q.csv", ""), "empty_file")):
        with pytest.raises(Invalid) as exc:
            db.run(questions.import_questions, ORG, "q-2", bad)
        assert exc.value.code == code
    with pytest.raises(NotFound):
        db.run(questions.import_questions, ORG, "nope", file)
    (qid,) = db.read(questions.answer_keys, "q-2")
    assert db.run(questions.deactivate_question, ORG, qid)["active"] is False
    assert qid in db.read(questions.answer_keys, "q-2")  # kept: attempts and grading refer to it
    with pytest.raises(NotFound) as exc:
        db.run(questions.deactivate_question, ORG, "nope")
    assert exc.value.code == "question_not_found"
