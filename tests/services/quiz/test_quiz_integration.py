"""A real quiz container on a real broker (fresh vhost): submit -> attempt_submitted is dispatched;
scoring's attempt_graded is handled."""
import pytest
from nameko.events import event_handler
from nameko.standalone.events import event_dispatcher
from nameko.standalone.rpc import ServiceRpcProxy
from nameko.testing.services import entrypoint_waiter

from common.db import Database
from common.errors import Conflict
from services.quiz import config
from services.quiz.service import QuizService
from services.quiz.domain import units
from tests.services.quiz.conftest import ORG, data_file, make_contest, register, store, to_bank


class Listener:
    """Stands in for scoring: records what quiz publishes."""

    name = "listener"

    @event_handler("quiz", "attempt_submitted")
    def on_submitted(self, payload):
        return payload


def test_submit_dispatches_and_graded_is_handled(container_factory, rabbit_config, tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path}/quiz.db"
    monkeypatch.setenv("QUIZ_DATABASE_URL", url)
    monkeypatch.setenv("SEED_DEMO", "false")
    prep = store(Database(url, config.MIGRATIONS_DIR))
    prep.run(units.import_units, ORG, data_file("units.csv"))
    make_contest(prep)
    actor = register(prep)
    prep.database.dispose()

    quiz = container_factory(QuizService, rabbit_config)
    listener = container_factory(Listener, rabbit_config)
    quiz.start()
    listener.start()

    with ServiceRpcProxy("quiz", rabbit_config) as rpc:
        paper = rpc.start_attempt(actor, "t-2026", 1)
        answers = {q["id"]: "A" for q in paper["questions"]}
        with entrypoint_waiter(listener, "on_submitted", timeout=30) as waited:
            assert rpc.submit_attempt(actor, paper["attempt_id"], answers, 42) == {
                "attempt_id": paper["attempt_id"], "status": "submitted"}
        payload = waited.get()
        # Bank letters: the option each paper showed first (per-attempt letters, issue 14).
        check = store(Database(url, config.MIGRATIONS_DIR))
        assert payload["attempt_id"] == paper["attempt_id"] and payload["answers"] == to_bank(
            check, paper["attempt_id"], answers)
        check.database.dispose()
        assert payload["prediction"] == 42 and payload["event_id"]

        dispatch = event_dispatcher(rabbit_config)
        graded = {"attempt_id": paper["attempt_id"], "contest": "t-2026", "round": 1,
                  "contestant_id": actor["id"], "correct": 2, "total": 5, "event_id": "g-1"}
        with entrypoint_waiter(quiz, "on_attempt_graded", timeout=30):
            dispatch("scoring", "attempt_graded", graded)
        got = rpc.get_attempt(actor, paper["attempt_id"])
        assert (got["status"], got["correct"], got["total"]) == ("graded", 2, 5)

        # A domain error crosses the wire as its class and code (common.errors is registered with
        # nameko's exception registry).
        with pytest.raises(Conflict) as exc:
            rpc.start_attempt(actor, "t-2026", 2)  # round 2 is scheduled: start must be refused
        assert exc.value.code == "round_not_open"
