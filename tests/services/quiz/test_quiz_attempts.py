"""Attempts: start, resume, autosave, submit (idempotent, late), grading results, listing."""
import datetime as dt

import pytest
from sqlalchemy import select

from common.errors import Conflict, Forbidden, Invalid, NotFound
from services.quiz.domain import attempts, contests, questions
from services.quiz.models import Attempt, Round
from tests.services.quiz.conftest import (ORG, dispatched, expire, make_contest, now, outbox_rows, register, store,
                                         to_bank)


def test_start_attempt_draws_shuffled_questions_without_keys(db, contest, contestant):
    paper = db.run(attempts.start_attempt, contestant, contest, 1)
    assert set(paper) == {"attempt_id", "contest", "round", "deadline", "prediction_question", "questions"}
    assert len(paper["questions"]) == 5 and len({q["id"] for q in paper["questions"]}) == 5
    assert "answer" not in str(paper).lower()
    for q in paper["questions"]:
        # Lettered A–D in the order shown, whatever the bank's letters (issue 14, finding 8).
        assert [o["key"] for o in q["options"]] == ["A", "B", "C", "D"]
        assert set(q["options"][0]) == {"key", "text"}
    with db.session() as s:
        a = s.get(Attempt, paper["attempt_id"])
        assert a.per_attempt_keys is True
        assert dt.datetime.fromisoformat(paper["deadline"]) == a.deadline
        assert a.deadline - a.started_at == dt.timedelta(seconds=1200)
        assert a.submit_by - a.deadline == dt.timedelta(seconds=30)
        assert a.question_ids == [q["id"] for q in paper["questions"]]
        assert sorted(a.option_orders) == sorted(a.question_ids)
        for q in paper["questions"]:
            bank = s.get(questions.Question, q["id"])
            texts = {"A": bank.a, "B": bank.b, "C": bank.c, "D": bank.d}
            assert [o["text"] for o in q["options"]] == [texts[k] for k in a.option_orders[q["id"]]]


def test_options_are_shuffled_across_attempts(with_units):
    db = with_units
    make_contest(db, settings={"questions_per_attempt": 40, "max_attempts_per_round": 1})
    orders = set()
    for _ in range(2):
        actor = register(db)
        paper = db.run(attempts.start_attempt, actor, "t-2026", 1)
        with db.session() as s:
            orders |= {tuple(order) for order in s.get(Attempt, paper["attempt_id"]).option_orders.values()}
    assert len(orders) > 1  # 80 shuffles of 4 keys all equal: probability ~ 24**-79


def test_deadline_never_past_round_close(with_units):
    db = with_units
    make_contest(db, round1_closes_in=dt.timedelta(minutes=5))
    paper = db.run(attempts.start_attempt, register(db), "t-2026", 1)
    with db.session() as s:
        closes_at = s.scalar(select(Round.closes_at).where(Round.contest_code == "t-2026", Round.n == 1))
    assert dt.datetime.fromisoformat(paper["deadline"]) == closes_at


def test_start_errors(db, contest, contestant):
    with pytest.raises(Conflict) as exc:
        db.run(attempts.start_attempt, contestant, contest, 2)  # scheduled
    assert exc.value.code == "round_not_open"
    with pytest.raises(NotFound) as exc:
        db.run(attempts.start_attempt, contestant, contest, 9)
    assert exc.value.code == "round_not_found"
    with pytest.raises(NotFound) as exc:
        db.run(attempts.start_attempt, contestant, "nope", 1)
    assert exc.value.code == "contest_not_found"
    with pytest.raises(Forbidden):
        db.run(attempts.start_attempt, ORG, contest, 1)

    first = db.run(attempts.start_attempt, contestant, contest, 1)
    with pytest.raises(Conflict) as exc:
        db.run(attempts.start_attempt, contestant, contest, 1)
    assert exc.value.code == "attempt_in_progress"
    db.run(attempts.submit_attempt, contestant, first["attempt_id"], {}, 1)
    for _ in range(2):
        a = db.run(attempts.start_attempt, contestant, contest, 1)
        db.run(attempts.submit_attempt, contestant, a["attempt_id"], {}, 1)
    with pytest.raises(Conflict) as exc:
        db.run(attempts.start_attempt, contestant, contest, 1)
    assert exc.value.code == "attempt_limit"


def test_closed_round_and_small_bank(with_units):
    db = with_units
    t = now()
    db.run(contests.create_contest, ORG, {"code": "old-1", "title": "Cũ", "settings": {"questions_per_attempt": 50},
                                           "rounds": [{"opens_at": (t - dt.timedelta(days=2)).isoformat(),
                                                       "closes_at": (t - dt.timedelta(days=1)).isoformat()},
                                                      {"opens_at": (t - dt.timedelta(hours=1)).isoformat(),
                                                       "closes_at": (t + dt.timedelta(hours=1)).isoformat()}]})
    actor = register(db)
    with pytest.raises(Conflict) as exc:
        db.run(attempts.start_attempt, actor, "old-1", 1)
    assert exc.value.code == "round_not_open"
    with pytest.raises(Conflict) as exc:
        db.run(attempts.start_attempt, actor, "old-1", 2)
    assert exc.value.code == "bank_too_small"


def test_excluded_contestant_cannot_start(db, contest, contestant):
    from services.quiz.models import User
    with db.session() as s:
        id_number = s.get(User, contestant["id"]).id_number
    db.run(contests.add_exclusions, ORG, contest, [id_number])
    with pytest.raises(Forbidden) as exc:
        db.run(attempts.start_attempt, contestant, contest, 1)
    assert exc.value.code == "excluded"


def test_staff_created_later_with_the_same_cccd_cannot_start(db, contest, contestant):
    from services.quiz.domain import accounts
    from services.quiz.models import User
    with db.session() as s:
        id_number = s.get(User, contestant["id"]).id_number
    db.run(accounts.create_staff, ORG, {"username": "tochuyenvien", "password": "secret12", "role": "expert",
                                         "full_name": "Tổ Chuyên viên", "id_number": id_number})
    with pytest.raises(Forbidden) as exc:
        db.run(attempts.start_attempt, contestant, contest, 1)
    assert exc.value.code == "excluded"


def test_deactivated_questions_are_not_drawn(with_units):
    db = with_units
    make_contest(db, settings={"questions_per_attempt": 39})
    keys = db.read(questions.answer_keys, "t-2026")
    gone = sorted(keys)[0]
    db.run(questions.deactivate_question, ORG, gone)
    paper = db.run(attempts.start_attempt, register(db), "t-2026", 1)
    assert gone not in {q["id"] for q in paper["questions"]}


def test_concurrent_starts_one_wins(db, db_url, contest, contestant):
    """Two instances start for the same person at once: one attempt, one attempt_in_progress."""
    import eventlet
    from common.db import Database

    instances = [store(Database(db_url)) for _ in range(2)]

    def start(d):
        try:
            return d.run(attempts.start_attempt, contestant, contest, 1)["attempt_id"]
        except Conflict as exc:
            return exc.code

    try:
        results = list(eventlet.GreenPool().imap(start, instances))
    finally:
        for d in instances:
            d.database.dispose()
    assert sorted(r == "attempt_in_progress" for r in results) == [False, True]
    with db.session() as s:
        assert len(s.scalars(select(Attempt)).all()) == 1


def test_one_in_progress_is_enforced_by_the_database(db, contest, contestant):
    """Even if the application check is bypassed (two concurrent starts), the index refuses."""
    db.run(attempts.start_attempt, contestant, contest, 1)
    from sqlalchemy.exc import IntegrityError
    with pytest.raises(IntegrityError):
        with db.session() as s:
            s.add(Attempt(contest_code=contest, round_n=1, contestant_id=contestant["id"], status="in_progress",
                          question_ids=[], option_orders={}, answers={}, started_at=now(), deadline=now(),
                          submit_by=now()))


def test_resume_save_and_submit(db, contest, contestant):
    paper = db.run(attempts.start_attempt, contestant, contest, 1)
    qids = [q["id"] for q in paper["questions"]]
    assert db.run(attempts.save_answers, contestant, paper["attempt_id"], {qids[0]: "a"}, 7) == {
        "attempt_id": paper["attempt_id"], "saved": 1}
    assert db.run(attempts.save_answers, contestant, paper["attempt_id"], {qids[0]: "B", qids[1]: "C"}) == {
        "attempt_id": paper["attempt_id"], "saved": 2}
    resumed = db.read(attempts.resume_attempt, contestant, paper["attempt_id"])
    assert resumed["answers"] == {qids[0]: "B", qids[1]: "C"} and resumed["prediction"] == 7
    assert resumed["questions"] == paper["questions"] and resumed["deadline"] == paper["deadline"]

    for bad in ({"not-a-question": "A"}, {qids[0]: "E"}, {qids[0]: 1}, ["A"]):
        with pytest.raises(Invalid) as exc:
            db.run(attempts.save_answers, contestant, paper["attempt_id"], bad)
        assert exc.value.code == "invalid_answers"
    with pytest.raises(Invalid) as exc:
        db.run(attempts.save_answers, contestant, paper["attempt_id"], {}, -1)
    assert exc.value.code == "invalid_prediction"
    other = register(db)
    with pytest.raises(Forbidden):
        db.run(attempts.save_answers, other, paper["attempt_id"], {})
    with pytest.raises(Forbidden):
        db.read(attempts.resume_attempt, other, paper["attempt_id"])

    answers = {qid: "A" for qid in qids}
    out = db.run(attempts.submit_attempt, contestant, paper["attempt_id"], answers, 12)
    assert out == {"attempt_id": paper["attempt_id"], "status": "submitted", "deadline_passed": False}
    assert len(dispatched(db, "attempt_submitted")) == 1  # published once committed
    again = db.run(attempts.submit_attempt, contestant, paper["attempt_id"], {qids[0]: "D"}, 99)
    assert again == out
    assert len(dispatched(db, "attempt_submitted")) == 1  # nothing new
    (event,) = outbox_rows(db, "attempt_submitted")
    p = event.payload
    assert p["answers"] == to_bank(db, paper["attempt_id"], answers)
    assert p["prediction"] == 12 and p["auto_submitted"] is False
    assert p["question_ids"] == qids and p["contestant_id"] == contestant["id"]
    assert p["full_name"] == "Nguyễn Văn An" and p["unit_code"] == "SNV" and p["contest"] == contest
    assert p["round"] == 1 and p["duration_ms"] >= 0
    started = dt.datetime.fromisoformat(p["started_at"])
    submitted = dt.datetime.fromisoformat(p["submitted_at"])
    assert p["duration_ms"] == (submitted - started) // dt.timedelta(milliseconds=1)

    with pytest.raises(Conflict) as exc:
        db.run(attempts.save_answers, contestant, paper["attempt_id"], {})
    assert exc.value.code == "attempt_not_in_progress"
    with pytest.raises(Conflict):
        db.read(attempts.resume_attempt, contestant, paper["attempt_id"])


def test_submit_without_answers_grades_the_autosaved_sheet(db, contest, contestant):
    """SPEC 3: a submit whose body carries no `answers` grades what was autosaved, never an empty
    sheet; an explicit empty sheet is still an empty sheet."""
    paper = db.run(attempts.start_attempt, contestant, contest, 1)
    qids = [q["id"] for q in paper["questions"]]
    saved = {qid: "B" for qid in qids[:5]}
    db.run(attempts.save_answers, contestant, paper["attempt_id"], saved, 40)
    out = db.run(attempts.submit_attempt, contestant, paper["attempt_id"], None, 50)
    assert out["status"] == "submitted" and out["deadline_passed"] is False
    (event,) = outbox_rows(db, "attempt_submitted")
    assert event.payload["answers"] == to_bank(db, paper["attempt_id"], saved) and event.payload["prediction"] == 50

    second = db.run(attempts.start_attempt, contestant, contest, 1)
    db.run(attempts.save_answers, contestant, second["attempt_id"], {second["questions"][0]["id"]: "A"})
    db.run(attempts.submit_attempt, contestant, second["attempt_id"], {}, None)
    last = [e for e in outbox_rows(db, "attempt_submitted") if e.payload["attempt_id"] == second["attempt_id"]]
    assert last[0].payload["answers"] == {}
    with pytest.raises(Invalid) as exc:
        db.run(attempts.submit_attempt, contestant, second["attempt_id"], None, -1)
    assert exc.value.code == "invalid_prediction"


def test_late_submit_grades_the_autosaved_answers(db, contest, contestant):
    paper = db.run(attempts.start_attempt, contestant, contest, 1)
    qids = [q["id"] for q in paper["questions"]]
    db.run(attempts.save_answers, contestant, paper["attempt_id"], {qids[0]: "C"}, 5)
    expire(db, paper["attempt_id"])
    with pytest.raises(Conflict) as exc:
        db.run(attempts.save_answers, contestant, paper["attempt_id"], {qids[0]: "A"})
    assert exc.value.code == "deadline_passed"
    out = db.run(attempts.submit_attempt, contestant, paper["attempt_id"], {q: "A" for q in qids}, 1000)
    assert out["deadline_passed"] is True and out["status"] == "submitted"
    (event,) = outbox_rows(db, "attempt_submitted")
    assert event.payload["answers"] == to_bank(db, paper["attempt_id"], {qids[0]: "C"})
    assert event.payload["prediction"] == 5
    assert event.payload["auto_submitted"] is True
    with db.session() as s:
        a = s.get(Attempt, paper["attempt_id"])
        assert a.submitted_at == a.deadline
        assert a.duration_ms == (a.deadline - a.started_at) // dt.timedelta(milliseconds=1)
    # A repeat still says the deadline had passed and sends nothing new.
    again = db.run(attempts.submit_attempt, contestant, paper["attempt_id"], {}, None)
    assert again["deadline_passed"] is True
    assert len(outbox_rows(db, "attempt_submitted")) == 1 == len(dispatched(db, "attempt_submitted"))


def test_grades_recorded_idempotently_and_shown(db, contest, contestant):
    paper = db.run(attempts.start_attempt, contestant, contest, 1)
    assert db.run(attempts.record_grade, paper["attempt_id"], 3, 5) is False  # not submitted yet
    db.run(attempts.submit_attempt, contestant, paper["attempt_id"], {}, 0)
    assert db.read(attempts.get_attempt, contestant, paper["attempt_id"])["correct"] is None
    assert db.run(attempts.record_grade, paper["attempt_id"], 3, 5) is True
    assert db.run(attempts.record_grade, paper["attempt_id"], 3, 5) is True
    assert db.run(attempts.record_grade, "unknown", 3, 5) is False
    shown = db.read(attempts.get_attempt, contestant, paper["attempt_id"])
    assert shown["status"] == "graded" and shown["correct"] == 3 and shown["total"] == 5
    assert db.read(attempts.get_attempt, {"id": "j", "role": "judge"}, paper["attempt_id"]) == shown
    with pytest.raises(Forbidden) as exc:
        db.read(attempts.get_attempt, register(db), paper["attempt_id"])
    assert exc.value.code == "not_your_attempt"
    with pytest.raises(NotFound):
        db.read(attempts.get_attempt, contestant, "nope")
    assert db.read(attempts.list_attempts, contestant) == [{**shown, "contest_title": "Hội thi thử"}]


def test_round_ranked_makes_the_round_finalized(db, contest, contestant):
    paper = db.run(attempts.start_attempt, contestant, contest, 1)
    db.run(attempts.submit_attempt, contestant, paper["attempt_id"], {}, 0)
    assert db.read(contests.get_contest, contest)["rounds"][0]["status"] == "open"
    assert db.run(contests.record_round_ranked, contest, 1) is True
    assert db.run(contests.record_round_ranked, contest, 1) is True  # a repeat changes nothing
    assert db.read(contests.get_contest, contest)["rounds"][0]["status"] == "finalized"
    assert db.run(contests.record_round_ranked, contest, 9) is False


# --- option letters per attempt (issue 14, finding 8) -----------------------------------------------

def _right_letter(db, paper, qid):
    """The letter under which this paper shows the bank's right option of question `qid`."""
    with db.session() as s:
        q = s.get(questions.Question, qid)
        right_text = {"A": q.a, "B": q.b, "C": q.c, "D": q.d}[q.answer]
    shown = next(p for p in paper["questions"] if p["id"] == qid)
    return next(o["key"] for o in shown["options"] if o["text"] == right_text), q.answer


def test_the_right_answer_has_the_letter_of_its_place_on_each_paper(with_units):
    """Two attempts shuffle the same question differently: the right option carries different
    letters, each is mapped back to the bank option (saved, resumed, submitted as the bank letter)
    and "question → B" is not a fixed answer any more."""
    db = with_units
    make_contest(db, settings={"questions_per_attempt": 40, "max_attempts_per_round": 1})
    papers, people = [], []
    for _ in range(6):
        person = register(db)
        people.append(person)
        papers.append(db.run(attempts.start_attempt, person, "t-2026", 1))
    common = sorted(set.intersection(*({q["id"] for q in p["questions"]} for p in papers)))
    assert common  # 40 of the 40-question bank: every paper holds every question
    letters = {}
    for qid in common:
        letters[qid] = {_right_letter(db, p, qid) for p in papers}
    # Some question's right option is shown under different letters on different papers (six
    # shuffles of 40 questions all agreeing: probability ~ 4**-200).
    assert any(len({shown for shown, _bank in v}) > 1 for v in letters.values())
    for person, paper in zip(people, papers):
        sheet = {qid: _right_letter(db, paper, qid)[0] for qid in common}
        bank = {qid: _right_letter(db, paper, qid)[1] for qid in common}
        db.run(attempts.save_answers, person, paper["attempt_id"], sheet, 3)
        resumed = db.read(attempts.resume_attempt, person, paper["attempt_id"])
        assert resumed["answers"] == sheet  # shown as this paper's letters again
        with db.session() as s:
            assert s.get(Attempt, paper["attempt_id"]).answers == bank  # stored as the bank's
        db.run(attempts.submit_attempt, person, paper["attempt_id"], None, 3)
        event = [e for e in outbox_rows(db, "attempt_submitted") if e.payload["attempt_id"] == paper["attempt_id"]]
        assert event[0].payload["answers"] == bank  # scoring grades bank letters against its keys


def test_an_attempt_started_before_per_attempt_letters_keeps_the_bank_letters(db, contest, contestant):
    """Migration: an attempt in progress from before (per_attempt_keys false) showed bank letters;
    its open page keeps sending them, and they keep meaning the bank's options."""
    paper = db.run(attempts.start_attempt, contestant, contest, 1)
    with db.session() as s:
        a = s.get(Attempt, paper["attempt_id"])
        assert a.per_attempt_keys is True  # a new attempt; the migration gave existing ones false
        a.per_attempt_keys = False
        orders = dict(a.option_orders)
        s.commit()
    resumed = db.read(attempts.resume_attempt, contestant, paper["attempt_id"])
    for q in resumed["questions"]:
        assert [o["key"] for o in q["options"]] == orders[q["id"]]  # the bank letters, shuffled
    qid = paper["questions"][0]["id"]
    db.run(attempts.save_answers, contestant, paper["attempt_id"], {qid: "D"})
    assert db.read(attempts.resume_attempt, contestant, paper["attempt_id"])["answers"] == {qid: "D"}
    db.run(attempts.submit_attempt, contestant, paper["attempt_id"], None, 1)
    (event,) = outbox_rows(db, "attempt_submitted")
    assert event.payload["answers"] == {qid: "D"}
