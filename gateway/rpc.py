"""Non-blocking nameko RPC client for asyncio (aio-pika; why: gateway/README.md).

Nameko's wire protocol, as its own ClusterRpcProxy speaks it:
- request: JSON `{"args": [...], "kwargs": {...}}` published to the durable topic exchange
  `nameko-rpc` with routing key `<service>.<method>`, `reply_to` = our reply queue's name and a
  `correlation_id`; headers `nameko.*` become the worker's context data (we send `nameko.request_id`);
- reply: published by the service to `nameko-rpc` with routing key = our `reply_to`, body
  `{"result": ..., "error": null | {"exc_type", "exc_path", "exc_args", "value"}}`.

One connection per process. A supervisor task (re)connects; while the connection is down every call
fails at once with ServiceUnavailable, and calls in flight when it drops fail too (their replies
would go to a reply queue that no longer exists).
"""
import asyncio
import json
import logging
import os
import socket
import time
import uuid

import aio_pika
import aiormq.exceptions
from aio_pika.exceptions import AMQPError, DeliveryError, PublishError

from common.broker_acl import broker_user
from gateway import context, metrics
from gateway.batching import Coalescer
from gateway.rpc_errors import RemoteError, ServiceUnavailable

log = logging.getLogger(__name__)

EXCHANGE = "nameko-rpc"


class RpcClient:
    # Seconds before reconnecting: doubling after each failed attempt, up to the maximum.
    reconnect_delay = 0.5
    max_reconnect_delay = 3.0

    def __init__(self, amqp_uri, timeout=10.0):
        self.amqp_uri = amqp_uri
        self.timeout = timeout
        # Our broker user, stated on every call: RabbitMQ refuses a message whose user_id is not the
        # connection's, so services can tell the gateway's calls (with an actor) from anyone else's
        # (common/broker.py).
        self.user_id = broker_user(amqp_uri)
        # The name RabbitMQ shows for our connection (management UI, and tests find it by it).
        self.connection_name = f"gateway-{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self._connection = None
        self._channel = None
        self._exchange = None
        self._reply_to = None
        self._pending = {}  # correlation id -> future of the reply
        self._subscriptions = []  # (source service, event types, handler, on_connect) (subscribe)
        self.subscribed = False  # whether this connection's event queue is consuming
        self._coalescers = {}  # (service, method) -> Coalescer (gateway/batching.py)
        self._connected = asyncio.Event()
        self._lost = None
        self._supervisor = None
        self._stopping = False

    # ---- lifecycle -------------------------------------------------------------------------
    async def start(self, wait=2.0):
        """Start connecting in the background; wait up to `wait` s for the first connection.

        Never raises when the broker is down: the app must start anyway (and /readyz says 503).
        """
        self._stopping = False
        self._supervisor = asyncio.create_task(self._supervise(), name="rpc-supervisor")
        try:
            await asyncio.wait_for(self._connected.wait(), wait)
        except asyncio.TimeoutError:
            log.warning("RabbitMQ not reachable yet at start; retrying in the background")

    async def stop(self):
        self._stopping = True
        if self._supervisor:
            self._supervisor.cancel()
            try:
                await self._supervisor
            except (asyncio.CancelledError, Exception):
                pass
        await self._teardown("gateway stopping")

    @property
    def connected(self):
        return self._connected.is_set()

    async def _supervise(self):
        delay = self.reconnect_delay
        while not self._stopping:
            try:
                await self._connect()
                delay = self.reconnect_delay
                log.info("RPC client connected to RabbitMQ as %s", self.connection_name)
                await self._lost.wait()
                log.warning("RPC connection lost; reconnecting")
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("RPC connect failed: %s: %s", type(exc).__name__, exc)
            await self._teardown("connection lost")
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.max_reconnect_delay)

    async def _connect(self):
        self._lost = asyncio.Event()
        lost = self._lost  # bound now: a late callback of an old connection must not hit a new event
        connection = await aio_pika.connect(
            self.amqp_uri, timeout=5, client_properties={"connection_name": self.connection_name}
        )
        self._connection = connection
        connection.close_callbacks.add(lambda *_: lost.set())
        channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        channel.close_callbacks.add(lambda *_: lost.set())
        # Same declaration as nameko's, so whoever comes first creates it identically.
        exchange = await channel.declare_exchange(EXCHANGE, aio_pika.ExchangeType.TOPIC, durable=True)
        # A fresh name per connection: the old exclusive queue may linger a moment after a cut.
        reply_to = f"rpc.reply-gateway-{uuid.uuid4()}"
        queue = await channel.declare_queue(reply_to, exclusive=True, auto_delete=True)
        await queue.bind(exchange, routing_key=reply_to)
        await queue.consume(self._on_reply, no_ack=True)
        self._channel, self._exchange, self._reply_to = channel, exchange, reply_to
        await self._subscribe_all(connection)
        self._connected.set()

    # ---- events ----------------------------------------------------------------------------
    def subscribe(self, source, event_types, handler, on_connect=None):
        """Receive `source`'s events of `event_types` (nameko's `<source>.events` exchange):
        `handler(payload)` for each. Every process gets every event: its own exclusive,
        auto-deleted queue, made again at each (re)connection; `on_connect()` runs then, since
        events sent while the connection was down are lost to this process. Call before start()."""
        self._subscriptions.append((source, tuple(event_types), handler, on_connect))

    async def _subscribe_all(self, connection):
        self.subscribed = False
        if not self._subscriptions:
            return
        try:
            # A channel of its own: a refusal here (an old broker user without the permission)
            # must not take the RPC channel down with it.
            channel = await connection.channel(publisher_confirms=False)
            queue = await channel.declare_queue(f"gateway.events-{uuid.uuid4()}", exclusive=True, auto_delete=True)
            for source, event_types, handler, _ in self._subscriptions:
                # nameko's declaration of an event exchange (nameko.standalone.events.get_event_exchange).
                exchange = await channel.declare_exchange(f"{source}.events", aio_pika.ExchangeType.TOPIC,
                                                          durable=True)
                for event_type in event_types:
                    await queue.bind(exchange, routing_key=event_type)
            handlers = {(src, et): h for src, ets, h, _ in self._subscriptions for et in ets}
            async def on_message(message):
                await self._on_event(message, handlers)

            await queue.consume(on_message, no_ack=True)
            self.subscribed = True
        except Exception as exc:
            log.warning("event subscription failed (%s: %s): cached token versions expire by their TTL only",
                        type(exc).__name__, exc)
        finally:
            for *_, on_connect in self._subscriptions:
                if on_connect is not None:
                    on_connect()

    async def _on_event(self, message, handlers):
        source = (message.exchange or "").removesuffix(".events")
        handler = handlers.get((source, message.routing_key))
        if handler is None:
            return
        try:
            handler(json.loads(message.body))
        except Exception:
            log.exception("event %s.%s not handled", source, message.routing_key)

    async def _teardown(self, why):
        self._connected.clear()
        self.subscribed = False
        self._fail_pending(why)
        connection, self._connection = self._connection, None
        self._channel = self._exchange = None
        if connection is not None and not connection.is_closed:
            try:
                await asyncio.wait_for(connection.close(), 2)
            except Exception:
                pass

    def _fail_pending(self, why):
        pending, self._pending = self._pending, {}
        for future, service in pending.values():
            if not future.done():
                future.set_exception(ServiceUnavailable(service, "connection_lost"))
        if pending:
            log.warning("%d RPC calls in flight failed: %s", len(pending), why)

    async def _on_reply(self, message):
        entry = self._pending.get(message.correlation_id)
        if entry is None:
            return  # the caller gave up (timeout) or the reply is a duplicate
        future, _ = entry
        if future.done():
            return
        try:
            future.set_result(json.loads(message.body))
        except ValueError as exc:
            future.set_exception(exc)

    async def queue_state(self, name):
        """`(messages, consumers)` of a queue by passive declare, or None if it does not exist."""
        connection = self._connection
        if not self.connected or connection is None:
            raise ServiceUnavailable("rabbitmq", "broker_unreachable")
        channel = None
        try:
            # A throwaway channel: a passive declare of a missing queue closes its channel (404).
            channel = await connection.channel(publisher_confirms=False)
            queue = await channel.declare_queue(name, passive=True)
            result = queue.declaration_result
            return result.message_count, result.consumer_count
        except aiormq.exceptions.ChannelNotFoundEntity:
            return None
        except (AMQPError, aiormq.exceptions.ChannelInvalidStateError, ConnectionError, asyncio.TimeoutError):
            raise ServiceUnavailable("rabbitmq", "broker_unreachable") from None
        finally:
            if channel is not None and not channel.is_closed:
                try:
                    await channel.close()
                except Exception:
                    pass

    # ---- calls -----------------------------------------------------------------------------
    async def call(self, service, method, *args, timeout=None, **kwargs):
        """Call `service.method(*args, **kwargs)`; return its result.

        Raises RemoteError when the service raised, ServiceUnavailable when it could not answer.
        """
        timeout = self.timeout if timeout is None else timeout
        began = time.perf_counter()
        outcome = "ok"
        coalescer = self._coalescers.get((service, method))
        try:
            if coalescer is not None:
                return await coalescer.call(args, kwargs, timeout)
            return await self._call(service, method, args, kwargs, timeout)
        except RemoteError:
            outcome = "remote_error"
            raise
        except ServiceUnavailable as exc:
            outcome = exc.reason
            raise
        finally:
            metrics.RPC_CALLS.labels(service, method, outcome).inc()
            metrics.RPC_SECONDS.labels(service, method, outcome).observe(time.perf_counter() - began)

    def coalesce(self, service, method, batch_method, max_items, max_in_flight):
        """From now on send `service.method` calls through a Coalescer: under load, many of them
        in one `service.batch_method(calls)` message (gateway/batching.py)."""
        self._coalescers[(service, method)] = Coalescer(self, service, method, batch_method, max_items, max_in_flight)

    async def _call(self, service, method, args, kwargs, timeout):
        exchange = self._exchange
        if not self.connected or exchange is None:
            raise ServiceUnavailable(service, "broker_unreachable")
        correlation_id = uuid.uuid4().hex
        future = asyncio.get_running_loop().create_future()
        self._pending[correlation_id] = (future, service)
        headers = {}
        if context.request_id.get():
            headers["nameko.request_id"] = context.request_id.get()
        message = aio_pika.Message(
            body=json.dumps({"args": list(args), "kwargs": kwargs}).encode(),
            content_type="application/json",
            content_encoding="utf-8",
            correlation_id=correlation_id,
            # aiormq matches a returned (unroutable) message to its publish by message_id.
            message_id=correlation_id,
            reply_to=self._reply_to,
            user_id=self.user_id,
            # Nobody should run a call whose caller already gave up.
            expiration=timeout,
            headers=headers,
        )
        try:
            async with asyncio.timeout(timeout):
                try:
                    await exchange.publish(message, routing_key=f"{service}.{method}", mandatory=True)
                except PublishError:
                    # Returned: no queue is bound for `service.*`, i.e. the service never ran here.
                    raise ServiceUnavailable(service, "no_route") from None
                except DeliveryError:
                    raise ServiceUnavailable(service, "rejected") from None
                except (AMQPError, aiormq.exceptions.ChannelInvalidStateError, ConnectionError) as exc:
                    log.warning("publish to %s.%s failed: %r", service, method, exc)
                    raise ServiceUnavailable(service, "broker_unreachable") from None
                reply = await future
        except TimeoutError:
            raise ServiceUnavailable(service, "timeout") from None
        finally:
            self._pending.pop(correlation_id, None)
        error = reply.get("error")
        if error:
            raise RemoteError(service, method, error)
        return reply.get("result")
