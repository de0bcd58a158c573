"""Prometheus metrics of the gateway process (served at GET /metrics)."""
from prometheus_client import Counter, Histogram

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
