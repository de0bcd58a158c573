"""Keep a service process alive when RabbitMQ goes away while workers are busy (nameko 2.14).

nameko's `QueueConsumer.ack_message` / `requeue_message` ignore amqp's `ConnectionError` only. When the
broker stops (restart, failover) while a worker is finishing, the ack fails lower down, at the socket
(`ConnectionResetError`, `BrokenPipeError`), the worker thread dies with it, and nameko kills the whole
container: the process exits and the service is gone until someone restarts it. Seen in
tests/e2e/test_quiz_faults.py: quiz ×2 and scoring died on `rabbitmqctl stop_app` under load.

Ignoring the failed ack is right: an unacknowledged message is already back in its queue on the
broker and is delivered again once the consumer has reconnected (every handler here is idempotent).
Likewise an RPC reply that cannot be published: the caller's reply queue went with its connection, it
gets a timeout (503) and retries (every RPC is idempotent, docs/CONTRACTS.md).

`apply()` runs when common.nameko_deps is imported, i.e. in every service; it is idempotent.
"""
import logging

from amqp.exceptions import ConnectionError as AmqpConnectionError
from kombu.exceptions import OperationalError
from nameko import messaging, rpc

log = logging.getLogger(__name__)

# What a lost broker connection raises on a publish or an ack.
CONNECTION_ERRORS = (AmqpConnectionError, OperationalError, OSError)


def _settle(action, message):
    # Only while the message's connection looks alive (as nameko does); otherwise the broker has
    # reclaimed the message already.
    if not message.channel.connection:
        return
    try:
        getattr(message, action)()
    except CONNECTION_ERRORS as exc:
        log.warning("could not %s a message (broker connection lost: %r); the broker delivers it again", action, exc)


def ack_message(self, message):
    _settle("ack", message)


def requeue_message(self, message):
    _settle("requeue", message)


_send_response = rpc.Responder.send_response


def send_response(self, result, exc_info):
    try:
        return _send_response(self, result, exc_info)
    except CONNECTION_ERRORS as exc:
        log.warning("could not send an RPC reply (broker connection lost: %r); the caller times out and retries", exc)
        return result, exc_info


def apply():
    messaging.QueueConsumer.ack_message = ack_message
    messaging.QueueConsumer.requeue_message = requeue_message
    rpc.Responder.send_response = send_response
