"""Rounds: what quiz says a closed round contains, and its ranking once every attempt is graded.

A round's status: none while quiz has not closed it, `pending` (closed, waiting for grades), then
`final` (ranked, its rows in round_rankings, `round_ranked` emitted once).
"""
import logging

from sqlalchemy import bindparam, delete, func, select, update

from common.time import utcnow
from services.scoring.domain import disqualified, ranking
from services.scoring.models import GradedAttempt, RankingRow, RoundResult

log = logging.getLogger(__name__)

_ROUND_STATUS = select(RoundResult.status).where(RoundResult.contest == bindparam("contest"),
                                                 RoundResult.round == bindparam("n"))


def round_status(session, contest, n):
    """None while quiz has not closed the round, then `pending`, then `final`."""
    return session.scalar(_ROUND_STATUS, {"contest": contest, "n": n})


def record_round_closed(uow, event):
    """Store what quiz says the round must contain (schemas.RoundClosed). Replays change nothing;
    a final round is never reopened."""
    session = uow.session
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
    """(contest, n) of the closed rounds not ranked yet."""
    return session.execute(
        select(RoundResult.contest, RoundResult.round).where(RoundResult.status == "pending")
    ).all()


def _graded_count(session, contest, n):
    return session.scalar(
        select(func.count()).select_from(GradedAttempt).where(
            GradedAttempt.contest == contest, GradedAttempt.round == n
        )
    )


def _entries(session, contest, n, ranked_only=False):
    """The round's graded attempts; `ranked_only`: without those of disqualified contestants."""
    g = GradedAttempt
    query = (select(g.attempt_id, g.contestant_id, g.correct, g.total, g.prediction, g.duration_ms,
                    g.submitted_at, g.full_name, g.unit_code)
             .where(g.contest == contest, g.round == n))
    if ranked_only:
        query = query.where(disqualified.not_disqualified(g))
    return [ranking.Entry(*row) for row in session.execute(query)]


def _store_ranking(session, contest, n, ranked):
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


def rerank_final(uow, contest, n):
    """Replace a final round's ranking with one computed again from its graded attempts without
    those of disqualified contestants (a disqualification or a reinstatement, SPEC 6), with the
    round's `actual` as stored (how many attempts there were, or how many were perfect, is a fact of
    the round that a disqualification does not change). Returns how many contestants it ranks."""
    session = uow.session
    # Locked: two instances ranking the same round again (two disqualifications at once) take turns,
    # the second reading the attempts after the first committed.
    row = session.get(RoundResult, (contest, n), with_for_update=True)
    if row is None or row.status != "final":
        return None
    ranked = ranking.rank(_entries(session, contest, n, ranked_only=True), row.actual)
    session.execute(delete(RankingRow).where(RankingRow.contest == contest, RankingRow.round == n))
    _store_ranking(session, contest, n, ranked)
    row.ranked_contestants = len(ranked)
    return len(ranked)


def rank_round_if_complete(uow, contest, n):
    """Rank a closed round once every attempt quiz counted is graded: store its final ranking and
    emit `round_ranked`. Returns True when it ranked the round now; False when the round is not
    closed, not complete, or already final.

    Safe under competing instances: the pending → final switch is a conditional UPDATE, so only
    one transaction wins.
    """
    session = uow.session
    row = session.get(RoundResult, (contest, n))
    if row is None or row.status != "pending":
        return False
    graded = _graded_count(session, contest, n)
    if graded < row.submitted_attempts:
        return False
    if graded > row.submitted_attempts:
        # Quiz counted fewer submissions than we graded: the counts disagree and prizes depend on
        # them, so the round waits for an operator instead of being ranked on doubtful data.
        log.error("round %s/%s: %d graded attempts but quiz reported %d submitted; not ranking",
                  contest, n, graded, row.submitted_attempts)
        return False
    # The prediction's answer counts every attempt of the round; the ranking leaves out those of
    # disqualified contestants (SPEC 6).
    actual = ranking.actual_count(_entries(session, contest, n), row.prediction_target, row.submitted_attempts)
    ranked = ranking.rank(_entries(session, contest, n, ranked_only=True), actual)
    won = session.execute(
        update(RoundResult)
        .where(RoundResult.contest == contest, RoundResult.round == n, RoundResult.status == "pending")
        .values(status="final", actual=actual, ranked_contestants=len(ranked), finalized_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if won != 1:
        return False
    _store_ranking(session, contest, n, ranked)
    uow.emit("round_ranked", {"contest": contest, "round": n, "actual": actual, "ranked_contestants": len(ranked)})
    log.info("round %s/%s ranked: %d contestants, actual=%d", contest, n, len(ranked), actual)
    return True
