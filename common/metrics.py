"""Prometheus metrics of a service process, served on METRICS_PORT (0: off)."""
import time

from prometheus_client import Counter, Histogram, start_http_server

from common import settings

WORKER_SECONDS = Histogram(
    "cchc_worker_seconds", "Duration of nameko workers (RPC calls, event handlers, timers)",
    ["service", "entrypoint"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
WORKER_ERRORS = Counter(
    "cchc_worker_errors_total", "Workers that ended with an exception", ["service", "entrypoint", "exc_type"]
)

_started = {}
_server_started = False


def start_exporter(port=None):
    """Start the HTTP exporter once per process."""
    global _server_started
    port = settings.METRICS_PORT if port is None else port
    if port and not _server_started:
        start_http_server(port, addr="0.0.0.0")
        _server_started = True


def worker_started(worker_ctx):
    _started[id(worker_ctx)] = time.perf_counter()


def worker_finished(worker_ctx, exc_info):
    began = _started.pop(id(worker_ctx), None)
    service = worker_ctx.service_name
    entrypoint = worker_ctx.entrypoint.method_name
    if began is not None:
        WORKER_SECONDS.labels(service, entrypoint).observe(time.perf_counter() - began)
    if exc_info:
        WORKER_ERRORS.labels(service, entrypoint, exc_info[0].__name__).inc()
