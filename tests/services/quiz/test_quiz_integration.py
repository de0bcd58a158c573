"""A real quiz container on a real broker (fresh vhost): submit -> attempt_submitted is dispatched;
scoring's attempt_graded is handled."""
import pytest
from nameko.events import event_handler
from nameko.rpc import rpc
from nameko.standalone.events import event_dispatcher
from nameko.standalone.rpc import ServiceRpcProxy
from nameko.testing.services import entrypoint_waiter

from common.db import Database
from common.errors import Conflict, Forbidden
from common.upstream import Upstream
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


class KeyReader:
    name = "key_reader"
    quiz = Upstream("quiz", 10)

    @rpc
    def keys(self, contest):
        return self.quiz.get_answer_keys(contest)


def test_answer_keys_only_for_scorings_broker_user(container_factory, rabbit_config, tmp_path, monkeypatch):
    """Issue 15, finding 8: quiz.get_answer_keys took no actor, so anyone on the broker (the gateway
    included) could read the keys of a running round. Now it answers only the broker users in
    ANSWER_KEY_CALLERS (and quiz's own), as the AMQP user_id the broker verifies says."""
    url = f"sqlite:///{tmp_path}/quiz.db"
    monkeypatch.setenv("QUIZ_DATABASE_URL", url)
    monkeypatch.setenv("SEED_DEMO", "false")
    prep = store(Database(url, config.MIGRATIONS_DIR))
    prep.run(units.import_units, ORG, data_file("units.csv"))
    make_contest(prep)
    prep.database.dispose()
    quiz = container_factory(QuizService, rabbit_config)
    quiz.start()

    # A caller that says nothing of who it is (the gateway's client sets no user_id) is refused.
    with ServiceRpcProxy("quiz", rabbit_config) as rpc:
        with pytest.raises(Forbidden) as refused:
            rpc.get_answer_keys("t-2026")
    assert refused.value.code == "caller_not_allowed"
    # A service calling through common.upstream says who it is: here the user quiz runs as too
    # (one shared user: nothing to tell apart), allowed; scoring's own user is tested in
    # tests/services/test_broker_users.py.
    reader = container_factory(KeyReader, rabbit_config)
    reader.start()
    with ServiceRpcProxy("key_reader", rabbit_config) as rpc:
        assert len(rpc.keys("t-2026")) == 40  # the contest's bank (tests/services/quiz/conftest.py)
    monkeypatch.setenv("ANSWER_KEY_CALLERS", "cchc-scoring")
