"""Keep a service process alive when RabbitMQ goes away while workers are busy (nameko 2.14).

nameko's `QueueConsumer.ack_message` / `requeue_message` ignore amqp's `ConnectionError` only. When the
broker stops (restart, failover) while a worker is finishing, the ack fails lower down, at the socket
(`ConnectionResetError`, `BrokenPipeError`), the worker thread dies with it, and nameko kills the whole
container: the process exits and the service is gone until someone restarts it
(tests/e2e/test_quiz_faults.py stops RabbitMQ under load to check that they survive).

Ignoring the failed ack is right: an unacknowledged message is already back in its queue on the
broker and is delivered again once the consumer has reconnected (every handler here is idempotent).
Likewise an RPC reply that cannot be published: the caller's reply queue went with its connection, it
gets a timeout (503) and retries (every RPC is idempotent, docs/CONTRACTS.md).

RPC replies are also sent more cheaply than nameko does (`send_response`): serialized once instead
of twice, as one basic.publish on a connection kept for replies, without publisher confirms
(`python -m bench.replies` compares the two; bench/RESULTS.md). A reply goes to the caller's own
reply queue, which dies with the caller's connection; a confirm could only tell us the broker took it, and nothing would be
done differently if it did not (the caller times out and retries, as above). Events keep their
confirms: the outbox marks an event published only once the broker has it.

`apply()` runs when common.nameko_deps is imported, i.e. in every service; it is idempotent.
"""
import logging
import sys

import eventlet
import kombu
from amqp.exceptions import ConnectionError as AmqpConnectionError
from eventlet.semaphore import Semaphore
from kombu import serialization
from kombu.exceptions import OperationalError
from nameko import messaging, rpc
from nameko.constants import NON_PERSISTENT
from nameko.exceptions import UnserializableValueError, serialize

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


class ReplySender:
    """One AMQP connection per process (per broker address) for RPC replies: a reply is one
    basic.publish on it, without confirms, serialized by a green lock (frames of two messages
    must not interleave on a channel). nameko's own path built a kombu Connection and borrowed a
    pooled producer for every reply, a cost paid on every request (bench/RESULTS.md).

    On any error the connection is dropped and the next reply opens a new one; the reply itself is
    lost, which the caller sees as a timeout (see above).
    """

    def __init__(self):
        self._lock = Semaphore()
        self._conns = {}

    def send(self, amqp_uri, ssl, exchange, routing_key, body, content_type, content_encoding, correlation_id):
        key = (amqp_uri, repr(ssl))
        with self._lock:
            conn = self._conns.get(key)
            try:
                if conn is None:
                    conn = self._conns[key] = _reply_connection(amqp_uri, ssl)
                elif _closed_by_peer(conn):
                    # The broker restarted or closed us: a write would still succeed once, into a
                    # dead socket, and that reply would be lost. Reconnect first.
                    self._drop(key)
                    conn = self._conns[key] = _reply_connection(amqp_uri, ssl)
                channel = conn.default_channel
                message = channel.prepare_message(
                    body, content_type=content_type, content_encoding=content_encoding,
                    properties={"correlation_id": correlation_id, "delivery_mode": NON_PERSISTENT})
                channel.basic_publish(message, exchange=exchange, routing_key=routing_key)
            except BaseException:
                self._drop(key)
                raise

    def _drop(self, key):
        conn = self._conns.pop(key, None)
        if conn is not None:
            try:
                conn.release()
            except Exception:
                pass

    def close(self):
        for key in list(self._conns):
            self._drop(key)


def _reply_connection(amqp_uri, ssl):
    # No retries here: a broker that is away costs one reply, not a stall of every worker.
    return kombu.Connection(amqp_uri, ssl=ssl, heartbeat=0, connect_timeout=2, transport_options={"max_retries": 1})


_select = eventlet.patcher.original("select")


def _closed_by_peer(conn):
    """Has the broker said anything on this connection? Replies only write, so anything readable
    (Connection.Close on a broker shutdown, or end of stream) means the connection is over."""
    transport = getattr(conn.connection, "transport", None) if conn.connected else None
    sock = getattr(transport, "sock", None)
    if sock is None:
        return True
    poller = _select.poll()
    poller.register(sock.fileno(), _select.POLLIN | _select.POLLERR | _select.POLLHUP)
    return bool(poller.poll(0))


REPLIES = ReplySender()
_nameko_send_response = rpc.Responder.send_response  # nameko's own, for bench/replies.py


def send_response(self, result, exc_info):
    error = serialize(exc_info[1]) if exc_info is not None else None
    content_type = self.message.properties["content_type"]  # reply encoded as the request was
    serializer = serialization.registry.type_to_name[content_type]
    try:
        _type, encoding, body = serialization.dumps({"result": result, "error": error}, serializer)
    except Exception:
        # As nameko: an unserializable result fails the worker with UnserializableValueError.
        exc_info = sys.exc_info()
        error = serialize(UnserializableValueError(result))
        result = None
        _type, encoding, body = serialization.dumps({"result": None, "error": error}, serializer)
    if isinstance(body, str):
        body = body.encode(encoding)
    try:
        REPLIES.send(self.amqp_uri, self.ssl, getattr(self.exchange, "name", self.exchange),
                     self.message.properties["reply_to"], body, content_type, encoding,
                     self.message.properties.get("correlation_id"))
    except CONNECTION_ERRORS as exc:
        log.warning("could not send an RPC reply (broker connection lost: %r); the caller times out and retries", exc)
    return result, exc_info


def apply():
    messaging.QueueConsumer.ack_message = ack_message
    messaging.QueueConsumer.requeue_message = requeue_message
    rpc.Responder.send_response = send_response
