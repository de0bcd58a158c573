"""The end-to-end suite against a platform that is already running, e.g. `make compose-up`'s stack.

    E2E_BASE_URL=http://127.0.0.1:8000 E2E_ADMIN_USERNAME=admin E2E_ADMIN_PASSWORD=... \\
        .venv/bin/python -m pytest -p no:pytest_nameko tests/e2e

or `make e2e-compose` (URL and organizer login read from the stack's .env; `python -m
tests.e2e.external --help`). With E2E_BASE_URL set, the `cluster` fixture is an `ExternalStack`: it
speaks HTTP to the gateway and nothing else. Tests that kill or restart processes, read the services'
databases or the broker, or start processes of their own are marked `local_cluster` and skipped, with
the reason their marker gives. Every other test makes its own units, contests and people (codes with
a random tag), so a long-lived stack, demo data and earlier runs included, is fine.

The stack must not throttle the registrations of the host that runs the suite (it registers a few
hundred contestants): REGISTRATION_EXEMPT_ADDRESSES must cover the address the gateway sees for it
(README, "End-to-end suite against a running stack").
"""
import argparse
import os
import subprocess
import sys
import time

import httpx

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BASE_URL = os.environ.get("E2E_BASE_URL", "").rstrip("/")

LOCAL_ONLY = ("needs the harness's own cluster (processes it kills or restarts, its databases or broker "
              "vhost, or a cluster of its own): skipped against E2E_BASE_URL")


class NotOverHttp(AttributeError):
    pass


class ExternalStack:
    """What the HTTP-only tests use of tests/e2e/cluster.py's Cluster, for a running platform."""

    external = True
    # Services' exporters are not published by a stack (compose keeps them on its network).
    metrics_ports = {}
    # Instances per service: whatever the stack runs (at least one each).
    instances = None

    def __init__(self, base_url, admin_username, admin_password):
        self.base_url = base_url.rstrip("/")
        self.admin_username, self.admin_password = admin_username, admin_password
        self.http = httpx.Client(base_url=self.base_url, timeout=60)

    def __getattr__(self, name):
        # Only reached for what an ExternalStack does not have: the local cluster's processes,
        # databases, vhost... A test that needs them must be marked local_cluster.
        raise NotOverHttp(f"cluster.{name}: the suite runs against {BASE_URL or 'a running stack'} (E2E_BASE_URL) "
                          "and only speaks HTTP to it; mark the test local_cluster")

    def stop(self):
        self.http.close()

    def wait_ready(self, timeout_s):
        deadline = time.monotonic() + timeout_s
        last = None
        while True:
            try:
                resp = self.http.get("/readyz", timeout=10)
                if resp.status_code == 200:
                    return resp
                last = f"{resp.status_code} {resp.text[:300]}"
            except httpx.HTTPError as exc:
                last = repr(exc)
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.base_url}/readyz not 200 after {timeout_s} s: {last}")
            time.sleep(1)

    def login(self, username=None, password=None):
        resp = self.http.post("/api/v1/auth/token", json={"username": username or self.admin_username,
                                                           "password": password or self.admin_password})
        assert resp.status_code == 200, f"login as {username or self.admin_username} at {self.base_url}: {resp.text}"
        return resp.json()["access_token"]

    def auth(self, username=None, password=None):
        return {"Authorization": f"Bearer {self.login(username, password)}"}


def from_env():
    """The ExternalStack that E2E_BASE_URL, E2E_ADMIN_USERNAME and E2E_ADMIN_PASSWORD name."""
    password = os.environ.get("E2E_ADMIN_PASSWORD")
    if not password:
        raise RuntimeError("E2E_BASE_URL is set: E2E_ADMIN_PASSWORD (and E2E_ADMIN_USERNAME, default admin) "
                           "must give the stack's organizer login (BOOTSTRAP_ADMIN_* in its .env)")
    stack = ExternalStack(BASE_URL, os.environ.get("E2E_ADMIN_USERNAME") or "admin", password)
    stack.wait_ready(float(os.environ.get("E2E_START_TIMEOUT_S", "120")))
    return stack


def read_env(path):
    values = {}
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            if line and not line.startswith("#") and "=" in line:
                key, _, value = line.partition("=")
                values[key.strip()] = value.strip()
    return values


def main(argv=None):
    """`make e2e-compose`: the suite against a running stack, its URL and login from its .env."""
    p = argparse.ArgumentParser(description=main.__doc__)
    p.add_argument("--env-file", default=os.path.join(ROOT, ".env"),
                   help="the stack's .env (GATEWAY_PORT, BOOTSTRAP_ADMIN_USERNAME/PASSWORD); default ./.env")
    p.add_argument("--url", help="the gateway's base URL (default http://127.0.0.1:GATEWAY_PORT of the .env)")
    p.add_argument("pytest_args", nargs="*", help="more pytest arguments (after --), e.g. -k or test files")
    args = p.parse_args(argv)
    env = dict(os.environ)
    values = read_env(args.env_file) if os.path.exists(args.env_file) else {}
    if not (args.url or values):
        sys.exit(f"no stack: {args.env_file} is missing (make compose-up writes it) and no --url")
    env["E2E_BASE_URL"] = args.url or f"http://127.0.0.1:{values.get('GATEWAY_PORT', '8000')}"
    env.setdefault("E2E_ADMIN_USERNAME", values.get("BOOTSTRAP_ADMIN_USERNAME", "admin"))
    if values.get("BOOTSTRAP_ADMIN_PASSWORD"):
        env.setdefault("E2E_ADMIN_PASSWORD", values["BOOTSTRAP_ADMIN_PASSWORD"])
    if values and not values.get("REGISTRATION_EXEMPT_ADDRESSES"):
        print(f"warning: {args.env_file} sets no REGISTRATION_EXEMPT_ADDRESSES: the stack throttles this host's "
              "registrations after REGISTRATION_MAX_PER_ADDRESS (README: End-to-end suite against a running stack)",
              file=sys.stderr)
    print(f"end-to-end suite against {env['E2E_BASE_URL']} as {env['E2E_ADMIN_USERNAME']}", flush=True)
    cmd = [sys.executable, "-m", "pytest", "-p", "no:pytest_nameko", "tests/e2e", "-rs",
           f"--timeout={os.environ.get('E2E_TEST_TIMEOUT_S', '600')}", *args.pytest_args]
    return subprocess.call(cmd, cwd=ROOT, env=env)


if __name__ == "__main__":
    sys.exit(main())
