"""Request coalescing for the calls that come by the thousand (a round's opening, a deadline rush).

`Coalescer.call` looks like one RPC to the route. While fewer than `max_in_flight` batches are on
their way, a call leaves at once (with whatever else arrived in the same turn of the event loop):
alone when the platform is quiet, so nothing waits. When that many are in flight, new calls queue
here and leave together, up to `max_items` in one message, as soon as a batch comes back. The
busier the platform, the bigger the batches, and the less a call costs: one message, one worker and
one transaction per batch instead of per call (bench/RESULTS.md).

The service runs each call as it would alone and answers one entry per call (common/batch.py), so
the route sees the same result or RemoteError as without coalescing.
"""
import asyncio
import collections

from gateway import context, metrics
from gateway.rpc_errors import RemoteError, ServiceUnavailable


class Coalescer:
    def __init__(self, rpc, service, method, batch_method, max_items, max_in_flight):
        self.rpc = rpc
        self.service = service
        self.method = method
        self.batch_method = batch_method
        self.max_items = max_items
        self.max_in_flight = max_in_flight
        self._queue = collections.deque()  # (call, future, timeout)
        self._in_flight = 0
        self._in_flight_calls = 0
        self._flush_scheduled = False

    async def call(self, args, kwargs, timeout):
        future = asyncio.get_running_loop().create_future()
        call = {"args": list(args), "kwargs": kwargs, "request_id": context.request_id.get()}
        self._queue.append((call, future, timeout))
        self._pending_changed()
        self._schedule_flush()
        try:
            async with asyncio.timeout(timeout):
                return await future
        except TimeoutError:
            # The future is cancelled now. Still queued: the call is dropped when its turn comes.
            # Already sent: its result is ignored, as a lone call's late reply would be.
            raise ServiceUnavailable(self.service, "timeout") from None

    def _schedule_flush(self):
        # Once per turn of the event loop, so that the calls that arrived together leave together.
        if not self._flush_scheduled:
            self._flush_scheduled = True
            asyncio.get_running_loop().call_soon(self._flush)

    def _flush(self):
        self._flush_scheduled = False
        while self._in_flight < self.max_in_flight and self._queue:
            batch = []
            while self._queue and len(batch) < self.max_items:
                entry = self._queue.popleft()
                if not entry[1].done():  # its caller gave up while it waited
                    batch.append(entry)
            if batch:
                self._in_flight += 1
                self._in_flight_calls += len(batch)
                asyncio.get_running_loop().create_task(self._send(batch))
        self._pending_changed()

    def _pending_changed(self):
        metrics.RPC_PENDING.labels(self.service, self.method).set(len(self._queue) + self._in_flight_calls)

    async def _send(self, batch):
        futures = [future for _, future, _ in batch]
        try:
            replies = await self.rpc.call(self.service, self.batch_method, [call for call, _, _ in batch],
                                          timeout=max(timeout for _, _, timeout in batch))
        except ServiceUnavailable as exc:
            _fail(futures, ServiceUnavailable, exc.service, exc.reason)
        except RemoteError as exc:
            # The batch itself failed (not a call's own error): every call gets that error.
            _fail(futures, RemoteError, self.service, self.method, exc.error)
        except Exception:
            _fail(futures, ServiceUnavailable, self.service, "rejected")  # nobody waits for a bug
            raise
        else:
            if not isinstance(replies, list) or len(replies) != len(batch):
                replies = [None] * len(batch)  # not one reply per call: every call fails below
            for future, reply in zip(futures, replies):
                if future.done():  # its caller gave up
                    continue
                error = reply.get("error") if isinstance(reply, dict) else {"exc_type": "BadBatchReply"}
                if error:
                    future.set_exception(RemoteError(self.service, self.method, error))
                else:
                    future.set_result(reply.get("result"))
        finally:
            self._in_flight -= 1
            self._in_flight_calls -= len(batch)
            self._pending_changed()
            self._schedule_flush()


def _fail(futures, exc_class, *args):
    """Fail every call still waiting, each with an exception of its own."""
    for future in futures:
        if not future.done():
            future.set_exception(exc_class(*args))
