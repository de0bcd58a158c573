"""Broker users (issue 15, finding 8): scripts/broker_users.py gives the gateway and each service its own
RabbitMQ user, limited to what it uses. On a throwaway vhost with throwaway users (deleted after):
the gateway's user cannot consume a service's queue nor publish an event nor declare a queue of its
choosing; a service cannot publish another's events nor consume its queues; the broker refuses a
forged `user_id`; the gateway's user reads queue depths from the management API. (The services
running with their users: tests/services/test_broker_users.py, tests/e2e/test_broker_users.py.)"""
import urllib.parse
import uuid

import amqp
import httpx
import pytest

from tests.broker_users import connect, made_users
from tests.gateway import rabbit

API = rabbit.API


@pytest.fixture
def users():
    vhost, _uri = rabbit.create_vhost("cchc-sec-broker")
    try:
        with made_users(vhost, API) as made:
            yield made
    finally:
        rabbit.delete_vhost(vhost)



def declare(uri, exchanges=(), queues=()):
    """As `uri`'s user: declare topic exchanges and (queue, exchange, routing key) bindings."""
    with connect(uri) as conn:
        channel = conn.channel()
        for name in exchanges:
            channel.exchange_declare(name, "topic", durable=True, auto_delete=False)
        for queue, exchange, key in queues:
            channel.queue_declare(queue, durable=True, auto_delete=False)
            channel.queue_bind(queue, exchange, routing_key=key)


def consume(uri, queue):
    with connect(uri) as conn:
        conn.channel().basic_consume(queue, callback=lambda m: None)


def publish(uri, exchange, routing_key, **properties):
    with connect(uri) as conn:
        channel = conn.channel()
        channel.basic_publish(channel.prepare_message(b"{}", content_type="application/json", properties=properties),
                              exchange=exchange, routing_key=routing_key)


def test_each_user_is_limited_to_what_it_uses(users):
    uris = users["uris"]
    graded_queue = "evt-scoring-attempt_graded--quiz.on_attempt_graded"
    # What the services declare when they start, each as itself.
    declare(uris["quiz"], exchanges=["nameko-rpc", "quiz.events", "scoring.events"],
            queues=[("rpc-quiz", "nameko-rpc", "quiz.*"), (graded_queue, "scoring.events", "attempt_graded")])
    declare(uris["scoring"], exchanges=["nameko-rpc", "scoring.events"], queues=[("rpc-scoring", "nameko-rpc", "scoring.*")])

    # The gateway calls services through nameko-rpc and consumes its own reply queue...
    declare(uris["gateway"], exchanges=["nameko-rpc"],
            queues=[(f"rpc.reply-gateway-{uuid.uuid4()}", "nameko-rpc", "gw-reply")])
    publish(uris["gateway"], "nameko-rpc", "quiz.health")
    # ...and nothing else: no service's queue, no events.
    for queue in ("rpc-quiz", graded_queue):
        with pytest.raises(amqp.exceptions.AccessRefused):
            consume(uris["gateway"], queue)
    for exchange in ("scoring.events", "quiz.events"):
        with pytest.raises(amqp.exceptions.AccessRefused):
            publish(uris["gateway"], exchange, "attempt_graded")
    with pytest.raises(amqp.exceptions.AccessRefused):  # nor a queue of its own choosing
        declare(uris["gateway"], queues=[("rpc-quiz-shadow", "nameko-rpc", "quiz.*")])
    # It hears quiz's events on a queue of its own (ended sessions, gateway/sessions.py), never
    # another service's queue or events.
    declare(uris["gateway"], exchanges=["quiz.events"],
            queues=[(f"gateway.events-{uuid.uuid4()}", "quiz.events", "account_sessions_ended")])
    with pytest.raises(amqp.exceptions.AccessRefused):
        declare(uris["gateway"], queues=[(f"gateway.events-{uuid.uuid4()}", "scoring.events", "attempt_graded")])

    # A service publishes its own events only, and consumes only its own queues.
    publish(uris["scoring"], "scoring.events", "attempt_graded")
    with pytest.raises(amqp.exceptions.AccessRefused):
        publish(uris["scoring"], "quiz.events", "attempt_submitted")
    with pytest.raises(amqp.exceptions.AccessRefused):
        consume(uris["scoring"], "rpc-quiz")
    with pytest.raises(amqp.exceptions.AccessRefused):
        consume(uris["media"], graded_queue)

    # The broker checks the user_id a message claims: nobody can pass for scoring.
    scoring_user = f"{users['prefix']}-scoring"
    publish(uris["scoring"], "nameko-rpc", "quiz.health", user_id=scoring_user)
    with pytest.raises(amqp.exceptions.PreconditionFailed):
        publish(uris["gateway"], "nameko-rpc", "quiz.get_answer_keys", user_id=scoring_user)


def test_the_gateway_user_reads_queue_depths_from_the_management_api(users):
    gateway = urllib.parse.urlparse(users["uris"]["gateway"])
    base = httpx.URL(API).copy_with(username=None, password=None)
    resp = httpx.get(f"{str(base).rstrip('/')}/api/queues/{urllib.parse.quote(users['vhost'], safe='')}",
                     auth=(gateway.username, gateway.password), timeout=10)
    assert resp.status_code == 200, resp.text
