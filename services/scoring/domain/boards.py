"""Leaderboards: the final board of a ranked round (its stored ranking), the live board of an
open one (computed by the database in ranking.ORDER)."""
from sqlalchemy import func, select

from common.errors import Conflict
from services.scoring.domain import ranking
from services.scoring.domain.disqualified import not_disqualified
from services.scoring.domain.inputs import check_round
from services.scoring.errors import err
from services.scoring.models import GradedAttempt, RankingRow, RoundResult
from services.scoring.schemas import leaderboard_row


def _final_round(session, contest, n):
    row = session.get(RoundResult, (contest, n))
    return row if row is not None and row.status == "final" else None


def _final_rows(session, contest, n, limit=None, contestant_id=None):
    query = (
        select(RankingRow)
        .where(RankingRow.contest == contest, RankingRow.round == n)
        .order_by(RankingRow.position)
    )
    if contestant_id is not None:
        query = query.where(RankingRow.contestant_id == contestant_id)
    if limit is not None:
        query = query.limit(limit)
    return [
        leaderboard_row(r.rank, r.contestant_id, r.full_name, r.unit_code, r.correct, r.prediction,
                        r.prediction_diff, r.duration_ms, r.submitted_at)
        for r in session.scalars(query)
    ]


def leaderboard(session, contest, n, limit=50, contestant_id=None):
    """Final board once the round is ranked; otherwise the live board (no prediction key).

    With `contestant_id`, the answer also carries `me`: that contestant's own row (their counted
    attempt and its rank in the whole round, listed or not), or None when they have none."""
    check_round(contest, n, limit)
    final = _final_round(session, contest, n)
    if final is not None:
        board = {"final": True, "actual_attempts": final.actual,
                 "rows": _final_rows(session, contest, n, limit)}
        if contestant_id is not None:
            mine = _final_rows(session, contest, n, 1, contestant_id=str(contestant_id))
            board["me"] = mine[0] if mine else None
        return board
    board = {"final": False, "actual_attempts": None, "rows": live_rows(session, contest, n, limit)}
    if contestant_id is not None:
        mine = live_rows(session, contest, n, 1, contestant_id=str(contestant_id))
        board["me"] = mine[0] if mine else None
    return board


def live_rows(session, contest, n, limit, contestant_id=None):
    """The live board (no prediction key), computed by the database with window functions in
    ranking.ORDER (`ranking.sql_order`): equal to `ranking.rank(entries)` row for row.

    Done in SQL because the public polls it and a Python sort of a large round would hold the
    eventlet hub for the whole computation (see bench/RESULTS.md).
    """
    g, dialect = GradedAttempt, session.bind.dialect.name
    best = (
        select(
            g.contestant_id, g.full_name, g.unit_code, g.correct, g.prediction, g.duration_ms,
            g.submitted_at,
            func.row_number().over(
                partition_by=g.contestant_id,
                order_by=ranking.sql_order(g, dialect, tie_break=ranking.COUNTED_TIE_BREAK),
            ).label("nth"),
        )
        .where(g.contest == contest, g.round == n, not_disqualified(g))
        .subquery("best")
    )
    rank = func.rank().over(order_by=ranking.sql_order(best.c, dialect))
    ranked = (
        select(rank.label("rank"), best.c.contestant_id, best.c.full_name, best.c.unit_code,
               best.c.correct, best.c.prediction, best.c.duration_ms, best.c.submitted_at)
        .where(best.c.nth == 1)
        .subquery("ranked")
    )
    query = (
        select(ranked)
        .order_by(*ranking.sql_order(ranked.c, dialect, tie_break=ranking.LISTING_TIE_BREAK))
        .limit(limit)
    )
    if contestant_id is not None:  # one contestant's row, ranked among everybody's
        query = query.where(ranked.c.contestant_id == contestant_id)
    return [
        leaderboard_row(r.rank, r.contestant_id, r.full_name, r.unit_code, r.correct, r.prediction,
                        None, r.duration_ms, r.submitted_at)
        for r in session.execute(query)
    ]


def round_ranking(session, contest, n):
    """The whole final ranking of a round, for awards: the leaderboard's rows, already in final
    order (ranking.ORDER, then contestant id) with their rank, so that a caller needs no sort of
    its own. Conflict `round_not_ranked` until the round is ranked."""
    check_round(contest, n)
    if _final_round(session, contest, n) is None:
        raise err(Conflict, "round_not_ranked")
    return _final_rows(session, contest, n)


def score_distribution(session, contest, n):
    """Every graded attempt of the round by its number of right answers, and every contestant by
    their counted attempt (the most right answers: ranking.ORDER's first key), in two GROUP BYs
    over the whole round (the staff chart used to count only the top rows of the board)."""
    check_round(contest, n)
    g = GradedAttempt
    mine = (g.contest == contest, g.round == n)
    attempts = dict(session.execute(select(g.correct, func.count()).where(*mine).group_by(g.correct)).all())
    best = select(func.max(g.correct).label("best")).where(*mine).group_by(g.contestant_id).subquery("best")
    contestants = dict(session.execute(select(best.c.best, func.count()).group_by(best.c.best)).all())
    buckets = [{"correct": k, "attempts": attempts.get(k, 0), "contestants": contestants.get(k, 0)}
               for k in sorted(set(attempts) | set(contestants))]
    return {"contest": contest, "round": n, "graded_attempts": sum(attempts.values()),
            "contestants": sum(contestants.values()), "buckets": buckets}
