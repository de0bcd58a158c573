"""Broker restart: every process recovers by itself.

`rabbitmqctl stop_app && rabbitmqctl start_app` restarts RabbitMQ for the WHOLE machine, so this runs
last in `make test` (its own pytest process, `-m fault`) and only where nobody else shares the broker:
in CI (CI=true) or when asked for (`make faults` sets CCHC_ALLOW_BROKER_RESTART=1).
"""
import os
import subprocess

import pytest

from tests.e2e.cluster import eventually

ALLOWED = os.environ.get("CI") == "true" or os.environ.get("CCHC_ALLOW_BROKER_RESTART") == "1"

pytestmark = [
    pytest.mark.fault,
    pytest.mark.broker_restart,
    pytest.mark.skipif(not ALLOWED, reason="restarts RabbitMQ for the whole machine: "
                                           "set CCHC_ALLOW_BROKER_RESTART=1 (make faults) or CI=true"),
]


def rabbitmqctl(*args):
    subprocess.run(["rabbitmqctl", *args], check=True, capture_output=True, timeout=120)


def test_broker_restart_everything_recovers(cluster, demo_contest):
    rabbitmqctl("stop_app")
    try:
        # While the broker is away the gateway answers, but not ready.
        resp = cluster.http.get("/readyz")
        assert resp.status_code == 503, resp.text
    finally:
        rabbitmqctl("start_app")
    rabbitmqctl("await_startup")

    def recovered():
        assert cluster.http.get("/readyz").status_code == 200
        resp = cluster.http.get(f"/api/v1/contests/{demo_contest}")
        assert resp.status_code == 200, resp.text
        token = cluster.login()
        resp = cluster.http.get("/api/v1/admin/system", headers={"Authorization": f"Bearer {token}"})
        services = resp.json()["services"]
        assert services["quiz"]["instances"] == 2, services
        assert all(services[name]["instances"] == 1 for name in ("scoring", "media", "awards")), services
        return True

    eventually(recovered, 15)
    for (service, n) in cluster.procs:
        assert cluster.alive(service, n), f"{service}-{n} died\n{cluster.log_tail(service, n)}"
