"""The whole app with its real RPC client on a throwaway vhost: readiness, system view, recovery."""
import time

import pytest
from fastapi.testclient import TestClient

from gateway import config
from gateway.main import create_app
from gateway.rpc import RpcClient
from tests.gateway import rabbit
from tests.gateway.conftest import bearer

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def vhost_with_echo():
    name, uri = rabbit.create_vhost()
    proc = rabbit.start_echo(uri, name)
    yield name, uri
    rabbit.stop(proc)
    rabbit.delete_vhost(name)


@pytest.fixture
def live(vhost_with_echo, monkeypatch):
    # `echo` answers health; `ghost` has never run on this vhost.
    monkeypatch.setattr(config.settings, "services", ["echo", "ghost"])
    rpc = RpcClient(vhost_with_echo[1], timeout=3)
    app = create_app(rpc=rpc)
    app.state.sessions = None  # no quiz on this vhost to ask for token versions (gateway/sessions.py)
    with TestClient(app) as client:
        yield client, rpc


def test_readyz_names_the_missing_service(live):
    client, _ = live
    resp = client.get("/readyz")
    assert resp.status_code == 503
    assert resp.json()["down"] == ["ghost"]
    assert "ghost" in resp.json()["detail"]


def test_readyz_200_when_every_service_answers(live, monkeypatch):
    client, _ = live
    monkeypatch.setattr(config.settings, "services", ["echo"])
    assert client.get("/readyz").status_code == 200


def test_admin_system_counts_instances_and_queues(live, vhost_with_echo):
    client, _ = live
    deadline = time.monotonic() + 20
    while True:  # the management API's statistics lag a few seconds behind the broker
        resp = client.get("/api/v1/admin/system", headers=bearer("monitor"))
        assert resp.status_code == 200
        body = resp.json()
        if body["queues"].get("rpc-echo", {}).get("consumers") == 1 or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert body["services"]["echo"] == {"instances": 1, "healthy": True}
    assert body["services"]["ghost"] == {"instances": 0, "healthy": False}
    assert body["queues"]["rpc-echo"]["consumers"] == 1


def test_gateway_recovers_after_its_connection_is_cut(live, vhost_with_echo, monkeypatch):
    client, rpc = live
    monkeypatch.setattr(config.settings, "services", ["echo"])
    assert client.get("/readyz").status_code == 200
    old = rabbit.connection_info(vhost_with_echo[0], rpc.connection_name)
    rabbit.close_connection(old["name"])
    # Readiness only counts once the gateway is on a NEW connection: a /readyz answered over the
    # old one, before the client noticed the cut, proves nothing about recovery.
    new = rabbit.connection_info(vhost_with_echo[0], rpc.connection_name, exclude={rabbit.connection_key(old)})
    assert rabbit.connection_key(new) != rabbit.connection_key(old)
    deadline = time.monotonic() + 15
    while client.get("/readyz").status_code != 200:
        assert time.monotonic() < deadline, "gateway did not recover within 15 s"
        time.sleep(0.2)


def test_app_starts_with_the_broker_down_and_says_503():
    rpc = RpcClient("amqp://guest:guest@127.0.0.1:1/", timeout=1)
    with TestClient(create_app(rpc=rpc)) as client:
        assert client.get("/healthz").status_code == 200
        resp = client.get("/readyz")
        assert resp.status_code == 503 and resp.json()["down"] == ["rabbitmq"]
        resp = client.get("/api/v1/units")
        assert resp.status_code == 503 and resp.json()["code"] == "service_unavailable"
        assert "quiz" in resp.json()["detail"]
