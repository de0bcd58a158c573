"""Poison messages (issue 15, finding 7): a failing event is retried with growing delays, then parked
in its service's dead-letter queue; a replay sends it back, and once the cause is fixed it is
handled once. Real RabbitMQ (a throwaway vhost per test), small delays."""
import time

import eventlet
import pytest
from nameko.rpc import rpc
from nameko.standalone.events import event_dispatcher
from nameko.standalone.rpc import ServiceRpcProxy

from common import retry
from common.errors import UpstreamUnavailable
from common.retry import DeadLetters, reliable_handler

MAX_ATTEMPTS = 4
BASE_S = 0.3
MAX_S = 1.2


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch):
    monkeypatch.setenv("EVENT_RETRY_MAX_ATTEMPTS", str(MAX_ATTEMPTS))
    monkeypatch.setenv("EVENT_RETRY_BASE_DELAY_S", str(BASE_S))
    monkeypatch.setenv("EVENT_RETRY_MAX_DELAY_S", str(MAX_S))


def wait_for(predicate, timeout=20, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        eventlet.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


STATE = {"attempts": [], "handled": [], "broken": True, "error": ValueError}


class Flaky:
    """Fails every event while STATE['broken']; records when each attempt came."""

    name = "retry_probe"
    dead_letters = DeadLetters()

    @reliable_handler("retry_source", "thing_happened")
    def on_thing(self, payload):
        STATE["attempts"].append((payload["n"], time.monotonic()))
        if STATE["broken"]:
            raise STATE["error"]("this event can never succeed")
        STATE["handled"].append(payload["n"])

    @rpc
    def dead_letter_count(self):
        return self.dead_letters.dead_letter_count()

    @rpc
    def replay(self):
        return self.dead_letters.replay()


@pytest.fixture
def flaky(container_factory, rabbit_config):
    STATE.update(attempts=[], handled=[], broken=True, error=ValueError)
    container = container_factory(Flaky, rabbit_config)
    container.start()
    return container


def test_policy_doubles_up_to_the_cap():
    policy = retry.RetryPolicy(max_attempts=5, base_delay_s=1, max_delay_s=5)
    assert [policy.delay_ms(n) for n in range(1, 6)] == [1000, 2000, 4000, 5000, 5000]
    assert policy.delays_ms() == [1000, 2000, 4000, 5000]


def test_poison_event_is_retried_with_growing_delays_then_dead_lettered_and_replayed(flaky, rabbit_config):
    dispatch = event_dispatcher(rabbit_config)
    dispatch("retry_source", "thing_happened", {"n": 1})
    with ServiceRpcProxy("retry_probe", rabbit_config) as probe:
        wait_for(lambda: probe.dead_letter_count() == 1, what="the dead letter")
        times = [t for _, t in STATE["attempts"]]
        assert len(times) == MAX_ATTEMPTS  # then it stopped: no spinning
        gaps = [b - a for a, b in zip(times, times[1:])]
        expected = [BASE_S * 2 ** i for i in range(MAX_ATTEMPTS - 1)]  # 0.3, 0.6, 1.2
        assert all(gap >= want * 0.9 for gap, want in zip(gaps, expected)), gaps
        assert gaps[0] < gaps[1] < gaps[2], gaps
        eventlet.sleep(MAX_S * 2)
        assert len(STATE["attempts"]) == MAX_ATTEMPTS and STATE["handled"] == []

        # The cause is fixed: one replay, handled exactly once, the dead-letter queue empty.
        STATE["broken"] = False
        assert probe.replay() == 1
        wait_for(lambda: STATE["handled"] == [1], what="the replayed event")
        eventlet.sleep(0.5)
        assert STATE["handled"] == [1] and probe.dead_letter_count() == 0


def test_a_replayed_event_that_fails_again_gets_its_attempts_afresh(flaky, rabbit_config):
    dispatch = event_dispatcher(rabbit_config)
    dispatch("retry_source", "thing_happened", {"n": 2})
    with ServiceRpcProxy("retry_probe", rabbit_config) as probe:
        wait_for(lambda: probe.dead_letter_count() == 1, what="the dead letter")
        assert probe.replay() == 1
        wait_for(lambda: probe.dead_letter_count() == 1, what="the dead letter again")
        assert len(STATE["attempts"]) == 2 * MAX_ATTEMPTS


def test_transient_faults_are_retried_without_limit(flaky, rabbit_config):
    """Another service down is not the message's fault: it is never dead-lettered."""
    STATE["error"] = lambda text: UpstreamUnavailable("quiz", text)
    dispatch = event_dispatcher(rabbit_config)
    dispatch("retry_source", "thing_happened", {"n": 3})
    with ServiceRpcProxy("retry_probe", rabbit_config) as probe:
        wait_for(lambda: len(STATE["attempts"]) >= MAX_ATTEMPTS + 2, timeout=30, what="more retries")
        assert probe.dead_letter_count() == 0
        STATE["broken"] = False
        wait_for(lambda: STATE["handled"] == [3], what="the event once quiz is back")


def test_park_counts_only_the_events_own_failures():
    """Unit: where park sends a message, by its counters and the kind of error (no broker)."""
    from unittest import mock

    broker = retry.RetryBroker()
    broker.service, broker.names = "svc", retry.names("svc")
    broker.policy = retry.RetryPolicy(max_attempts=3, base_delay_s=1, max_delay_s=4)
    broker._publish = mock.Mock()
    message = mock.Mock(headers={retry.RETRIES_HEADER: 5, retry.FAILURES_HEADER: 2})
    assert broker.park(message, "q", (None, ValueError("bad"), None)) == "svc.dead-letter"
    assert broker.park(message, "q", (None, UpstreamUnavailable("quiz"), None)) == "svc.retry.4000"
    # A handler may name more transient errors (media: the object store unreachable).
    assert broker.park(message, "q", (None, KeyError("x"), None), retry.TRANSIENT + (KeyError,)) == "svc.retry.4000"
    _, _, _, headers = broker._publish.call_args.args
    assert headers[retry.RETRIES_HEADER] == 6 and headers[retry.FAILURES_HEADER] == 2
    assert headers[retry.QUEUE_HEADER] == "q" and headers[retry.ERROR_HEADER].startswith("KeyError")
    fresh = mock.Mock(headers={})
    assert broker.park(fresh, "q", (None, ValueError("bad"), None)) == "svc.retry.1000"


def test_a_dead_letter_whose_queue_is_gone_stays(flaky, rabbit_config):
    """Replay publishes `mandatory`: a message no queue would take is kept, not lost."""
    import kombu

    with kombu.Connection(rabbit_config["AMQP_URI"]) as conn:
        channel = conn.channel()
        channel.basic_publish(channel.prepare_message(
            b'{"n": 9}', content_type="application/json", content_encoding="utf-8",
            headers={retry.QUEUE_HEADER: "evt-retry_source-gone--retry_probe.on_gone"}),
            exchange="", routing_key="retry_probe.dead-letter")
    with ServiceRpcProxy("retry_probe", rabbit_config) as probe:
        wait_for(lambda: probe.dead_letter_count() == 1, what="the dead letter")
        assert probe.replay() == 0
        wait_for(lambda: probe.dead_letter_count() == 1, what="the dead letter kept")
    assert STATE["attempts"] == []
