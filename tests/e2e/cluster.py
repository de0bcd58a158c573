"""The whole platform as real processes, for end-to-end tests.

`Cluster.start()` creates a fresh RabbitMQ vhost (management API) and fresh PostgreSQL databases
(one per service, tests/pg.py), starts the object store (moto's S3 server behind tests/s3verify.py,
which checks SigV4 signatures and expiry as MinIO does: tests/s3.py), the four services (quiz twice: competing
consumers) and the gateway with subprocess.Popen on free ports, each logging to its own file under
tests/artifacts/, and waits for the gateway's /readyz. `stop()` ends the processes and removes the
vhost and the databases. Tests get each process by (service, instance number from 1) to kill or
restart it.
"""
import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.parse
import uuid

import httpx

from tests import pg, s3

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)
ARTIFACTS = os.path.join(ROOT, "tests", "artifacts")
RABBIT_API_URL = os.environ.get("RABBIT_API_URL", "http://guest:guest@127.0.0.1:15672")
AMQP_HOST = os.environ.get("E2E_AMQP_HOST", "guest:guest@127.0.0.1:5672")

SERVICES = ("quiz", "scoring", "media", "awards")
INSTANCES = {"quiz": 2, "scoring": 1, "media": 1, "awards": 1}
# Short enough to keep the "service down" checks quick, long enough for a busy 2-core machine.
RPC_TIMEOUT_S = 5
READY_TIMEOUT_S = 2
# Registrations one address may make an hour here (the default is 30): small, so that the
# throttle's test floods quickly.
REGISTRATION_MAX_PER_ADDRESS = 10
START_TIMEOUT_S = float(os.environ.get("E2E_START_TIMEOUT_S", "120"))


def _api(url):
    """(base URL without credentials, (user, password)) from a URL with user:password@."""
    parts = urllib.parse.urlsplit(url)
    auth = (urllib.parse.unquote(parts.username or "guest"), urllib.parse.unquote(parts.password or "guest"))
    netloc = parts.hostname + (f":{parts.port}" if parts.port else "")
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", "")), auth


class RabbitAdmin:
    """The bits of RabbitMQ's management API the tests need."""

    def __init__(self, url=RABBIT_API_URL):
        base, auth = _api(url)
        self.http = httpx.Client(base_url=base + "/api", auth=auth, timeout=10)

    def create_vhost(self, vhost):
        q = urllib.parse.quote(vhost, safe="")
        self.http.put(f"/vhosts/{q}").raise_for_status()
        self.http.put(
            f"/permissions/{q}/{urllib.parse.quote(self._user(), safe='')}",
            json={"configure": ".*", "write": ".*", "read": ".*"},
        ).raise_for_status()

    def _user(self):
        return self.http.get("/whoami").json()["name"]

    def delete_vhost(self, vhost):
        self.http.delete(f"/vhosts/{urllib.parse.quote(vhost, safe='')}")

    def connections(self, vhost):
        resp = self.http.get(f"/vhosts/{urllib.parse.quote(vhost, safe='')}/connections")
        resp.raise_for_status()
        return resp.json()

    def close_connection(self, name):
        resp = self.http.delete(
            f"/connections/{urllib.parse.quote(name, safe='')}",
            headers={"X-Reason": "e2e test cuts this connection"},
        )
        resp.raise_for_status()

    def queues(self, vhost):
        resp = self.http.get(f"/queues/{urllib.parse.quote(vhost, safe='')}")
        resp.raise_for_status()
        return resp.json()


def connection_name(conn):
    return (conn.get("client_properties") or {}).get("connection_name") or ""


class Cluster:
    external = False              # tests/e2e/external.py's ExternalStack: a platform already running
    admin_username = "admin"      # BOOTSTRAP_ADMIN_USERNAME below
    instances = INSTANCES

    def __init__(self):
        run_id = uuid.uuid4().hex[:8]
        self.vhost = f"cchc_e2e_{run_id}"
        self.log_dir = os.path.join(ARTIFACTS, f"e2e-{time.strftime('%Y%m%d-%H%M%S')}-{run_id}")
        self.rabbit = RabbitAdmin()
        self.databases = {}  # service -> (name, url)
        self.procs = {}      # (service, n) -> Popen
        self.metrics_ports = {}
        self.store = None        # tests/s3.py Store: moto behind the signature-checking proxy
        self.moto = None         # moto's process (bench/cluster.py starts moto alone)
        self.s3_endpoint = None  # where the platform and the tests reach the store
        self.gateway_port = s3.free_port()
        self.base_url = f"http://127.0.0.1:{self.gateway_port}"
        self.http = httpx.Client(base_url=self.base_url, timeout=30)
        self.jwt_secret = "e2e-" + uuid.uuid4().hex + uuid.uuid4().hex

    # --- life cycle -------------------------------------------------------------------------
    def start(self):
        os.makedirs(self.log_dir, exist_ok=True)
        self.rabbit.create_vhost(self.vhost)
        for service in SERVICES:
            self.databases[service] = pg.create_database(prefix=f"cchc_e2e_{service}")
        self.store = s3.start_store(log_file=os.path.join(self.log_dir, "s3.log"))
        self.moto, self.s3_endpoint = self.store.moto, self.store.endpoint
        for service in SERVICES:
            for n in range(1, INSTANCES[service] + 1):
                self.spawn(service, n)
        self.spawn("gateway", 1)
        self.wait_ready(START_TIMEOUT_S)
        return self

    def stop(self):
        """End every process, then remove the vhost and the databases; each step even if one fails."""
        steps = [lambda proc=proc: s3.terminate(proc) for proc in self.procs.values()]
        if self.store:
            steps.append(self.store.stop)
        elif self.moto:
            steps.append(lambda: s3.stop(self.moto))
        steps.append(lambda: self.rabbit.delete_vhost(self.vhost))
        steps += [lambda name=name: pg.drop_database(name) for name, _url in self.databases.values()]
        errors = []
        for step in steps:
            try:
                step()
            except Exception as exc:  # keep cleaning up; report at the end
                errors.append(exc)
        self.procs.clear()
        self.http.close()
        if errors:
            raise RuntimeError(f"cluster clean-up incomplete: {errors!r}")

    def env(self, service, n):
        env = dict(os.environ)
        env.update(
            AMQP_URI=f"amqp://{AMQP_HOST}/{urllib.parse.quote(self.vhost, safe='')}",
            APP_ENV="local",
            BOOTSTRAP_ADMIN_USERNAME="admin",
            BOOTSTRAP_ADMIN_PASSWORD="admin",
            # One secret for every gateway start of this cluster (tokens survive a restart).
            JWT_SECRET=self.jwt_secret,
            RABBIT_API_URL=RABBIT_API_URL,
            RPC_TIMEOUT_S=str(RPC_TIMEOUT_S),
            READY_TIMEOUT_S=str(READY_TIMEOUT_S),
            # The proxy, for the service and for browsers alike: every request is signature-checked.
            S3_ENDPOINT=self.s3_endpoint,
            S3_PUBLIC_ENDPOINT=self.s3_endpoint,
            S3_ACCESS_KEY=s3.ACCESS_KEY,
            S3_SECRET_KEY=s3.SECRET_KEY,
            S3_REGION=s3.REGION,
            S3_BUCKET="cchc-clips-e2e",
            # The portal of this cluster may upload to the bucket (media sets the bucket's CORS).
            S3_CORS_ORIGINS=self.base_url,
            # S3's smallest part size, so that a test clip of a few MiB spans several parts.
            CLIP_PART_SIZE=str(5 * 1024 * 1024),
            DATA_DIR=os.path.join(self.log_dir, "var"),  # nothing should land there: PostgreSQL is set
            # Every test registers from 127.0.0.1; the registration throttle's own test is a caller
            # on another loopback address (tests/e2e/test_rosters.py).
            REGISTRATION_EXEMPT_ADDRESSES="127.0.0.1",
            REGISTRATION_MAX_PER_ADDRESS=str(REGISTRATION_MAX_PER_ADDRESS),
            PYTHONUNBUFFERED="1",
            PYTHONWARNINGS="ignore::Warning:nameko.cli.commands",
        )
        env.pop("DATABASE_URL", None)
        for svc, (_name, url) in self.databases.items():
            env[f"{svc.upper()}_DATABASE_URL"] = url
        if service == "gateway":
            # The proxy the gateway trusts for X-Forwarded-For (uvicorn's own default, set so that an
            # outside value cannot change what tests/security/test_login_throttle.py checks).
            env["FORWARDED_ALLOW_IPS"] = "127.0.0.1,::1"
            # Cached token versions live an hour here: an ended session must reach the gateway by
            # quiz's account_sessions_ended event, never by the cache expiring (tests/e2e/test_accounts.py).
            env["TOKEN_VERSION_TTL_S"] = "3600"
        else:
            port = self.metrics_ports.get((service, n)) or s3.free_port()
            self.metrics_ports[(service, n)] = port
            env["METRICS_PORT"] = str(port)
        return env

    def command(self, service, port=None):
        if service == "gateway":
            # As make run and compose start it (gateway/serve.py: metrics summed over workers).
            return [os.path.join(BIN, "python"), "-m", "gateway.serve", "--host", "127.0.0.1",
                    "--port", str(port or self.gateway_port)]
        return [os.path.join(BIN, "nameko"), "run", "--config", os.path.join(ROOT, "deploy", "nameko.yaml"),
                f"services.{service}.service"]

    def spawn(self, service, n=1, extra_env=None, port=None):
        """Start one process; `extra_env` adds variables for this start only (e.g. a test hook);
        `port`: another gateway's (a second gateway process beside the cluster's own)."""
        env = self.env(service, n)
        env.update(extra_env or {})
        log = open(os.path.join(self.log_dir, f"{service}-{n}.log"), "ab")
        proc = subprocess.Popen(self.command(service, port), cwd=ROOT, env=env,
                                stdout=log, stderr=subprocess.STDOUT)
        log.close()  # the child holds its own copy
        self.procs[(service, n)] = proc
        return proc

    # --- helpers for tests ------------------------------------------------------------------
    def pid(self, service, n=1):
        return self.procs[(service, n)].pid

    def kill(self, service, n=1, sig=signal.SIGKILL):
        """Send `sig` (default SIGKILL: no clean-up at all) and wait for the process to end."""
        proc = self.procs[(service, n)]
        if proc.poll() is None:
            proc.send_signal(sig)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        return proc.returncode

    def stop_service(self, service, n=1):
        """A clean stop (SIGTERM, as an operator would)."""
        return self.kill(service, n, signal.SIGTERM)

    def restart(self, service, n=1):
        self.kill(service, n)
        return self.spawn(service, n)

    def alive(self, service, n=1):
        return self.procs[(service, n)].poll() is None

    def wait_ready(self, timeout_s):
        """Wait for /readyz 200; fail early (with the logs' tails) if a process died."""
        deadline = time.monotonic() + timeout_s
        last = None
        while time.monotonic() < deadline:
            for (service, n), proc in self.procs.items():
                if proc.poll() is not None:
                    raise RuntimeError(f"{service}-{n} exited with {proc.returncode}\n{self.log_tail(service, n)}")
            try:
                resp = self.http.get("/readyz", timeout=10)
                if resp.status_code == 200:
                    return resp
                last = f"{resp.status_code} {resp.text[:500]}"
            except httpx.HTTPError as exc:
                last = repr(exc)
            time.sleep(0.5)
        tails = "\n".join(self.log_tail(s, n) for s, n in self.procs)
        raise TimeoutError(f"/readyz not 200 after {timeout_s} s: {last}\n{tails}")

    def log_tail(self, service, n=1, lines=30):
        path = os.path.join(self.log_dir, f"{service}-{n}.log")
        try:
            with open(path, encoding="utf-8", errors="replace") as fh:
                return f"--- {path}\n" + "".join(fh.readlines()[-lines:])
        except OSError:
            return f"--- {path}: no log"

    def login(self, username="admin", password="admin"):
        resp = self.http.post("/api/v1/auth/token", json={"username": username, "password": password})
        assert resp.status_code == 200, resp.text
        return resp.json()["access_token"]

    def auth(self, username="admin", password="admin"):
        """Headers of a logged-in user (the bootstrap organizer by default)."""
        return {"Authorization": f"Bearer {self.login(username, password)}"}

    def gateway_connections(self):
        return [c for c in self.rabbit.connections(self.vhost) if connection_name(c).startswith("gateway")]


def eventually(check, timeout_s, interval_s=0.25):
    """Call `check` until it returns a truthy value or raises no AssertionError; then return it."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            result = check()
            if result:
                return result
            error = AssertionError(f"{check.__name__} stayed falsy")
        except (AssertionError, httpx.HTTPError) as exc:
            error = exc
        if time.monotonic() >= deadline:
            raise AssertionError(f"not within {timeout_s} s: {error}")
        time.sleep(interval_s)


def _interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


@contextlib.contextmanager
def running_cluster():
    """Start the whole platform, yield it, and always tear it down.

    A SIGTERM (CI's time limit, `timeout`) must still end the children and drop the vhost and the
    databases: it becomes the KeyboardInterrupt that pytest tears fixtures down on.
    """
    signal.signal(signal.SIGTERM, _interrupt)
    cluster = Cluster()
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()
