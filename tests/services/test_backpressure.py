"""common/backpressure.py: the rush signal. The ready count of a queue against the real RabbitMQ
(cached, 0 when unknown), the call rate on a clock the test moves, and the two added up."""
import types

import kombu
import pytest
from nameko.constants import AMQP_URI_CONFIG_KEY

from common.backpressure import Backpressure, CallRate, Pressure, QueueDepth
from tests.fakes import Clock, Queue


@pytest.fixture
def amqp_uri(rabbit_config):
    return rabbit_config["AMQP_URI"]


def fill(amqp_uri, queue, n):
    with kombu.Connection(amqp_uri) as conn:
        q = kombu.Queue(queue, durable=False, auto_delete=False)
        producer = conn.Producer()
        for i in range(n):
            producer.publish({"i": i}, routing_key=queue, declare=[q])


def test_counts_the_messages_waiting_and_caches_the_reading(amqp_uri):
    fill(amqp_uri, "rpc-busy", 7)
    depth = QueueDepth(amqp_uri, "rpc-busy", refresh_s=0.0)
    assert depth.ready() == 7
    fill(amqp_uri, "rpc-busy", 3)
    assert depth.ready() == 10
    cached = QueueDepth(amqp_uri, "rpc-busy", refresh_s=60)
    assert cached.ready() == 10
    fill(amqp_uri, "rpc-busy", 1)
    assert cached.ready() == 10  # read at most every refresh_s
    depth.close()
    cached.close()


def test_unknown_queue_or_broker_reads_as_no_backlog(amqp_uri):
    depth = QueueDepth(amqp_uri, "rpc-never-declared", refresh_s=0.0)
    assert depth.ready() == 0
    fill(amqp_uri, "rpc-never-declared", 2)  # the channel was reset after the 404: reads again
    assert depth.ready() == 2
    depth.close()
    assert QueueDepth("amqp://guest:guest@127.0.0.1:1//", "rpc-x", refresh_s=0.0).ready() == 0


def test_the_dependency_reads_its_own_service_queue(amqp_uri):
    fill(amqp_uri, "rpc-busy", 4)
    provider = Backpressure(threshold=3)
    provider.container = types.SimpleNamespace(config={AMQP_URI_CONFIG_KEY: amqp_uri}, service_name="busy")
    provider.setup()
    try:
        pressure = provider.get_dependency(None)
        assert pressure.depth.queue == "rpc-busy" and pressure.busy()  # 4 requests waiting >= 3
    finally:
        provider.stop()


def test_calls_per_second_is_a_sliding_window():
    clock = Clock(1000.0)
    rate = CallRate(clock)
    assert rate.per_s() == 0
    rate.count(30)
    rate.count()
    assert rate.per_s() == 31
    clock.now = 1001.25  # a quarter into the next second: three quarters of the last one still count
    rate.count(10)
    assert rate.per_s() == pytest.approx(10 + 31 * 0.75)
    clock.now = 1002.5
    assert rate.per_s() == pytest.approx(10 * 0.5)
    clock.now = 1010.0  # quiet for seconds: nothing counts
    assert rate.per_s() == 0
    rate.count(4)
    assert rate.per_s() == 4


def test_busy_adds_the_call_rate_and_the_queued_requests():
    clock, queue = Clock(1000.0), Queue()
    pressure = Pressure(CallRate(clock), queue, threshold=50)
    pressure.count_calls(30)
    assert not pressure.busy()
    queue.waiting = 20  # 30 calls this second + 20 waiting
    assert pressure.busy() and pressure.level() == 50
    queue.waiting = 0
    assert not pressure.busy()
    pressure.count_calls(20)
    assert pressure.busy()
    clock.now += 2  # the rush is over
    assert not pressure.busy() and pressure.level() == 0
    assert not Pressure(CallRate(clock), None, threshold=50).busy()  # no queue known: the rate alone


def test_a_zero_threshold_is_never_busy():
    pressure = Pressure(CallRate(Clock(1000.0)), Queue(10_000), threshold=0)
    pressure.count_calls(10_000)
    assert not pressure.busy()
