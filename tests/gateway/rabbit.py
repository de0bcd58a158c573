"""RabbitMQ management API helpers for tests: a throwaway vhost per test module, connection cutting."""
import os
import time
import urllib.parse
import uuid

import httpx

API = os.environ.get("RABBIT_API_URL", "http://guest:guest@127.0.0.1:15672")
AMQP_HOST = os.environ.get("TEST_AMQP_HOSTPORT", "guest:guest@127.0.0.1:5672")


def _client():
    url = httpx.URL(API)
    return httpx.Client(base_url=str(url.copy_with(username=None, password=None)),
                        auth=(url.username or "guest", url.password or "guest"), timeout=10)


def create_vhost(prefix="cchc-gw-test"):
    name = f"{prefix}-{uuid.uuid4().hex[:8]}"
    with _client() as api:
        api.put(f"/api/vhosts/{name}").raise_for_status()
        api.put(f"/api/permissions/{name}/guest",
                json={"configure": ".*", "write": ".*", "read": ".*"}).raise_for_status()
    return name, f"amqp://{AMQP_HOST}/{urllib.parse.quote(name, safe='')}"


def delete_vhost(name):
    with _client() as api:
        api.delete(f"/api/vhosts/{name}")


def connections(vhost):
    with _client() as api:
        resp = api.get(f"/api/vhosts/{urllib.parse.quote(vhost, safe='')}/connections")
        resp.raise_for_status()
        return resp.json()


def find_connection(vhost, user_provided_name, timeout=15):
    """The broker's name of our connection (the stats DB lags a few seconds behind)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for conn in connections(vhost):
            if conn.get("user_provided_name") == user_provided_name or \
                    conn.get("client_properties", {}).get("connection_name") == user_provided_name:
                return conn["name"]
        time.sleep(0.5)
    raise AssertionError(f"connection {user_provided_name} not found in vhost {vhost}")


def close_connection(name):
    with _client() as api:
        resp = api.delete(f"/api/connections/{urllib.parse.quote(name, safe='')}",
                          headers={"X-Reason": "test: cut the gateway connection"})
        assert resp.status_code in (204, 404), resp.text


def queue_consumers(vhost, queue):
    with _client() as api:
        resp = api.get(f"/api/queues/{urllib.parse.quote(vhost, safe='')}/{queue}")
        if resp.status_code == 404:
            return 0
        return resp.json().get("consumers", 0)
