"""Nothing public reveals the running count of an open round (SPEC 6, issue 14 finding 1): the
compose file publishes Prometheus (which holds the services' counts of starts and submissions) on
this host's loopback only, and the gateway's own /metrics only to the networks Prometheus scrapes
from. The public API and pages are checked end to end in tests/e2e/test_live_board.py."""
import os

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _compose():
    with open(os.path.join(ROOT, "docker-compose.yml"), encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def test_prometheus_is_published_on_loopback_only():
    ports = _compose()["services"]["prometheus"].get("ports") or []
    for port in ports:
        text = str(port["published"] if isinstance(port, dict) else port)
        host = port.get("host_ip", "") if isinstance(port, dict) else text.split(":")[0]
        assert host in ("127.0.0.1", "::1"), f"Prometheus published beyond loopback: {port}"


def test_gateway_metrics_are_limited_to_the_monitoring_networks():
    env = _compose()["services"]["gateway"]["environment"]
    assert env.get("METRICS_ALLOW_FROM"), "compose must set METRICS_ALLOW_FROM for /metrics"
