"""A submitted attempt naming a question quiz has no key for can never be graded (issue 15, finding 7).
The scoring service in a real container: the event is retried a few times with growing delays,
then parked in `scoring.dead-letter` instead of spinning forever; once quiz has the key, a replay
grades it exactly once."""
import time

import eventlet
import kombu
import sqlalchemy
from nameko.rpc import rpc
from nameko.standalone.events import event_dispatcher
from nameko.standalone.rpc import ServiceRpcProxy

from services.scoring import config
from services.scoring.models import GradedAttempt
from services.scoring.service import ScoringService

from .helpers import attempt, keys

ASKED = []
QUIZ_KEYS = {}


class FakeQuiz:
    name = "quiz"

    @rpc
    def get_answer_keys(self, contest, *args, **kwargs):
        ASKED.append(time.monotonic())
        return dict(QUIZ_KEYS)


def dead_letters(rabbit_config):
    with kombu.Connection(rabbit_config["AMQP_URI"]) as conn:
        try:
            return conn.default_channel.queue_declare("scoring.dead-letter", passive=True).message_count
        except Exception:
            return None  # no such queue


def graded(url):
    engine = sqlalchemy.create_engine(url)
    try:
        with engine.connect() as conn:
            return list(conn.scalars(sqlalchemy.select(GradedAttempt.attempt_id)))
    finally:
        engine.dispose()


def wait_for(predicate, timeout=20, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        eventlet.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_ungradable_attempt_is_dead_lettered_then_replayed_once_fixed(
        container_factory, rabbit_config, sqlite_url, monkeypatch):
    monkeypatch.setenv("SCORING_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("EVENT_RETRY_MAX_ATTEMPTS", "3")
    monkeypatch.setenv("EVENT_RETRY_BASE_DELAY_S", "0.4")
    monkeypatch.setenv("EVENT_RETRY_MAX_DELAY_S", "2")
    monkeypatch.setattr(config.settings, "missing_key_retry_delay_s", 0)
    ASKED.clear()
    QUIZ_KEYS.clear()
    QUIZ_KEYS.update(keys(19))  # q20 has no key anywhere
    scoring = container_factory(ScoringService, rabbit_config)
    quiz = container_factory(FakeQuiz, rabbit_config)
    scoring.start()
    quiz.start()

    event_dispatcher(rabbit_config)("quiz", "attempt_submitted", attempt("att-poison", "c1", 13))
    wait_for(lambda: dead_letters(rabbit_config) == 1, what="the dead letter")
    eventlet.sleep(2)
    assert len(ASKED) == 3  # three attempts, then it stopped
    assert 0.35 <= ASKED[1] - ASKED[0] < ASKED[2] - ASKED[1]  # growing delays

    with ServiceRpcProxy("scoring", rabbit_config) as rpc_scoring:
        QUIZ_KEYS.update(keys(20))  # the bank is fixed
        replayed = rpc_scoring.replay_dead_letters({"id": "m1", "username": "giamsat", "role": "monitor"})
        assert replayed == {"service": "scoring", "replayed": 1, "remaining": 0}
        wait_for(lambda: graded(sqlite_url) == ["att-poison"], what="the grade")
        eventlet.sleep(1)
        assert graded(sqlite_url) == ["att-poison"]
        assert len(ASKED) == 4 and dead_letters(rabbit_config) == 0
