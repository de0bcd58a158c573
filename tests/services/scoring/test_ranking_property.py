"""Property test: for random attempts, the boards (the pure ranking, and the stored leaderboard of
the domain, live in SQL and final, on SQLite and PostgreSQL) list each contestant once with their
best attempt, in SPEC order, with ranks consistent with the keys; and the SQL board equals the pure
reference row for row."""
import datetime as dt
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from common.db import Database
from common.outbox import EventOutbox
from common.uow import Store
from services.scoring import config
from services.scoring.domain import boards, ranking, rounds
from services.scoring.models import GradedAttempt, Outbox
from services.scoring.schemas import RoundClosed
from tests import pg

T0 = dt.datetime(2023, 6, 1, tzinfo=dt.timezone.utc)

attempt_st = st.tuples(
    # contestant ids whose order differs between collations: ties must list them as Python does
    st.sampled_from(["c1", "C2", "c-3", "c_4", "Đ5", "d6"]),
    st.integers(0, 3),                                 # correct (of 3: perfect attempts happen)
    st.one_of(st.none(), st.integers(0, 6)),            # prediction
    st.integers(0, 3),                                 # duration_ms
    st.integers(0, 3),                                 # submitted_at, seconds after T0
)
attempts_st = st.lists(attempt_st, min_size=0, max_size=25)


def make_entries(rows):
    return [
        ranking.Entry(f"a{i:03d}", c, correct, 3, pred, dur, T0 + dt.timedelta(seconds=sub))
        for i, (c, correct, pred, dur, sub) in enumerate(rows)
    ]


def key_of_row(row, actual):
    """SPEC keys recomputed from a leaderboard row as the client sees it."""
    if actual is None:
        diff = 0
    else:
        diff = float("inf") if row["prediction_diff"] is None else row["prediction_diff"]
    return (-row["correct"], diff, row["duration_ms"], dt.datetime.fromisoformat(row["submitted_at"]))


def check_board(rows, entries, actual):
    by_contestant = {}
    for e in entries:
        by_contestant.setdefault(e.contestant_id, []).append(e)
    # each contestant exactly once
    assert sorted(r["contestant_id"] for r in rows) == sorted(by_contestant)
    keys = [key_of_row(r, actual) for r in rows]
    # ordered by SPEC's keys
    assert keys == sorted(keys)
    for row, key in zip(rows, keys):
        # the row is the contestant's best attempt
        best = min(ranking.order_key(e, actual) for e in by_contestant[row["contestant_id"]])
        assert key == best
        # rank = 1 + number of contestants strictly ahead
        assert row["rank"] == 1 + sum(1 for other in keys if other < key)
        if actual is not None and row["prediction"] is not None:
            assert row["prediction_diff"] == abs(row["prediction"] - actual)


def as_rows(ranked):
    return [
        {"rank": r.rank, "contestant_id": r.entry.contestant_id, "correct": r.entry.correct,
         "prediction": r.entry.prediction, "prediction_diff": r.prediction_diff,
         "duration_ms": r.entry.duration_ms, "submitted_at": r.entry.submitted_at.isoformat()}
        for r in ranked
    ]


@settings(max_examples=300, deadline=None)
@given(attempts_st, st.one_of(st.none(), st.integers(0, 6)))
def test_pure_ranking_properties(rows, actual):
    entries = make_entries(rows)
    check_board(as_rows(ranking.rank(entries, actual)), entries, actual)


def shown(rows):
    """What a board row shows, minus the name and unit (those come from the same attempt)."""
    return [(r["rank"], r["contestant_id"], r["correct"], r["prediction"], r["prediction_diff"],
             r["duration_ms"], r["submitted_at"]) for r in rows]


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


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(attempts_st, st.sampled_from(["submitted_attempts", "perfect_attempts"]))
def test_stored_leaderboard_properties(board_db, rows, target):
    contest = f"p-{uuid.uuid4().hex[:12]}"
    entries = make_entries(rows)
    with board_db.session() as session:
        for e in entries:
            session.add(GradedAttempt(
                attempt_id=f"{contest}-{e.attempt_id}", contest=contest, round=1,
                contestant_id=e.contestant_id, full_name=e.contestant_id, unit_code="U",
                correct=e.correct, total=e.total, prediction=e.prediction, duration_ms=e.duration_ms,
                started_at=e.submitted_at, submitted_at=e.submitted_at,
            ))
    with board_db.session() as session:
        live = boards.leaderboard(session, contest, 1, limit=1000)
    assert live["final"] is False and live["actual_attempts"] is None
    check_board(live["rows"], entries, None)
    # the SQL live board agrees with the reference exactly, ties included
    assert shown(live["rows"]) == shown(as_rows(ranking.rank(entries)))

    store = Store(board_db, EventOutbox(Outbox), lambda event_type, payload: None)
    store.run(rounds.record_round_closed, RoundClosed(
        contest=contest, round=1, submitted_attempts=len(entries), prediction_target=target))
    assert store.run(rounds.rank_round_if_complete, contest, 1) is True
    with board_db.session() as session:
        final = boards.leaderboard(session, contest, 1, limit=1000)
        full = boards.round_ranking(session, contest, 1)
    actual = ranking.actual_count(entries, target, len(entries))
    assert final["final"] is True and final["actual_attempts"] == actual
    check_board(final["rows"], entries, actual)
    assert shown(final["rows"]) == shown(as_rows(ranking.rank(entries, actual)))
    assert full == final["rows"]
