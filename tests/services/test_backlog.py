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
