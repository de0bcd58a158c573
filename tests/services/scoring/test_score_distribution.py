"""Issue 16: the score distribution of a round counts every graded attempt (and every contestant by
their counted attempt), not the top 1,000 rows of the leaderboard the staff chart used to read."""
import datetime as dt
import random
from collections import Counter
from unittest.mock import Mock

import pytest
from nameko.testing.services import worker_factory

from common.db import Database
from common.errors import Invalid
from common.outbox import EventOutbox
from common.uow import Store
from services.scoring import config
from services.scoring.models import GradedAttempt, Outbox
from services.scoring.service import ScoringService
from .helpers import CONTEST, T0


@pytest.fixture
def service(db_url):
    database = Database(db_url, config.MIGRATIONS_DIR)
    db = Store(database, EventOutbox(Outbox), Mock())
    yield worker_factory(ScoringService, db=db), db
    database.dispose()


def row(attempt_id, contestant, correct, round=1, contest=CONTEST):
    return GradedAttempt(attempt_id=attempt_id, contest=contest, round=round, contestant_id=contestant,
                         full_name="Nguyễn Văn An", unit_code="U1", correct=correct, total=20, prediction=5,
                         duration_ms=60_000, started_at=T0, submitted_at=T0 + dt.timedelta(minutes=1))


def test_distribution_counts_every_attempt_and_every_contestant_once(service):
    svc, db = service
    rng = random.Random(16)
    attempts = []
    for c in range(1300):  # more contestants than the leaderboard's largest page (1,000)
        for k in range(rng.choice((1, 1, 2, 3))):
            attempts.append((f"a{c}-{k}", f"c{c:05d}", rng.randint(0, 20)))
    with db.session() as s:
        s.add_all(row(*a) for a in attempts)
        s.add(row("other-round", "c00001", 20, round=2))
        s.add(row("other-contest", "c00001", 20, contest="cchc-2024"))
    out = svc.get_score_distribution(CONTEST, 1)

    by_attempt = Counter(correct for _, _, correct in attempts)
    best = {}
    for _, who, correct in attempts:
        best[who] = max(best.get(who, -1), correct)
    by_contestant = Counter(best.values())
    assert out["contest"] == CONTEST and out["round"] == 1
    assert out["graded_attempts"] == len(attempts) and out["contestants"] == 1300
    assert [b["correct"] for b in out["buckets"]] == sorted(set(by_attempt) | set(by_contestant))
    for b in out["buckets"]:
        assert (b["attempts"], b["contestants"]) == (by_attempt[b["correct"]], by_contestant[b["correct"]]), b


def test_empty_round_and_bad_input(service):
    svc, _ = service
    assert svc.get_score_distribution(CONTEST, 3) == {"contest": CONTEST, "round": 3, "graded_attempts": 0,
                                                       "contestants": 0, "buckets": []}
    with pytest.raises(Invalid):
        svc.get_score_distribution(CONTEST, 0)
    with pytest.raises(Invalid):
        svc.get_score_distribution("KHÔNG HỢP LỆ", 1)
