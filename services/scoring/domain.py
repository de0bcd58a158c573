"""Grading, round finalization, rankings and unit statistics: plain functions on a SQLAlchemy
session. No nameko here; `service.py` wires these to events, RPCs and the timer.

Functions that change data return the ids of the outbox rows they wrote, so the caller can
publish them right after the commit (common.outbox.publish).
"""
import datetime as dt
import logging

from sqlalchemy import Float, and_, bindparam, case, cast, delete, func, select, update

from common import outbox
from services.scoring import errors, ranking
from services.scoring.models import AnswerKey, GradedAttempt, Outbox, RankingRow, RoundResult, Unit
from services.scoring.schemas import leaderboard_row

log = logging.getLogger(__name__)

MAX_LIMIT = 1000


def as_utc(value):
    # SQLite gives naive datetimes back; every stored time is UTC.
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=dt.timezone.utc)


class MissingKeys(Exception):
    def __init__(self, contest, question_ids):
        super().__init__(contest, sorted(question_ids))
        self.contest = contest
        self.question_ids = set(question_ids)


# --- answer keys -------------------------------------------------------------------------------

def store_keys(session, contest, keys):
    """Upsert the contest's keys; returns how many rows were added or changed (0 on a replay).

    Keys absent from `keys` are kept: attempts already graded may name them.
    """
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
_ROUND_STATUS = select(RoundResult.status).where(RoundResult.contest == bindparam("contest"),
                                                 RoundResult.round == bindparam("n"))


def _keys_for(session, contest, question_ids):
    rows = session.execute(_KEYS_FOR, {"contest": contest, "question_ids": sorted(set(question_ids))})
    return dict(rows.all())


# --- grading -----------------------------------------------------------------------------------

def count_correct(question_ids, answers, keys):
    """Answers equal to the key; an unanswered question counts as wrong."""
    return sum(1 for qid in question_ids if answers.get(qid) is not None and answers[qid] == keys[qid])


def grade_attempt(session, event):
    """Grade one `attempt_submitted` event (schemas.AttemptSubmitted) and queue `attempt_graded`.

    A duplicate delivery returns [] and changes nothing. Raises MissingKeys when the copy of the
    keys lacks a question of the attempt (the caller fetches them from quiz and retries).
    """
    if session.execute(_IS_GRADED, {"attempt_id": event.attempt_id}).first() is not None:
        return []
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
        "started_at": event.started_at, "submitted_at": event.submitted_at, "graded_at": outbox.utcnow(),
    })
    event_id = outbox.add(session, Outbox, "attempt_graded", {
        "attempt_id": event.attempt_id, "contest": event.contest, "round": event.round,
        "contestant_id": event.contestant_id, "correct": correct, "total": total,
    }, immediate=True)
    return [event_id]


def get_grade(session, attempt_id):
    row = session.get(GradedAttempt, str(attempt_id))
    if row is None:
        raise errors.not_graded()
    return {"attempt_id": row.attempt_id, "correct": row.correct, "total": row.total}


# --- rounds ------------------------------------------------------------------------------------

def record_round_closed(session, event):
    """Store what quiz says the round must contain. Replays change nothing; a final round is
    never reopened."""
    row = session.get(RoundResult, (event.contest, event.round))
    if row is None:
        session.add(RoundResult(
            contest=event.contest, round=event.round, status="pending",
            submitted_attempts=event.submitted_attempts, prediction_target=event.prediction_target,
            closes_at=event.closes_at,
        ))
        session.flush()
    elif row.status == "pending":
        # The latest word of quiz wins while the round is not ranked yet.
        row.submitted_attempts = event.submitted_attempts
        row.prediction_target = event.prediction_target
        row.closes_at = event.closes_at
    elif row.submitted_attempts != event.submitted_attempts:
        log.error("round_closed for final round %s/%s says %s attempts, ranked with %s; ignored",
                  event.contest, event.round, event.submitted_attempts, row.submitted_attempts)


def pending_rounds(session):
    return session.execute(
        select(RoundResult.contest, RoundResult.round).where(RoundResult.status == "pending")
    ).all()


def round_status(session, contest, n):
    """None while quiz has not closed the round, then `pending`, then `final`."""
    return session.scalar(_ROUND_STATUS, {"contest": contest, "n": n})


def _entries(session, contest, n):
    rows = session.execute(
        select(
            GradedAttempt.attempt_id, GradedAttempt.contestant_id, GradedAttempt.correct,
            GradedAttempt.total, GradedAttempt.prediction, GradedAttempt.duration_ms,
            GradedAttempt.submitted_at, GradedAttempt.full_name, GradedAttempt.unit_code,
        ).where(GradedAttempt.contest == contest, GradedAttempt.round == n)
    )
    return [
        ranking.Entry(a, c, correct, total, pred, dur, as_utc(sub), name, unit)
        for a, c, correct, total, pred, dur, sub, name, unit in rows
    ]


def graded_count(session, contest, n):
    return session.scalar(
        select(func.count()).select_from(GradedAttempt).where(
            GradedAttempt.contest == contest, GradedAttempt.round == n
        )
    )


def try_finalize(session, contest, n):
    """Rank a closed round once every submitted attempt is graded; queue `round_ranked` once.

    Returns the outbox ids written ([] when not ready, or already final). Safe under competing
    instances: the pending → final switch is a conditional UPDATE, so only one transaction wins.
    """
    row = session.get(RoundResult, (contest, n))
    if row is None or row.status != "pending":
        return []
    graded = graded_count(session, contest, n)
    if graded < row.submitted_attempts:
        return []
    if graded > row.submitted_attempts:
        # Quiz counted fewer submissions than we graded: the counts disagree and prizes depend on
        # them, so the round waits for an operator instead of being ranked on doubtful data.
        log.error("round %s/%s: %d graded attempts but quiz reported %d submitted; not ranking",
                  contest, n, graded, row.submitted_attempts)
        return []
    entries = _entries(session, contest, n)
    actual = ranking.actual_count(entries, row.prediction_target, row.submitted_attempts)
    ranked = ranking.rank(entries, actual)
    won = session.execute(
        update(RoundResult)
        .where(RoundResult.contest == contest, RoundResult.round == n, RoundResult.status == "pending")
        .values(status="final", actual=actual, ranked_contestants=len(ranked), finalized_at=outbox.utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if won != 1:
        return []
    if ranked:
        session.execute(RankingRow.__table__.insert(), [
            {
                "contest": contest, "round": n, "contestant_id": r.entry.contestant_id,
                "position": position, "rank": r.rank, "attempt_id": r.entry.attempt_id,
                "full_name": r.entry.full_name, "unit_code": r.entry.unit_code,
                "correct": r.entry.correct, "total": r.entry.total, "prediction": r.entry.prediction,
                "prediction_diff": r.prediction_diff, "duration_ms": r.entry.duration_ms,
                "submitted_at": r.entry.submitted_at,
            }
            for position, r in enumerate(ranked, start=1)
        ])
    event_id = outbox.add(session, Outbox, "round_ranked", {
        "contest": contest, "round": n, "actual": actual, "ranked_contestants": len(ranked),
    })
    log.info("round %s/%s ranked: %d contestants, actual=%d", contest, n, len(ranked), actual)
    return [event_id]


# --- leaderboards ------------------------------------------------------------------------------

def _check_round(contest, n, limit=None):
    check_contest(contest)
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise errors.invalid_round()
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT):
        raise errors.invalid_limit()


def _final_rows(session, contest, n, limit=None):
    query = (
        select(RankingRow)
        .where(RankingRow.contest == contest, RankingRow.round == n)
        .order_by(RankingRow.position)
    )
    if limit is not None:
        query = query.limit(limit)
    return [
        leaderboard_row(r.rank, r.contestant_id, r.full_name, r.unit_code, r.correct, r.prediction,
                        r.prediction_diff, r.duration_ms, as_utc(r.submitted_at))
        for r in session.scalars(query)
    ]


def _final_round(session, contest, n):
    row = session.get(RoundResult, (contest, n))
    return row if row is not None and row.status == "final" else None


def leaderboard(session, contest, n, limit=50):
    """Final board once the round is ranked; otherwise the live board (no prediction key)."""
    _check_round(contest, n, limit)
    final = _final_round(session, contest, n)
    if final is not None:
        return {"final": True, "actual_attempts": final.actual,
                "rows": _final_rows(session, contest, n, limit)}
    return {"final": False, "actual_attempts": None, "rows": live_rows(session, contest, n, limit)}


def _binary(column, session):
    # Ties are listed by contestant id in code point order, as Python sorts strings in
    # ranking.py; PostgreSQL's default collation would order them otherwise.
    return column.collate("C") if session.bind.dialect.name == "postgresql" else column


def live_rows(session, contest, n, limit):
    """The live board (no prediction key) computed by the database with window functions.

    Equal to `ranking.rank(entries)` row for row (tests/services/scoring/test_ranking_property.py
    checks it on both databases); done in SQL because it is polled by the public and a Python
    sort of a 25,000-attempt round would hold the eventlet hub for the whole computation.
    """
    g = GradedAttempt
    best = (
        select(
            g.contestant_id, g.full_name, g.unit_code, g.correct, g.prediction, g.duration_ms,
            g.submitted_at,
            func.row_number().over(
                partition_by=g.contestant_id,
                order_by=(g.correct.desc(), g.duration_ms, g.submitted_at, _binary(g.attempt_id, session)),
            ).label("nth"),
        )
        .where(g.contest == contest, g.round == n)
        .subquery("best")
    )
    rank = func.rank().over(order_by=(best.c.correct.desc(), best.c.duration_ms, best.c.submitted_at))
    ranked = (
        select(rank.label("rank"), best.c.contestant_id, best.c.full_name, best.c.unit_code,
               best.c.correct, best.c.prediction, best.c.duration_ms, best.c.submitted_at)
        .where(best.c.nth == 1)
        .subquery("ranked")
    )
    query = (
        select(ranked)
        .order_by(ranked.c.rank, _binary(ranked.c.contestant_id, session))
        .limit(limit)
    )
    return [
        leaderboard_row(r.rank, r.contestant_id, r.full_name, r.unit_code, r.correct, r.prediction,
                        None, r.duration_ms, as_utc(r.submitted_at))
        for r in session.execute(query)
    ]


def round_ranking(session, contest, n):
    """The full final ranking (for awards); Conflict until the round is ranked."""
    _check_round(contest, n)
    if _final_round(session, contest, n) is None:
        raise errors.round_not_ranked()
    return _final_rows(session, contest, n)


# --- unit statistics ---------------------------------------------------------------------------

def store_units(session, units):
    """Replace the local copy of the units' headcounts with quiz's list."""
    wanted = {str(u["code"]): int(u.get("headcount") or 0) for u in units}
    existing = {u.code: u for u in session.scalars(select(Unit))}
    for code, headcount in wanted.items():
        if code in existing:
            existing[code].headcount = headcount
        else:
            session.add(Unit(code=code, headcount=headcount))
    gone = set(existing) - set(wanted)
    if gone:
        session.execute(delete(Unit).where(Unit.code.in_(gone)))


def load_units(session):
    return [{"code": u.code, "headcount": u.headcount} for u in session.scalars(select(Unit).order_by(Unit.code))]


def check_contest(contest):
    if not isinstance(contest, str) or not contest or len(contest) > 64:
        raise errors.invalid_contest()


def unit_stats(session, contest, units):
    """Participation and quality per unit (SPEC section 4, collective prize).

    participants: distinct contestants of the unit with a graded attempt in the contest;
    participation: participants / headcount, capped at 1 (0 for a headcount of 0);
    quality: mean over those contestants of (mean over the rounds each took of counted correct /
    total); zero_results: (contestant, round) pairs whose counted result is 0 correct.
    `units` None means headcounts unknown (quiz down, no copy yet): the units seen in attempts are
    listed with headcount and participation None.
    A contestant belongs to the unit of their latest attempt. The counted attempt of a final round
    uses the final order (with the prediction key), of an open round the live order.
    """
    check_contest(contest)
    per_unit = unit_aggregates(session, contest)

    known = units is not None
    headcounts = {str(u["code"]): int(u.get("headcount") or 0) for u in units or []}
    for unit in per_unit:
        if unit is not None:
            # a unit quiz no longer lists still shows its people
            headcounts.setdefault(unit, 0 if known else None)
    result = []
    for code in sorted(headcounts):
        headcount = headcounts[code]
        participants, quality, zero_results = per_unit.get(code, (0, 0.0, 0))
        if headcount is None:
            participation = None
        else:
            participation = min(1.0, participants / headcount) if headcount > 0 else 0.0
        result.append({
            "unit_code": code,
            "headcount": headcount,
            "participants": participants,
            "participation": participation,
            "quality": quality,
            "zero_results": zero_results,
        })
    return result


# Stands for "no prediction" in the prediction-distance key: farther than any real distance.
_FAR = 2 ** 62


def unit_aggregates(session, contest):
    """{unit_code: (participants, quality, zero_results)} computed by the database.

    Done in SQL for the same reason as the live board: a contest holds ~100,000 attempts and a
    Python pass over them would hold the eventlet hub. The counted attempt of each (contestant,
    round) follows ranking.py's order (prediction key only for final rounds, then attempt id);
    tests/services/scoring/test_unit_stats_property.py checks this against a Python reference.
    """
    g, r = GradedAttempt, RoundResult
    distance = case(
        (r.actual.is_(None), 0),
        else_=func.coalesce(func.abs(g.prediction - r.actual), _FAR),
    )
    # One pass over the contest's attempts (no self-join: PostgreSQL plans those badly here).
    counted = (
        select(
            g.contestant_id, g.correct, g.total,
            func.row_number().over(
                partition_by=(g.contestant_id, g.round),
                order_by=(g.correct.desc(), distance, g.duration_ms, g.submitted_at,
                          _binary(g.attempt_id, session)),
            ).label("nth"),
            # A contestant belongs to the unit of their latest attempt.
            func.first_value(g.unit_code).over(
                partition_by=g.contestant_id,
                order_by=(g.submitted_at.desc(), _binary(g.attempt_id, session).desc()),
            ).label("unit_code"),
        )
        .select_from(g)
        .outerjoin(r, and_(r.contest == g.contest, r.round == g.round, r.status == "final"))
        .where(g.contest == contest)
        .subquery("counted")
    )
    ratio = case((counted.c.total > 0, cast(counted.c.correct, Float) / counted.c.total), else_=0.0)
    per_contestant = (
        select(
            func.max(counted.c.unit_code).label("unit_code"),  # the same on every row
            func.avg(ratio).label("quality"),
            func.sum(case((counted.c.correct == 0, 1), else_=0)).label("zeros"),
        )
        .where(counted.c.nth == 1)
        .group_by(counted.c.contestant_id)
        .subquery("per_contestant")
    )
    query = (
        select(
            per_contestant.c.unit_code, func.count(), func.avg(per_contestant.c.quality),
            func.sum(per_contestant.c.zeros),
        )
        .group_by(per_contestant.c.unit_code)
    )
    return {
        unit: (int(participants), float(quality), int(zeros))
        for unit, participants, quality, zeros in session.execute(query)
    }
