"""The platform as a whole: readiness, instances, failover, recovery, and the error contract.

Tests run in file order; the ones that kill or stop a process restore it before they end.
"""
import httpx
import pytest

from tests.e2e.cluster import READY_TIMEOUT_S, RPC_TIMEOUT_S, eventually


def test_readyz_is_200(cluster):
    resp = cluster.http.get("/readyz")
    assert resp.status_code == 200, resp.text


def test_healthz_is_200(cluster):
    assert cluster.http.get("/healthz").status_code == 200


def system(cluster, headers):
    resp = cluster.http.get("/api/v1/admin/system", headers=headers)
    assert resp.status_code == 200, resp.text
    return resp.json()


def test_admin_system_counts_instances(cluster, admin_headers):
    def counts_right():
        services = system(cluster, admin_headers)["services"]
        for name in ("quiz", "scoring", "media", "awards"):
            if cluster.instances is None:  # a stack already running: whatever it was scaled to
                assert services[name]["instances"] >= 1, services
            else:
                assert services[name]["instances"] == cluster.instances[name], services
        return services

    services = eventually(counts_right, 15)
    assert all(services[name]["healthy"] for name in ("quiz", "scoring", "media", "awards")), services


def test_metrics_are_served(cluster):
    resp = cluster.http.get("/metrics")
    assert resp.status_code == 200
    for (service, n), port in cluster.metrics_ports.items():
        text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
        assert "cchc_worker_seconds" in text, f"{service}-{n}"


def test_unknown_route_is_404_json(cluster):
    resp = cluster.http.get("/api/v1/no-such-thing")
    assert resp.status_code == 404
    assert resp.headers["content-type"].startswith("application/json")
    assert "detail" in resp.json()


def test_malformed_json_is_422_with_code(cluster):
    resp = cluster.http.post(
        "/api/v1/auth/token", content=b'{"username": "admin", "password": ',
        headers={"content-type": "application/json"},
    )
    assert resp.status_code == 422, resp.text
    body = resp.json()
    assert body.get("code"), body
    assert body.get("detail"), body


def test_admin_route_without_token_is_401(cluster):
    resp = cluster.http.get("/api/v1/admin/system")
    assert resp.status_code == 401, resp.text
    assert resp.json().get("code"), resp.text


def test_admin_route_with_bad_token_is_401(cluster):
    resp = cluster.http.get("/api/v1/admin/system", headers={"Authorization": "Bearer not-a-token"})
    assert resp.status_code == 401, resp.text


@pytest.mark.local_cluster(reason="kills a quiz process")
def test_quiz_instance_killed_requests_still_succeed(cluster, demo_contest):
    survivor_pid = cluster.pid("quiz", 1)
    cluster.kill("quiz", 2)  # SIGKILL: no goodbye to the broker
    try:
        for _ in range(10):
            resp = cluster.http.get(f"/api/v1/contests/{demo_contest}")
            assert resp.status_code == 200, resp.text
            assert resp.json()["code"] == demo_contest
            resp = cluster.http.post("/api/v1/auth/token", json={"username": "admin", "password": "admin"})
            assert resp.status_code == 200, resp.text
            assert resp.json()["access_token"]
        assert cluster.alive("quiz", 1) and cluster.pid("quiz", 1) == survivor_pid
    finally:
        cluster.spawn("quiz", 2)
    cluster.wait_ready(60)


@pytest.mark.local_cluster(reason="closes the gateway's connections through the broker's management API")
def test_gateway_recovers_after_its_amqp_connection_is_cut(cluster, demo_contest):
    before = eventually(cluster.gateway_connections, 10)
    for conn in before:
        cluster.rabbit.close_connection(conn["name"])

    def serves_again():
        resp = cluster.http.get(f"/api/v1/contests/{demo_contest}")
        assert resp.status_code == 200, resp.text
        assert cluster.http.get("/readyz").status_code == 200
        return True

    eventually(serves_again, 15)

    def new_connection():
        # The management API lists connections with a few seconds' delay (statistics interval).
        after = {c["name"] for c in cluster.gateway_connections()}
        assert after and not after & {c["name"] for c in before}, after
        return True

    eventually(new_connection, 15)


@pytest.mark.local_cluster(reason="stops the awards process")
def test_service_down_makes_readyz_503_naming_it(cluster):
    cluster.stop_service("awards")
    try:
        def names_awards():
            resp = cluster.http.get("/readyz")
            assert resp.status_code == 503, resp.text
            assert "awards" in resp.text
            return resp

        # /readyz asks each service's health with READY_TIMEOUT_S; well within the RPC timeout.
        eventually(names_awards, RPC_TIMEOUT_S + READY_TIMEOUT_S + 1)
    finally:
        cluster.spawn("awards")
    cluster.wait_ready(60)


@pytest.mark.parametrize("path", ["/api/v1/contests/no-such-contest"])
def test_unknown_contest_is_404_with_code(cluster, path):
    resp = cluster.http.get(path)
    assert resp.status_code == 404, resp.text
    assert resp.json().get("code"), resp.text
