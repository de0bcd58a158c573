"""Prometheus metrics of the gateway (served at GET /metrics), summed over its worker processes.

The gateway runs several uvicorn workers (GATEWAY_WORKERS); each used to keep its own counters, so a
scrape (and the monitors' page) saw whichever worker answered it: totals jumped back and forth and
rates went negative. `python -m gateway.serve` starts uvicorn with PROMETHEUS_MULTIPROC_DIR set to a
fresh directory (prometheus_client's multiprocess mode): every worker writes its figures there and
`families()` reads them all, so the counters only grow while the gateway runs (a worker that died
keeps its counts). Without that variable (tests in one process, a bare `uvicorn gateway.main:app`)
the figures are this process's own, as before.

The queue gauges are not per process: they are read from RabbitMQ's management API at each scrape
and served by QueueCollector from memory.
"""
import os

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram, multiprocess
from prometheus_client.core import GaugeMetricFamily

HTTP_REQUESTS = Counter(
    "cchc_gateway_requests_total", "HTTP requests by route template and status", ["method", "route", "status"]
)
HTTP_SECONDS = Histogram(
    "cchc_gateway_request_seconds", "HTTP request latency by route template and status",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
RPC_CALLS = Counter(
    "cchc_gateway_rpc_calls_total", "RPC calls to services by method and outcome", ["service", "method", "outcome"]
)
RPC_SECONDS = Histogram(
    "cchc_gateway_rpc_seconds", "RPC call latency by method and outcome", ["service", "method", "outcome"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
RPC_PENDING = Gauge(
    "cchc_gateway_rpc_pending_calls",
    "Calls of a coalesced method not answered yet: waiting for a batch slot or in a batch on its way "
    "(gateway/batching.py)", ["service", "method"],
    multiprocess_mode="livesum",  # the sum over the workers alive
)

# Queue depth and consumers of this deployment's vhost, read from RabbitMQ's management API when
# /metrics is scraped (so `make run`, which has no RabbitMQ prometheus plugin, still shows them).
# Every gateway replica reports the same figures: dashboards and alerts take max() over instances.
QUEUE_GAUGES = (
    ("cchc_queue_messages_ready", "Messages waiting in a queue", "messages_ready"),
    ("cchc_queue_messages_unacked", "Messages delivered but not yet acknowledged", "messages_unacknowledged"),
    ("cchc_queue_consumers", "Consumers of a queue (instances of a service)", "consumers"),
)


class QueueCollector:
    """The queue gauges of the last read of the management API (None: the read failed)."""

    def __init__(self):
        self.queues = None

    def collect(self):
        for name, documentation, field in QUEUE_GAUGES:
            family = GaugeMetricFamily(name, documentation, labels=["queue"])
            for queue, figures in sorted((self.queues or {}).items()):
                family.add_metric([queue], figures.get(field) or 0)
            yield family
        up = GaugeMetricFamily("cchc_queue_exporter_up", "1 if the last read of the management API succeeded")
        up.add_metric([], 1 if self.queues is not None else 0)
        yield up


QUEUES = QueueCollector()
REGISTRY.register(QUEUES)


def set_queue_gauges(queues):
    """Replace the queue gauges with `queues` ({name: {messages_ready, messages_unacknowledged,
    consumers}}), or mark the exporter down when `queues` is None. Queues that disappeared
    (a deleted vhost, a renamed service) stop being reported instead of freezing at their last value."""
    QUEUES.queues = dict(queues) if queues is not None else None


def multiprocess_dir():
    """The directory the workers share (PROMETHEUS_MULTIPROC_DIR), or None in single-process mode."""
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    return path if path and os.path.isdir(path) else None


def registry():
    """What /metrics serves: every worker's figures (multiprocess mode) and the queue gauges; else
    the default registry of this process."""
    path = multiprocess_dir()
    if path is None:
        return REGISTRY
    combined = CollectorRegistry()
    multiprocess.MultiProcessCollector(combined, path=path)
    combined.register(QUEUES)
    return combined


def families():
    """The metric families of registry(), read now."""
    return list(registry().collect())


def process_exited(pid):
    """A worker stops: its live gauges (RPC_PENDING) leave the sum; its counters stay counted."""
    path = multiprocess_dir()
    if path is not None:
        multiprocess.mark_process_dead(pid, path)
