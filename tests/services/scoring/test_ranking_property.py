"""Property test: for random attempts, every board — the pure ranking (ranking.rank), the live board
the database computes, and the final board rounds.rank_round_if_complete stores — equals row for row the board
of spec_rules.py, on SQLite and PostgreSQL; the final board's `actual` equals the SPEC's count.

Independent of the product: the expected boards and `actual` come from spec_rules.py (SPEC §3
restated as a comparison function), never from ranking.order_key / rank / counted_attempts /
actual_count, which rounds.rank_round_if_complete itself uses, so a bug there is caught rather than mirrored.
Mutations of the product seen failing here: keys 2 and 3 swapped; `actual` counting contestants
instead of attempts (either target) or near-perfect attempts as perfect; the prediction distance
off by one; a missing prediction taken as nearest; the worst attempt counted; later submission
first; ties not sharing a rank; the SQL live board without the duration key.
"""
import datetime as dt
import uuid

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from common.db import Database
from common.outbox import EventOutbox
from common.uow import Store
from services.scoring import config
from services.scoring.domain import boards, ranking, rounds
from services.scoring.models import GradedAttempt, Outbox
from services.scoring.schemas import RoundClosed
from tests import pg

from . import spec_rules

T0 = dt.datetime(2023, 6, 1, tzinfo=dt.timezone.utc)

attempt_st = st.tuples(
    # contestant ids whose order differs between collations: ties must list them as Python does
    st.sampled_from(["c1", "C2", "c-3", "c_4", "Đ5", "d6"]),
    st.integers(0, 4),                                 # correct (capped at total)
    st.sampled_from([3, 4]),                           # total: perfect attempts happen on both
    st.one_of(st.none(), st.integers(0, 6)),            # prediction
    st.integers(0, 3),                                 # duration_ms
    st.integers(0, 3),                                 # submitted_at, seconds after T0
)
attempts_st = st.lists(attempt_st, min_size=0, max_size=25)


def make_attempts(rows, prefix=""):
    """Plain dicts (spec_rules' input); the same values go to the product as Entry or as rows."""
    return [
        {"attempt_id": f"{prefix}a{i:03d}", "contestant_id": c, "correct": min(correct, total),
         "total": total, "prediction": pred, "duration_ms": dur,
         "submitted_at": T0 + dt.timedelta(seconds=sub)}
        for i, (c, correct, total, pred, dur, sub) in enumerate(rows)
    ]


def shown(rows):
    """What a board row shows, minus the name and unit (those come from the same attempt)."""
    return [(r["rank"], r["contestant_id"], r["correct"], r["prediction"], r["prediction_diff"],
             r["duration_ms"], r["submitted_at"]) for r in rows]


@settings(max_examples=300, deadline=None)
@given(attempts_st, st.one_of(st.none(), st.integers(0, 6)))
def test_pure_ranking_equals_the_spec(rows, actual):
    attempts = make_attempts(rows)
    entries = [
        ranking.Entry(a["attempt_id"], a["contestant_id"], a["correct"], a["total"], a["prediction"],
                      a["duration_ms"], a["submitted_at"])
        for a in attempts
    ]
    got = [(r.rank, r.entry.contestant_id, r.entry.correct, r.entry.prediction, r.prediction_diff,
            r.entry.duration_ms, r.entry.submitted_at.isoformat()) for r in ranking.rank(entries, actual)]
    assert got == spec_rules.board(attempts, actual)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def board_db(request, tmp_path_factory):
    """One database per dialect for all examples (each example uses its own contest code)."""
    name = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('prop')}/scoring.db"
    else:
        name, url = pg.create_database()
    db = Database(url, config.MIGRATIONS_DIR)
    yield db
    db.dispose()
    if name:
        pg.drop_database(name)


# (contestant, correct, total, prediction, duration_ms, submitted_at s)
TIED_FINAL = [("c1", 3, 3, 2, 1, 0), ("C2", 3, 3, 2, 1, 0), ("c1", 3, 3, None, 0, 1), ("d6", 1, 4, 5, 0, 0)]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(attempts_st, st.sampled_from(["submitted_attempts", "perfect_attempts"]))
# c1 has two perfect attempts (3 perfect attempts, 2 contestants with one): the live board counts
# c1's faster one, the final board the one with a prediction, which ties C2 on every key.
@example(rows=TIED_FINAL, target="perfect_attempts")
@example(rows=TIED_FINAL, target="submitted_attempts")
def test_stored_leaderboards_equal_the_spec(board_db, rows, target):
    contest = f"p-{uuid.uuid4().hex[:12]}"
    attempts = make_attempts(rows, prefix=f"{contest}-")
    with board_db.session() as session:
        for a in attempts:
            session.add(GradedAttempt(
                contest=contest, round=1, full_name=a["contestant_id"], unit_code="U",
                started_at=a["submitted_at"], **a,
            ))
    with board_db.session() as session:
        live = boards.leaderboard(session, contest, 1, limit=1000)
    assert live["final"] is False and live["actual_attempts"] is None
    assert shown(live["rows"]) == spec_rules.board(attempts)

    store = Store(board_db, EventOutbox(Outbox), lambda event_type, payload: None)
    store.run(rounds.record_round_closed, RoundClosed(
        contest=contest, round=1, submitted_attempts=len(attempts), prediction_target=target))
    assert store.run(rounds.rank_round_if_complete, contest, 1) is True
    with board_db.session() as session:
        final = boards.leaderboard(session, contest, 1, limit=1000)
        full = boards.round_ranking(session, contest, 1)
    actual = spec_rules.actual(attempts, target)
    assert final["final"] is True and final["actual_attempts"] == actual
    assert shown(final["rows"]) == spec_rules.board(attempts, actual)
    assert full == final["rows"]
