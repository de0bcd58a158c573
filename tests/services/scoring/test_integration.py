"""The scoring service in a real nameko container on a throwaway vhost and PostgreSQL database:
events from "quiz" in, the grade over RPC, `attempt_graded` and `round_ranked` out."""
from nameko.events import event_handler
from nameko.standalone.events import event_dispatcher
from nameko.standalone.rpc import ServiceRpcProxy
from nameko.testing.services import entrypoint_waiter

from services.scoring.service import ScoringService

from .helpers import CONTEST, attempt, bank_changed, round_closed


class Listener:
    """Stands in for the quiz service, which listens to these events."""

    name = "scoring_test_listener"

    @event_handler("scoring", "attempt_graded")
    def on_graded(self, payload):
        return payload

    @event_handler("scoring", "round_ranked")
    def on_ranked(self, payload):
        return payload


def test_events_in_grade_and_events_out(container_factory, rabbit_config, pg_url, monkeypatch):
    monkeypatch.setenv("SCORING_DATABASE_URL", pg_url)
    scoring = container_factory(ScoringService, rabbit_config)
    listener = container_factory(Listener, rabbit_config)
    scoring.start()
    listener.start()
    dispatch = event_dispatcher(rabbit_config)

    with entrypoint_waiter(scoring, "on_bank_changed"):
        dispatch("quiz", "bank_changed", bank_changed())

    with entrypoint_waiter(listener, "on_graded") as graded:
        dispatch("quiz", "attempt_submitted", attempt("att-int-1", "c1", 13, prediction=1))
    payload = graded.get()
    assert {k: payload[k] for k in ("attempt_id", "contest", "round", "contestant_id", "correct", "total")} == {
        "attempt_id": "att-int-1", "contest": CONTEST, "round": 1, "contestant_id": "c1",
        "correct": 13, "total": 20,
    }
    assert payload["event_id"]

    with ServiceRpcProxy("scoring", rabbit_config) as rpc:
        with entrypoint_waiter(listener, "on_ranked") as ranked:
            dispatch("quiz", "round_closed", round_closed(1))
        assert {k: ranked.get()[k] for k in ("contest", "round", "actual", "ranked_contestants")} == {
            "contest": CONTEST, "round": 1, "actual": 1, "ranked_contestants": 1}

        board = rpc.get_leaderboard(CONTEST, 1)
    assert board["final"] is True and board["actual_attempts"] == 1
    assert [(r["rank"], r["contestant_id"], r["correct"], r["prediction_diff"]) for r in board["rows"]] == [
        (1, "c1", 13, 0)]
