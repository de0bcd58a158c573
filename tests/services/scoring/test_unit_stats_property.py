"""Property test: the unit statistics computed in SQL equal a plain Python reference, on SQLite and
PostgreSQL. The counted attempt per contestant and round (final rounds use the prediction key) comes
from spec_rules.py, SPEC §3 restated in the tests, not from ranking.py: the expected values do not
depend on the product's own ranking code."""
import datetime as dt
import uuid
from collections import defaultdict

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from common.db import Database
from services.scoring import config
from services.scoring.domain import units
from services.scoring.models import GradedAttempt, RoundResult
from tests import pg

from . import spec_rules

T0 = dt.datetime(2023, 6, 1, tzinfo=dt.timezone.utc)

attempt_st = st.tuples(
    st.sampled_from(["c1", "c2", "c3", "c4"]),       # contestant
    st.sampled_from(["U1", "U2", "U3"]),             # unit (a contestant may move)
    st.integers(1, 2),                               # round
    st.integers(0, 3),                               # correct
    st.sampled_from([3, 4]),                         # total
    st.one_of(st.none(), st.integers(0, 6)),          # prediction
    st.integers(0, 2),                               # duration_ms
    st.integers(0, 2),                               # submitted_at, seconds after T0
)


def reference(attempts, actual_by_round):
    """{unit: (participants, quality, zero_results)} the slow, obvious way."""
    by_round = defaultdict(list)
    latest = {}
    for a in attempts:
        by_round[a["round"]].append(a)
        key = (a["submitted_at"], a["attempt_id"])
        if a["contestant_id"] not in latest or key > latest[a["contestant_id"]][0]:
            latest[a["contestant_id"]] = (key, a["unit_code"])
    ratios, zeros = defaultdict(list), defaultdict(int)
    for rnd, round_attempts in by_round.items():
        for contestant, a in spec_rules.counted(round_attempts, actual_by_round.get(rnd)).items():
            ratios[contestant].append(a["correct"] / a["total"] if a["total"] else 0.0)
            zeros[contestant] += a["correct"] == 0
    units = defaultdict(list)
    for contestant, values in ratios.items():
        units[latest[contestant][1]].append((sum(values) / len(values), zeros[contestant]))
    return {u: (len(v), sum(q for q, _ in v) / len(v), sum(z for _, z in v)) for u, v in units.items()}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def stats_db(request, tmp_path_factory):
    name = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('stats')}/scoring.db"
    else:
        name, url = pg.create_database()
    db = Database(url, config.MIGRATIONS_DIR)
    yield db
    db.dispose()
    if name:
        pg.drop_database(name)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(attempt_st, max_size=20), st.one_of(st.none(), st.integers(0, 6)))
# Equal correct, different totals: only the prediction key (final round) picks 2/4 over 2/3.
@example([("c1", "U1", 1, 2, 3, 5, 0, 0), ("c1", "U1", 1, 2, 4, 1, 1, 1)], 1)
def test_sql_unit_aggregates_equal_the_reference(stats_db, rows, actual_round_1):
    contest = f"s-{uuid.uuid4().hex[:12]}"
    attempts = [
        {"attempt_id": f"{contest}-{i:03d}", "contest": contest, "round": rnd, "contestant_id": c, "full_name": c,
         "unit_code": unit, "correct": min(correct, total), "total": total, "prediction": pred,
         "duration_ms": dur, "started_at": T0, "submitted_at": T0 + dt.timedelta(seconds=sub)}
        for i, (c, unit, rnd, correct, total, pred, dur, sub) in enumerate(rows)
    ]
    actual_by_round = {}
    with stats_db.session() as session:
        for a in attempts:
            session.add(GradedAttempt(**a))
        if actual_round_1 is not None:  # round 1 is final with this actual; round 2 is open
            actual_by_round[1] = actual_round_1
            session.add(RoundResult(contest=contest, round=1, status="final", submitted_attempts=0,
                                    prediction_target="submitted_attempts", actual=actual_round_1))
    with stats_db.session() as session:
        got = units.unit_aggregates(session, contest)
    expected = reference(attempts, actual_by_round)
    assert got.keys() == expected.keys()
    for unit, (participants, quality, zeros) in expected.items():
        assert got[unit][0] == participants and got[unit][2] == zeros
        assert got[unit][1] == pytest.approx(quality)
