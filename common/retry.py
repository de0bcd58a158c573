"""Event handlers that retry a failed event with growing delays, then park it in a dead-letter queue.

nameko's `requeue_on_error=True` puts a failed message straight back at the head of its queue: an
event that can never succeed (a question without a key, a value too long for a column) is handled
again at once, forever, and keeps a worker busy doing so. Every service's event handlers use
`reliable_handler(source, event_type)` from here instead:

- a failed message is republished, with its attempt counters in headers, to a delay queue of the
  service (`<service>.retry.<ms>`: every message in it waits `ms`, then the broker dead-letters it
  back, through the headers exchange `<service>.retry-return`, to the event queue it came from);
  the delay doubles after each failure, from EVENT_RETRY_BASE_DELAY_S up to EVENT_RETRY_MAX_DELAY_S;
- after EVENT_RETRY_MAX_ATTEMPTS failed attempts it goes to `<service>.dead-letter` instead, with
  the queue it came from and the last error in its headers. The monitor page shows how many wait
  there; `replay_dead_letters` (an RPC every service has, `DeadLetterRpc`) sends them back to their
  queues with fresh counters, once the cause is fixed;
- a transient fault (another service or the database unreachable) is retried with the same
  backoff but never dead-lettered: a long outage must not need an operator to replay every
  submission of a rush.

Nothing is lost: the failed message is acknowledged only after the broker has confirmed the
republished copy (publisher confirms, `mandatory` so that a copy no queue takes counts as a
failure); if republishing fails the message is requeued as before. A copy confirmed whose original
then cannot be acknowledged (connection lost) is handled twice, which every handler absorbs
(they are idempotent, docs/ARCHITECTURE.md).

One delay queue per delay rather than per-message TTLs in one queue: RabbitMQ expires messages
only at a queue's head, so a 5-minute message would hold back a 1-second one behind it.
"""
import logging

import amqp
import kombu
from eventlet.semaphore import Semaphore
from nameko.constants import AMQP_URI_CONFIG_KEY
from nameko.events import EventHandler
from nameko.extensions import DependencyProvider, SharedExtension
from nameko.rpc import rpc
from sqlalchemy.exc import InterfaceError, OperationalError

from common.auth import require
from common.errors import EXPECTED, UpstreamUnavailable
from common.nameko_patches import CONNECTION_ERRORS
from common.settings import env_float, env_int

log = logging.getLogger(__name__)

# Headers on a retried or dead-lettered message. Not "x-": a headers exchange ignores those.
QUEUE_HEADER = "cchc-queue"  # the event queue the message belongs to
RETRIES_HEADER = "cchc-retries"  # times it was sent to a delay queue (the next delay grows with it)
FAILURES_HEADER = "cchc-failures"  # failed attempts that count towards the dead-letter queue
ERROR_HEADER = "cchc-error"  # the last error, for whoever reads the dead-letter queue
MAX_ERROR_CHARS = 500

# Faults of the platform, not of the message: retried without limit (see above).
TRANSIENT = (UpstreamUnavailable, OperationalError, InterfaceError) + CONNECTION_ERRORS


class RetryPolicy:
    """The backoff and the limit, from the environment (read when a service starts)."""

    def __init__(self, max_attempts=None, base_delay_s=None, max_delay_s=None):
        # Handling attempts before the dead-letter queue: 8 spans about 4 minutes at the defaults.
        self.max_attempts = max(1, max_attempts or env_int("EVENT_RETRY_MAX_ATTEMPTS", 8))
        # The first retry waits this long; each next one twice as long as the one before...
        self.base_delay_s = base_delay_s or env_float("EVENT_RETRY_BASE_DELAY_S", 2.0)
        # ...up to this (transient faults go on retrying at this pace).
        self.max_delay_s = max(self.base_delay_s, max_delay_s or env_float("EVENT_RETRY_MAX_DELAY_S", 300.0))

    def delay_ms(self, retries):
        """Delay before retry number `retries` (1 = the first)."""
        delay = self.base_delay_s * 2 ** max(0, retries - 1)
        return int(round(min(delay, self.max_delay_s) * 1000))

    def delays_ms(self):
        """Every delay this policy uses: one delay queue each."""
        delays, retries = set(), 1
        while True:
            delays.add(self.delay_ms(retries))
            if self.delay_ms(retries) >= self.max_delay_s * 1000:
                return sorted(delays)
            retries += 1


def names(service):
    return {
        "retry_exchange": f"{service}.retry",
        "return_exchange": f"{service}.retry-return",
        "dead_letter": f"{service}.dead-letter",
    }


def delay_queue(service, ms):
    return f"{service}.retry.{ms}"


def _headers(message):
    return dict(message.headers or {})


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


class RetryBroker(SharedExtension):
    """The retry topology of one service and the one connection it republishes on.

    Shared by the service's `reliable_handler` entrypoints and its `DeadLetters` dependency.
    """

    def __init__(self):
        self._lock = Semaphore()
        self._conn = None
        self._declared = False
        self._unbound = []  # event queues not bound to the return exchange yet
        self.policy = None

    def setup(self):
        # Also called by the handlers' own setup, which nameko may run before this one.
        if self.policy is not None:
            return
        self.service = self.container.service_name
        self.amqp_uri = self.container.config[AMQP_URI_CONFIG_KEY]
        self.names = names(self.service)
        self.policy = RetryPolicy()

    def stop(self):
        with self._lock:
            self._drop()

    # --- connection ---------------------------------------------------------------------------

    def _channel(self):
        if self._conn is None:
            # Publisher confirms: `basic_publish` returns only once the broker has the message.
            conn = kombu.Connection(self.amqp_uri, heartbeat=0, connect_timeout=5,
                                    transport_options={"confirm_publish": True, "max_retries": 1})
            conn.connect()
            self._conn = conn
        return self._conn.default_channel

    def _drop(self):
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.release()
            except Exception:
                pass

    # --- topology -------------------------------------------------------------------------------

    def declare(self, event_queue=None):
        """Declare the service's retry exchanges and queues (once), and bind `event_queue` (an
        event handler's kombu Queue) to the return exchange. Idempotent; what a failure leaves
        undone is retried at the next call (`park` calls it before it publishes)."""
        self.setup()
        with self._lock:
            if event_queue is not None:
                self._unbound.append(event_queue)
            if self._declared and not self._unbound:
                return
            try:
                channel = self._channel()
                if not self._declared:
                    self._declare_service(channel)
                    self._declared = True
                while self._unbound:
                    queue = self._unbound[0]
                    # The same declaration as nameko's consumer makes, so that it can be bound now.
                    queue(channel).declare()
                    channel.queue_bind(queue.name, self.names["return_exchange"], routing_key="",
                                       arguments={"x-match": "all", QUEUE_HEADER: queue.name})
                    self._unbound.pop(0)
            except BaseException:
                self._drop()
                raise

    def _declare_service(self, channel):
        n = self.names
        channel.exchange_declare(n["retry_exchange"], "direct", durable=True, auto_delete=False)
        channel.exchange_declare(n["return_exchange"], "headers", durable=True, auto_delete=False)
        channel.queue_declare(n["dead_letter"], durable=True, auto_delete=False)
        channel.queue_bind(n["dead_letter"], n["retry_exchange"], routing_key="dead-letter")
        for ms in self.policy.delays_ms():
            name = delay_queue(self.service, ms)
            channel.queue_declare(name, durable=True, auto_delete=False, arguments={
                "x-message-ttl": ms, "x-dead-letter-exchange": n["return_exchange"]})
            channel.queue_bind(name, n["retry_exchange"], routing_key=f"delay.{ms}")

    # --- a failed message -----------------------------------------------------------------------

    def park(self, message, queue_name, exc_info, transient=TRANSIENT):
        """Republish a failed `message` of `queue_name` to its next delay queue or, out of
        attempts, to the dead-letter queue; returns where it went. Raises if the broker did not
        confirm (the caller then requeues the message)."""
        headers = _headers(message)
        exc = exc_info[1]
        retries = _int(headers.get(RETRIES_HEADER)) + 1
        failures = _int(headers.get(FAILURES_HEADER))
        transient = isinstance(exc, transient)
        if not transient:
            failures += 1
        headers.update({QUEUE_HEADER: queue_name, RETRIES_HEADER: retries, FAILURES_HEADER: failures,
                        ERROR_HEADER: f"{type(exc).__name__}: {exc}"[:MAX_ERROR_CHARS]})
        if not transient and failures >= self.policy.max_attempts:
            routing_key, where = "dead-letter", self.names["dead_letter"]
        else:
            ms = self.policy.delay_ms(retries)
            routing_key, where = f"delay.{ms}", delay_queue(self.service, ms)
        self._publish(self.names["retry_exchange"], routing_key, message, headers)
        return where

    def _publish(self, exchange, routing_key, message, headers):
        self.declare()
        for attempt in (1, 2):
            with self._lock:
                try:
                    channel = self._channel()
                    prepared = channel.prepare_message(
                        message.body, content_type=message.content_type,
                        content_encoding=message.content_encoding, headers=headers,
                        properties={"delivery_mode": 2})
                    # mandatory: a copy no queue takes raises here instead of vanishing.
                    channel.basic_publish(prepared, exchange=exchange, routing_key=routing_key, mandatory=True)
                    return
                except CONNECTION_ERRORS:
                    self._drop()
                    if attempt == 2:
                        raise
                    # A connection idle since the last failure may have been closed under us:
                    # once more on a new one.
                except BaseException:
                    self._drop()
                    raise

    # --- the dead-letter queue ------------------------------------------------------------------

    def dead_letter_count(self):
        self.declare()
        with self._lock:
            try:
                _, count, _ = self._channel().queue_declare(self.names["dead_letter"], passive=True)
                return count
            except BaseException:
                self._drop()
                raise

    def replay(self, limit=None):
        """Move up to `limit` (all when None) dead letters back to their event queues, counters
        reset. Each is acknowledged only after its copy is confirmed; a message whose queue is gone
        stays in the dead-letter queue (and stops the replay). Returns how many were moved."""
        self.declare()
        moved = 0
        conn = kombu.Connection(self.amqp_uri, heartbeat=0, connect_timeout=5,
                                transport_options={"confirm_publish": True, "max_retries": 1})
        try:
            channel = conn.default_channel
            while limit is None or moved < limit:
                got = channel.basic_get(self.names["dead_letter"], no_ack=False)
                if got is None:
                    break
                headers = {k: v for k, v in (got.headers or {}).items()
                           if k not in (RETRIES_HEADER, FAILURES_HEADER, "x-death", "x-first-death-exchange",
                                        "x-first-death-queue", "x-first-death-reason", "x-last-death-exchange",
                                        "x-last-death-queue", "x-last-death-reason")}
                if not headers.get(QUEUE_HEADER):
                    log.error("dead letter without its queue header left in %s", self.names["dead_letter"])
                    channel.basic_reject(got.delivery_tag, requeue=True)
                    break
                prepared = channel.prepare_message(
                    got.body, content_type=got.content_type, content_encoding=got.content_encoding,
                    headers=headers, properties={"delivery_mode": 2})
                try:
                    channel.basic_publish(prepared, exchange=self.names["return_exchange"], routing_key="",
                                          mandatory=True)
                except amqp.exceptions.AMQPError as exc:
                    log.error("dead letter for %s could not be replayed (%s); it stays", headers[QUEUE_HEADER], exc)
                    break  # closing the connection below puts it back, unacknowledged
                channel.basic_ack(got.delivery_tag)
                moved += 1
        finally:
            conn.release()
        return moved


class ReliableEventHandler(EventHandler):
    """nameko's event handler, failures retried with backoff then dead-lettered (module doc)."""

    retry_broker = RetryBroker()

    def __init__(self, source_service, event_type, transient=(), **kwargs):
        """`transient`: more exception classes that are faults of the platform, not of the event
        (e.g. the object store unreachable), retried without limit like TRANSIENT."""
        kwargs.pop("requeue_on_error", None)
        self.transient = TRANSIENT + tuple(transient)
        super().__init__(source_service, event_type, requeue_on_error=True, **kwargs)

    def setup(self):
        super().setup()  # builds self.queue
        try:
            self.retry_broker.declare(self.queue)
        except CONNECTION_ERRORS as exc:
            # The broker is away at start: nameko's consumer waits for it; the topology is
            # declared before the first retry is published (RetryBroker.park).
            log.warning("retry queues of %s not declared yet (%r)", self.container.service_name, exc)

    def handle_message_processed(self, message, result=None, exc_info=None):
        if exc_info is None:
            self.queue_consumer.ack_message(message)
            return
        try:
            where = self.retry_broker.park(message, self.queue.name, exc_info, self.transient)
        except Exception:
            # Could not hand it over: requeued as before, nothing lost.
            log.warning("could not republish a failed %s event for a later retry; requeued",
                        self.event_type, exc_info=True)
            self.queue_consumer.requeue_message(message)
            return
        log.warning("%s.%s failed (%s: %s); event moved to %s", self.container.service_name, self.method_name,
                    type(exc_info[1]).__name__, exc_info[1], where)
        self.queue_consumer.ack_message(message)


reliable_handler = ReliableEventHandler.decorator


class DeadLetters(DependencyProvider):
    """`self.dead_letters.count()` / `.replay(limit)`: the service's dead-letter queue."""

    retry_broker = RetryBroker()

    def get_dependency(self, worker_ctx):
        return self.retry_broker


def replay_dead_letters(store, broker, actor, limit=None):
    """Replay the dead letters of a service for a monitoring staff member, leaving a trace."""
    require(actor, "organizer", "monitor")
    before = broker.dead_letter_count()
    moved = broker.replay(limit)
    after = broker.dead_letter_count()
    log.warning("dead letters of %s replayed by %s (%s): %d moved, %d left",
                broker.service, actor.get("username"), actor.get("id"), moved, after)
    if store.audit_model is not None:
        store.run(lambda uow: uow.record(actor, "dead_letters.replay", f"queue:{broker.names['dead_letter']}",
                                         before={"messages": before}, after={"messages": after, "replayed": moved}))
    return {"service": broker.service, "replayed": moved, "remaining": after}


class DeadLetterRpc:
    """Mix into a service class: its dead-letter count and replay over RPC (the gateway's monitor
    page calls them; the gateway's broker user may not touch a service's queues itself).

    Inherit it as `retry.DeadLetterRpc`, without importing the name into the service's module:
    `nameko run services.x.service` takes every class there with entrypoints for a service."""

    dead_letters = DeadLetters()

    @rpc
    def dead_letter_count(self):
        return self.dead_letters.dead_letter_count()

    @rpc(expected_exceptions=EXPECTED)
    def replay_dead_letters(self, actor, limit=None):
        return replay_dead_letters(self.db, self.dead_letters, actor, limit)
