"""Prometheus metrics of the gateway process (served at GET /metrics)."""
from prometheus_client import Counter, Gauge, Histogram

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
)

# Queue depth and consumers of this deployment's vhost, read from RabbitMQ's management API when
# /metrics is scraped (so `make run`, which has no RabbitMQ prometheus plugin, still shows them).
# Every gateway replica reports the same figures: dashboards and alerts take max() over instances.
QUEUE_READY = Gauge("cchc_queue_messages_ready", "Messages waiting in a queue", ["queue"])
QUEUE_UNACKED = Gauge("cchc_queue_messages_unacked", "Messages delivered but not yet acknowledged", ["queue"])
QUEUE_CONSUMERS = Gauge("cchc_queue_consumers", "Consumers of a queue (instances of a service)", ["queue"])
QUEUE_EXPORTER_UP = Gauge("cchc_queue_exporter_up", "1 if the last read of the management API succeeded")


def set_queue_gauges(queues):
    """Replace the queue gauges with `queues` ({name: {messages_ready, messages_unacknowledged,
    consumers}}), or mark the exporter down when `queues` is None. Queues that disappeared
    (a deleted vhost, a renamed service) stop being reported instead of freezing at their last value."""
    for gauge in (QUEUE_READY, QUEUE_UNACKED, QUEUE_CONSUMERS):
        gauge.clear()
    if queues is None:
        QUEUE_EXPORTER_UP.set(0)
        return
    for name, q in queues.items():
        QUEUE_READY.labels(name).set(q.get("messages_ready") or 0)
        QUEUE_UNACKED.labels(name).set(q.get("messages_unacknowledged") or 0)
        QUEUE_CONSUMERS.labels(name).set(q.get("consumers") or 0)
    QUEUE_EXPORTER_UP.set(1)
