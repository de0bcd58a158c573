#!/usr/bin/env python3
"""Create (or update) the RabbitMQ users of the gateway and of each service, each limited to what it
uses (common/broker.py: permissions). Idempotent: run it at every start.

Who gets a user, with which password and on which vhost comes from the URIs the processes
connect with: GATEWAY_AMQP_URI, QUIZ_AMQP_URI, SCORING_AMQP_URI, MEDIA_AMQP_URI, AWARDS_AMQP_URI
(unset ones are skipped; a URI logging in as the admin user is refused). The management API is
reached as RABBIT_ADMIN_API_URL (default http://guest:guest@127.0.0.1:15672), an administrator.

    python scripts/broker_users.py            # `make run` and compose's broker-users step
"""
import os
import sys
import time
import urllib.parse

import httpx

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from common.broker_acl import SERVICES, TAGS, permissions  # noqa: E402

NAMES = ("gateway",) + SERVICES


def admin_client(api_url):
    url = httpx.URL(api_url)
    auth = (urllib.parse.unquote(url.username or "guest"), urllib.parse.unquote(url.password or "guest"))
    base = str(url.copy_with(username=None, password=None)).rstrip("/")
    if base.endswith("/api"):
        base = base[:-4]
    return httpx.Client(base_url=base, auth=auth, timeout=10), auth[0]


def wanted(environ):
    """[(name, user, password, vhost)] from the processes' URIs in `environ`."""
    out = []
    for name in NAMES:
        uri = environ.get(f"{name.upper()}_AMQP_URI")
        if not uri:
            continue
        parts = urllib.parse.urlparse(uri)
        if not parts.username or parts.password is None:
            raise SystemExit(f"{name.upper()}_AMQP_URI names no user and password")
        path = parts.path
        vhost = urllib.parse.unquote(path[1:]) if path not in ("", "/") else "/"
        out.append((name, urllib.parse.unquote(parts.username), urllib.parse.unquote(parts.password), vhost))
    return out


def apply(environ=None, api_url=None, wait_s=60):
    environ = os.environ if environ is None else environ
    api_url = api_url or environ.get("RABBIT_ADMIN_API_URL") or "http://guest:guest@127.0.0.1:15672"
    users = wanted(environ)
    if not users:
        print("broker_users: no <NAME>_AMQP_URI set, every process uses AMQP_URI's user")
        return []
    client, admin = admin_client(api_url)
    with client:
        deadline = time.monotonic() + wait_s
        while True:  # compose starts us together with RabbitMQ
            try:
                client.get("/api/overview").raise_for_status()
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(1)
        done = []
        for name, user, password, vhost in users:
            if user == admin:
                raise SystemExit(f"{name} must not connect as the broker administrator {admin!r}")
            q_user, q_vhost = urllib.parse.quote(user, safe=""), urllib.parse.quote(vhost, safe="")
            client.put(f"/api/users/{q_user}", json={"password": password, "tags": TAGS.get(name, "")}
                       ).raise_for_status()
            client.put(f"/api/permissions/{q_vhost}/{q_user}", json=permissions(name)).raise_for_status()
            # Nothing on exchanges of other kinds (RabbitMQ's topic permissions): left as they are.
            done.append((name, user, vhost))
            print(f"broker_users: {name}: user {user} on vhost {vhost}")
        return done


if __name__ == "__main__":
    apply()
