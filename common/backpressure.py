"""The rush signal: is this service being asked more than it should share its CPU with deferrable
work? One number, one setting (`RUSH_CALLS_PER_S`).

`Backpressure()` is a nameko dependency. The service counts the calls people wait for as they
arrive (`count_calls`); `busy()` is true while the calls of the last second, plus the requests
waiting in the service's own RPC queue (`rpc-<service>`, each at least one call), reach the
threshold. Both signs matter: the gateway coalesces a rush into a few big messages (the count
rises, the queue stays short), and without coalescing the queue grows first.

The queue's ready count is read with an AMQP passive declare at most every `refresh_s` seconds, on
a connection of its own shared by the workers of the process. Any failure reads as 0: yielding is
an optimisation and must never stop the work.
"""
import logging
import time

import kombu
from eventlet.semaphore import Semaphore
from nameko.constants import AMQP_URI_CONFIG_KEY
from nameko.extensions import DependencyProvider

log = logging.getLogger(__name__)


class CallRate:
    """Calls counted per whole second; `per_s()` is a sliding one-second estimate."""

    def __init__(self, clock=time.monotonic):
        self.clock = clock
        self._second, self._current, self._previous = 0, 0, 0

    def count(self, n=1):
        second = int(self.clock())
        if second != self._second:
            self._previous = self._current if second == self._second + 1 else 0
            self._second, self._current = second, 0
        self._current += n

    def per_s(self):
        """This second's calls, plus the share of the previous second's that still lies within the
        last second."""
        now = self.clock()
        second = int(now)
        if second == self._second:
            return self._current + self._previous * (1 - (now - second))
        if second == self._second + 1:
            return self._current * (1 - (now - second))
        return 0


class QueueDepth:
    """Ready messages of one queue, read at most every `refresh_s` seconds (0 when unknown)."""

    def __init__(self, amqp_uri, queue, refresh_s=0.5):
        self.amqp_uri, self.queue, self.refresh_s = amqp_uri, queue, refresh_s
        self._ready = 0
        self._read_at = float("-inf")
        self._conn = self._channel = None
        self._lock = Semaphore()

    def ready(self):
        if time.monotonic() - self._read_at < self.refresh_s or not self._lock.acquire(blocking=False):
            return self._ready  # fresh enough, or another worker is reading it right now
        try:
            if self._channel is None:
                self._conn = kombu.Connection(self.amqp_uri, connect_timeout=2)
                self._channel = self._conn.channel()
            _name, self._ready, _consumers = self._channel.queue_declare(self.queue, passive=True)
        except Exception as exc:  # broker away, queue not declared yet: no backlog known
            log.debug("depth of %s unknown: %r", self.queue, exc)
            self._ready = 0
            self.close()
        finally:
            self._read_at = time.monotonic()
            self._lock.release()
        return self._ready

    def close(self):
        conn, self._conn, self._channel = self._conn, None, None
        if conn is not None:
            try:
                conn.release()
            except Exception:
                pass


class Pressure:
    """What a worker gets: count the calls, ask whether the service is busy."""

    def __init__(self, rate, depth, threshold):
        self.rate, self.depth, self.threshold = rate, depth, threshold

    def count_calls(self, n=1):
        self.rate.count(n)

    def level(self):
        return self.rate.per_s() + (self.depth.ready() if self.depth else 0)

    def busy(self):
        return 0 < self.threshold <= self.level()


class Backpressure(DependencyProvider):
    def __init__(self, threshold, refresh_s=0.5):
        self.threshold = threshold  # calls a second (plus queued requests); 0 = never busy
        self.refresh_s = refresh_s
        self.pressure = None

    def setup(self):
        depth = QueueDepth(self.container.config[AMQP_URI_CONFIG_KEY],
                           f"rpc-{self.container.service_name}", self.refresh_s)
        self.pressure = Pressure(CallRate(), depth, self.threshold)

    def stop(self):
        if self.pressure:
            self.pressure.depth.close()

    def get_dependency(self, worker_ctx):
        return self.pressure
