"""Disqualified contestants (SPEC 6) in scoring: the copy fed by quiz's events (idempotent, newest
version wins), the live board, the final ranking ranked again, the unit statistics."""
from unittest.mock import Mock

import pytest
from nameko.testing.services import worker_factory

from common.db import Database
from common.outbox import EventOutbox
from common.uow import Store
from services.scoring import config
from services.scoring.service import ScoringService
from services.scoring.models import Outbox
from .helpers import CONTEST, attempt, bank_changed, round_closed

UNITS = [{"code": "U1", "headcount": 4}, {"code": "U2", "headcount": 2}]


@pytest.fixture
def service(db_url):
    database = Database(db_url, config.MIGRATIONS_DIR)
    svc = worker_factory(ScoringService, db=Store(database, EventOutbox(Outbox), Mock()))
    svc.quiz.list_units.return_value = UNITS
    yield svc
    database.dispose()


def change(contestant, disqualified, version, contest=CONTEST):
    return {"contest": contest, "contestant_id": contestant, "disqualified": disqualified, "version": version,
            "at": "2023-06-02T00:00:00+00:00", "event_id": f"ev-dq-{contestant}-{version}"}


def board(service, n=1):
    out = service.get_leaderboard(CONTEST, n, 50)
    return out["final"], [(r["rank"], r["contestant_id"]) for r in out["rows"]]


def stats(service):
    return {s["unit_code"]: (s["participants"], s["participation"], round(s["quality"], 6), s["zero_results"])
            for s in service.get_unit_stats(CONTEST)}


def submit_three(service):
    service.on_bank_changed(bank_changed())
    service.on_attempt_submitted(attempt("a1", "c1", 20, unit="U1", at_s=1))
    service.on_attempt_submitted(attempt("a2", "c2", 15, unit="U1", at_s=2))
    service.on_attempt_submitted(attempt("a3", "c3", 0, unit="U2", at_s=3))


def test_live_board_and_unit_stats_leave_the_disqualified_out(service):
    submit_three(service)
    assert board(service) == (False, [(1, "c1"), (2, "c2"), (3, "c3")])
    assert stats(service) == {"U1": (2, 0.5, 0.875, 0), "U2": (1, 0.5, 0.0, 1)}
    service.on_contestant_disqualified(change("c1", True, 1))
    service.on_contestant_disqualified(change("c3", True, 1))
    assert board(service) == (False, [(1, "c2")])
    assert stats(service) == {"U1": (1, 0.25, 0.75, 0), "U2": (0, 0.0, 0.0, 0)}
    service.on_contestant_reinstated(change("c1", False, 2))
    assert board(service) == (False, [(1, "c1"), (2, "c2")])
    assert stats(service)["U1"] == (2, 0.5, 0.875, 0)


def test_a_final_ranking_is_ranked_again(service):
    submit_three(service)
    service.on_round_closed(round_closed(3))
    assert board(service) == (True, [(1, "c1"), (2, "c2"), (3, "c3")])
    actual = service.get_leaderboard(CONTEST, 1, 50)["actual_attempts"]
    service.on_contestant_disqualified(change("c1", True, 1))
    assert board(service) == (True, [(1, "c2"), (2, "c3")])
    ranking = service.get_round_ranking(CONTEST, 1)
    assert [(r["rank"], r["contestant_id"]) for r in ranking] == [(1, "c2"), (2, "c3")]
    # the round's answer to the prediction question is a fact of the round: unchanged
    assert service.get_leaderboard(CONTEST, 1, 50)["actual_attempts"] == actual == 3
    service.on_contestant_reinstated(change("c1", False, 2))
    assert board(service) == (True, [(1, "c1"), (2, "c2"), (3, "c3")])


def test_a_round_ranked_after_the_disqualification_leaves_them_out(service):
    submit_three(service)
    service.on_contestant_disqualified(change("c2", True, 1))
    service.on_round_closed(round_closed(3))
    assert board(service) == (True, [(1, "c1"), (2, "c3")])


def test_events_are_idempotent_and_the_newest_version_wins(service):
    submit_three(service)
    service.on_contestant_disqualified(change("c1", True, 1))
    service.on_contestant_disqualified(change("c1", True, 1))  # a redelivery
    service.on_contestant_reinstated(change("c1", False, 2))
    service.on_contestant_disqualified(change("c1", True, 1))  # late: older than the copy
    assert board(service) == (False, [(1, "c1"), (2, "c2"), (3, "c3")])
    service.on_contestant_disqualified(change("c1", True, 3))
    assert board(service) == (False, [(1, "c2"), (2, "c3")])


def test_other_contests_are_untouched(service):
    submit_three(service)
    service.on_contestant_disqualified(change("c1", True, 1, contest="other-2023"))
    assert board(service) == (False, [(1, "c1"), (2, "c2"), (3, "c3")])


def test_a_malformed_event_is_dropped(service):
    submit_three(service)
    service.on_contestant_disqualified({"contest": CONTEST, "contestant_id": "c1", "disqualified": True})
    assert board(service) == (False, [(1, "c1"), (2, "c2"), (3, "c3")])
