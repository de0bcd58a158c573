"""Question difficulty per round (quiz.question_stats): the share of finished attempts that
answered each question right, hardest first; attempts in progress and other rounds do not count."""
import pytest

from common.errors import Forbidden, NotFound
from services.quiz.domain import attempts, questions, stats
from tests.services.quiz.conftest import ORG, register, to_shown


def keys(db, contest):
    return db.read(questions.answer_keys, contest)


def wrong(key):
    return next(k for k in "ABCD" if k != key)


def test_share_of_right_answers_per_question(db, contest):
    key = keys(db, contest)
    papers, expected = [], {}
    for n_right in (5, 3, 0):  # three finished attempts, right on their first n_right questions
        person = register(db)
        paper = db.run(attempts.start_attempt, person, contest, 1)
        qids = [q["id"] for q in paper["questions"]]
        answers = {qid: key[qid] if i < n_right else wrong(key[qid]) for i, qid in enumerate(qids)}
        answers.pop(qids[-1])  # unanswered counts as wrong
        # Sent as the letters this paper shows (per attempt, issue 14).
        db.run(attempts.submit_attempt, person, paper["attempt_id"], to_shown(db, paper["attempt_id"], answers), 7)
        for i, qid in enumerate(qids):
            asked, right = expected.get(qid, (0, 0))
            expected[qid] = (asked + 1, right + (1 if i < n_right and i < len(qids) - 1 else 0))
        papers.append(paper)
    # An attempt in progress (all right so far) changes nothing.
    busy = register(db)
    open_paper = db.run(attempts.start_attempt, busy, contest, 1)
    db.run(attempts.save_answers, busy, open_paper["attempt_id"],
           to_shown(db, open_paper["attempt_id"], {q["id"]: key[q["id"]] for q in open_paper["questions"]}), None)

    rows = db.read(stats.question_stats, ORG, contest, 1)
    got = {r["question_id"]: (r["asked"], r["correct"]) for r in rows}
    assert got == expected
    for r in rows:
        assert r["share"] == pytest.approx(r["correct"] / r["asked"])
        assert r["text"]
    assert [r["share"] for r in rows] == sorted(r["share"] for r in rows)


def test_a_round_nobody_took_has_no_rows(db, contest):
    assert db.read(stats.question_stats, ORG, contest, 2) == []


def test_staff_only_and_known_rounds(db, contest):
    person = register(db)
    with pytest.raises(Forbidden):
        db.read(stats.question_stats, person, contest, 1)
    with pytest.raises(NotFound):
        db.read(stats.question_stats, ORG, contest, 9)
    with pytest.raises(NotFound):
        db.read(stats.question_stats, ORG, "khong-co", 1)
