"""How many requests wait in another service's RPC queue: a nameko dependency for work that can
wait (grading) to yield to work people are waiting for (submissions).

`QueueBacklog("rpc-quiz").ready()` is the count of messages ready (not yet taken by a consumer) in
that queue, read with an AMQP passive declare at most every `refresh_s` seconds on a connection of
its own, shared by the workers of the process. Any failure reads as 0 (no backlog): yielding is an
optimisation and must never stop the work.

With the gateway coalescing starts and submits (gateway/batching.py), a rush queues in the gateway
and reaches the queue as a few big messages, so the consuming service also counts the calls it
receives (`count_calls`, `calls_per_s`): a high rate is the other sign of a rush.
"""
import logging
import time

import kombu
from eventlet.semaphore import Semaphore
from nameko.constants import AMQP_URI_CONFIG_KEY
from nameko.extensions import DependencyProvider

log = logging.getLogger(__name__)


class QueueBacklog(DependencyProvider):
    def __init__(self, queue, refresh_s=0.5):
        self.queue = queue
        self.refresh_s = refresh_s
        self._ready = 0
        self._read_at = float("-inf")
        self._conn = self._channel = None
        self._lock = Semaphore()
        self._second, self._current, self._previous = 0, 0, 0  # calls counted per whole second

    def setup(self):
        self.amqp_uri = self.container.config[AMQP_URI_CONFIG_KEY]

    def stop(self):
        self._close()

    def get_dependency(self, worker_ctx):
        return self

    def ready(self):
        if time.monotonic() - self._read_at < self.refresh_s or not self._lock.acquire(blocking=False):
            return self._ready  # fresh enough, or another worker is reading it right now
        try:
            if self._channel is None:
                self._conn = kombu.Connection(self.amqp_uri, connect_timeout=2)
                self._channel = self._conn.channel()
            _name, self._ready, _consumers = self._channel.queue_declare(self.queue, passive=True)
        except Exception as exc:  # broker away, queue not declared yet: no backlog known
            log.debug("backlog of %s unknown: %r", self.queue, exc)
            self._ready = 0
            self._close()
        finally:
            self._read_at = time.monotonic()
            self._lock.release()
        return self._ready

    def count_calls(self, n=1):
        second = int(time.monotonic())
        if second != self._second:
            self._previous = self._current if second == self._second + 1 else 0
            self._second, self._current = second, 0
        self._current += n

    def calls_per_s(self):
        """Calls in the last second: this second's, plus the share of the previous one's that
        still lies within the last second (a sliding-window estimate)."""
        now = time.monotonic()
        second = int(now)
        if second == self._second:
            return self._current + self._previous * (1 - (now - second))
        if second == self._second + 1:
            return self._current * (1 - (now - second))
        return 0

    def _close(self):
        conn, self._conn, self._channel = self._conn, None, None
        if conn is not None:
            try:
                conn.release()
            except Exception:
                pass
