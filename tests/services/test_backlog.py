"""common/backlog.py against the real RabbitMQ: the ready count of a queue, cached, 0 when unknown."""
import time

import kombu
import pytest

from common.backlog import QueueBacklog


@pytest.fixture
def amqp_uri(rabbit_config):
    return rabbit_config["AMQP_URI"]


def backlog_of(amqp_uri, queue, refresh_s=0.0):
    backlog = QueueBacklog(queue, refresh_s=refresh_s)
    backlog.amqp_uri = amqp_uri  # what setup() reads from the container's config
    return backlog


def fill(amqp_uri, queue, n):
    with kombu.Connection(amqp_uri) as conn:
        q = kombu.Queue(queue, durable=False, auto_delete=False)
        producer = conn.Producer()
        for i in range(n):
            producer.publish({"i": i}, routing_key=queue, declare=[q])


def test_counts_the_messages_waiting_and_caches_the_reading(amqp_uri):
    fill(amqp_uri, "rpc-busy", 7)
    backlog = backlog_of(amqp_uri, "rpc-busy")
    assert backlog.ready() == 7
    fill(amqp_uri, "rpc-busy", 3)
    assert backlog.ready() == 10
    cached = backlog_of(amqp_uri, "rpc-busy", refresh_s=60)
    assert cached.ready() == 10
    fill(amqp_uri, "rpc-busy", 1)
    assert cached.ready() == 10  # read at most every refresh_s
    backlog.stop()
    cached.stop()


def test_unknown_queue_or_broker_reads_as_no_backlog(amqp_uri):
    backlog = backlog_of(amqp_uri, "rpc-never-declared")
    assert backlog.ready() == 0
    fill(amqp_uri, "rpc-never-declared", 2)  # the channel was reset after the 404: reads again
    time.sleep(0.01)
    assert backlog.ready() == 2
    backlog.stop()
    assert backlog_of("amqp://guest:guest@127.0.0.1:1//", "rpc-x").ready() == 0


def test_calls_per_second_is_a_sliding_window(monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(time, "monotonic", lambda: clock[0])
    backlog = QueueBacklog("rpc-quiz")
    assert backlog.calls_per_s() == 0
    backlog.count_calls(30)
    backlog.count_calls()
    assert backlog.calls_per_s() == 31
    clock[0] = 1001.25  # a quarter into the next second: three quarters of the last one still count
    backlog.count_calls(10)
    assert backlog.calls_per_s() == pytest.approx(10 + 31 * 0.75)
    clock[0] = 1002.5
    assert backlog.calls_per_s() == pytest.approx(10 * 0.5)
    clock[0] = 1010.0  # quiet for seconds: nothing counts
    assert backlog.calls_per_s() == 0
    backlog.count_calls(4)
    assert backlog.calls_per_s() == 4
