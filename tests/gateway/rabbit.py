"""RabbitMQ management API helpers for tests: a throwaway vhost per test module, connection cutting."""
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid

import httpx

API = os.environ.get("RABBIT_API_URL", "http://guest:guest@127.0.0.1:15672")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NAMEKO = os.path.join(os.path.dirname(sys.executable), "nameko")
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


def connection_key(conn):
    """What tells one connection from another: the broker's name (peer address and port) can come
    back after a reconnect, the pair with its opening time cannot."""
    return conn["name"], conn.get("connected_at")


def connection_info(vhost, user_provided_name, timeout=15, exclude=()):
    """The management API's record of our connection (its stats DB lags a few seconds behind);
    with `exclude` (connection_key values) wait for another one: the new connection after a cut."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for conn in connections(vhost):
            if connection_key(conn) in exclude:
                continue
            if conn.get("user_provided_name") == user_provided_name or \
                    conn.get("client_properties", {}).get("connection_name") == user_provided_name:
                return conn
        time.sleep(0.5)
    raise AssertionError(f"connection {user_provided_name} (other than {list(exclude)}) not found in vhost {vhost}")


def find_connection(vhost, user_provided_name, timeout=15):
    """The broker's name of our connection."""
    return connection_info(vhost, user_provided_name, timeout)["name"]


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


def start_echo(amqp_uri, vhost_name):
    """`nameko run` the echo service on the test vhost; wait until its queue has a consumer."""
    return start_service(amqp_uri, vhost_name, "tests.gateway.echo_service", "echo")


def start_service(amqp_uri, vhost_name, module, service):
    """`nameko run` a test service module on the test vhost; wait until its RPC queue has a consumer."""
    env = dict(os.environ, AMQP_URI=amqp_uri, PYTHONPATH=ROOT)
    # Output to a file, not a pipe: a pipe nobody reads would block the service once full.
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen(
        [NAMEKO, "run", "--config", os.path.join(ROOT, "deploy", "nameko.yaml"), module],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while queue_consumers(vhost_name, f"rpc-{service}") < 1:
        if proc.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"{service} service died: " + log.read().decode(errors="replace"))
        assert time.monotonic() < deadline, f"{service} service did not start"
        time.sleep(0.3)
    return proc


def stop(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
