"""Throwaway broker users for the tests of issue 15's finding 8 (both layers: the services' under
eventlet, the security sweep's under asyncio): scripts/broker_users.py makes a user per process on a
vhost, twice (a second start changes nothing), and they are deleted afterwards."""
import contextlib
import os
import urllib.parse
import uuid

import kombu

from common.broker_acl import SERVICES
from scripts import broker_users

API = os.environ.get("RABBIT_API_URL", "http://guest:guest@127.0.0.1:15672")
HOST = "127.0.0.1:5672"


@contextlib.contextmanager
def made_users(vhost, api=API):
    """{uris: {name: amqp uri}, prefix, vhost} for the gateway and every service."""
    prefix = f"cchc-test-{uuid.uuid4().hex[:6]}"
    uris = {name: f"amqp://{prefix}-{name}:{uuid.uuid4().hex}@{HOST}/{urllib.parse.quote(vhost, safe='')}"
            for name in ("gateway",) + SERVICES}
    environ = {f"{name.upper()}_AMQP_URI": uri for name, uri in uris.items()}
    try:
        assert len(broker_users.apply(environ, api)) == 5
        assert len(broker_users.apply(environ, api)) == 5  # idempotent: a second start changes nothing
        yield {"uris": uris, "prefix": prefix, "vhost": vhost}
    finally:
        client, _ = broker_users.admin_client(api)
        with client:
            for name in uris:
                client.delete(f"/api/users/{prefix}-{name}")


def connect(uri):
    return kombu.Connection(uri, transport_options={"confirm_publish": True, "max_retries": 1}, connect_timeout=5)
