"""Grading: scoring's copy of the answer keys, one grade per submitted attempt."""
from sqlalchemy import bindparam, select

from common.time import utcnow
from services.scoring.models import AnswerKey, GradedAttempt


class MissingKeys(Exception):
    """The copy of the keys lacks questions of an attempt (the caller fetches them from quiz)."""

    def __init__(self, contest, question_ids):
        super().__init__(contest, sorted(question_ids))
        self.contest = contest
        self.question_ids = set(question_ids)


def store_keys(uow, contest, keys):
    """Upsert the contest's keys; returns how many rows were added or changed (0 on a replay).

    Keys absent from `keys` are kept: attempts already graded may name them.
    """
    session = uow.session
    existing = {
        row.question_id: row
        for row in session.scalars(select(AnswerKey).where(AnswerKey.contest == contest))
    }
    changed = 0
    for question_id, key in keys.items():
        question_id, key = str(question_id), str(key)
        row = existing.get(question_id)
        if row is None:
            session.add(AnswerKey(contest=contest, question_id=question_id, key=key))
            changed += 1
        elif row.key != key:
            row.key = key
            changed += 1
    return changed


# Statements of the grading path, built once (SQLAlchemy memoizes their cache keys): building them
# per event cost more CPU than running them.
_KEYS_FOR = select(AnswerKey.question_id, AnswerKey.key).where(
    AnswerKey.contest == bindparam("contest"), AnswerKey.question_id.in_(bindparam("question_ids", expanding=True)))
_GRADED = GradedAttempt.__table__
_IS_GRADED = select(_GRADED.c.attempt_id).where(_GRADED.c.attempt_id == bindparam("attempt_id"))
_INSERT_GRADED = _GRADED.insert()


def _keys_for(session, contest, question_ids):
    rows = session.execute(_KEYS_FOR, {"contest": contest, "question_ids": sorted(set(question_ids))})
    return dict(rows.all())


def count_correct(question_ids, answers, keys):
    """Answers equal to the key; an unanswered question counts as wrong."""
    return sum(1 for qid in question_ids if answers.get(qid) is not None and answers[qid] == keys[qid])


def grade_attempt(uow, event):
    """Grade one `attempt_submitted` event (schemas.AttemptSubmitted) and emit `attempt_graded`.

    Returns True when graded now, False for a duplicate delivery (nothing changes). Raises
    MissingKeys when the copy of the keys lacks a question of the attempt.
    """
    session = uow.session
    if session.execute(_IS_GRADED, {"attempt_id": event.attempt_id}).first() is not None:
        return False
    keys = _keys_for(session, event.contest, event.question_ids)
    missing = set(event.question_ids) - keys.keys()
    if missing:
        raise MissingKeys(event.contest, missing)
    correct = count_correct(event.question_ids, event.answers, keys)
    total = len(event.question_ids)
    # Plain INSERTs, the last statements of the transaction (the caller reads the round's status
    # first): no write lock is held for long, so a competing instance grading the same attempt
    # waits at most for our commit, then fails on the primary key. The ORM unit of work for these
    # two rows cost more CPU than the rest of the grading.
    session.execute(_INSERT_GRADED, {
        "attempt_id": event.attempt_id, "contest": event.contest, "round": event.round,
        "contestant_id": event.contestant_id, "full_name": event.full_name, "unit_code": event.unit_code,
        "correct": correct, "total": total, "prediction": event.prediction, "duration_ms": event.duration_ms,
        "started_at": event.started_at, "submitted_at": event.submitted_at, "graded_at": utcnow(),
    })
    uow.emit("attempt_graded", {
        "attempt_id": event.attempt_id, "contest": event.contest, "round": event.round,
        "contestant_id": event.contestant_id, "correct": correct, "total": total,
    }, immediate=True)
    return True
