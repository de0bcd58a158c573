"""`make run` under its supervisor: processes SIGKILLed while people submit come back, nothing is lost.

Starts exactly what `make run` starts (scripts/supervise.py: supervisord with moto, the gateway, two
quiz instances, scoring niced, media, awards; SQLite files in the data folder; env from
deploy/run.env) on free ports, a fresh data folder and a RabbitMQ vhost of its own. While 300
contestants submit (tests/e2e/test_quiz_faults.py's `prepare` and ledger), scoring is SIGKILLed a
third of the way through and quiz instance 1 two thirds through: each time supervisord must start a
new process and `/readyz` answer 200 within 15 s, while every other process keeps its pid (nobody else
was stopped, as honcho did). Then every accepted submission must be graded exactly once
(`lost=0 duplicated=0 wrong=0`). Finally Ctrl-C (SIGINT to supervisord) must stop every process.

Marked `fault` (it kills processes): the test runner puts it in the fault phase. The broker is never
touched.
"""
import concurrent.futures as cf
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import uuid

import httpx
import pytest

from tests.e2e.cluster import AMQP_HOST, ARTIFACTS, RABBIT_API_URL, RabbitAdmin
from tests.e2e.quizclient import Client
from tests.e2e.test_quiz_faults import N, POOL, _patient, check_everything, prepare

pytestmark = pytest.mark.fault

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import supervise  # noqa: E402

BACK_WITHIN_S = 15
START_TIMEOUT_S = float(os.environ.get("E2E_START_TIMEOUT_S", "120"))


def _port_free(port):
    with contextlib.closing(socket.socket()) as sock:
        try:
            sock.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def free_port():
    with contextlib.closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def free_base_port(env):
    """A RUN_BASE_PORT whose every exporter port (supervise.py's rule) is free."""
    rng = uuid.uuid4().int
    for attempt in range(50):
        base = 20000 + ((rng >> (attempt * 8)) % 400) * 100
        env = {**env, "RUN_BASE_PORT": str(base)}
        if all(_port_free(p) for ports in supervise.metrics_ports(env).values() for p in ports):
            return base
    raise RuntimeError("no free port range for the exporters")


class SupervisedRun:
    """scripts/supervise.py started as `make run` starts it; the attributes tests/e2e's ledger reads
    (databases, vhost, rabbit, metrics_ports, log_dir) describe it like a tests/e2e Cluster."""

    def __init__(self):
        run_id = uuid.uuid4().hex[:8]
        self.vhost = f"cchc_run_{run_id}"
        self.log_dir = os.path.join(ARTIFACTS, f"run-{time.strftime('%Y%m%d-%H%M%S')}-{run_id}")
        self.data_dir = os.path.join(self.log_dir, "var")
        self.rabbit = RabbitAdmin()
        self.gateway_port = free_port()
        self.base_url = f"http://127.0.0.1:{self.gateway_port}"
        env = {k: v for k, v in os.environ.items() if not k.endswith("DATABASE_URL")}  # SQLite, as make run
        env.update(
            AMQP_URI=f"amqp://{AMQP_HOST}/{urllib.parse.quote(self.vhost, safe='')}",
            RABBIT_API_URL=RABBIT_API_URL,
            GATEWAY_PORT=str(self.gateway_port),
            S3_ENDPOINT=f"127.0.0.1:{free_port()}",
            DATA_DIR=self.data_dir,
            PYTHONPATH=ROOT,
            # 300 people register from this one address (the registration throttle is per address).
            REGISTRATION_EXEMPT_ADDRESSES="127.0.0.1",
        )
        env["RUN_BASE_PORT"] = str(free_base_port(env))
        self.env = env
        full = supervise.run_env(env)
        self.metrics_ports = {(svc, k): port for svc, ports in supervise.metrics_ports(full).items()
                              for k, port in enumerate(ports, start=1)}
        self.databases = {svc: (None, f"sqlite:///{os.path.join(self.data_dir, svc + '.db')}")
                          for svc in ("quiz", "scoring", "media", "awards")}
        self.conf = os.path.join(self.data_dir, "supervisord.conf")
        self.proc = None
        self.http = httpx.Client(base_url=self.base_url, timeout=30)
        self.seen_pids = set()

    def start(self):
        os.makedirs(self.log_dir, exist_ok=True)
        self.rabbit.create_vhost(self.vhost)
        out = open(os.path.join(self.log_dir, "supervisord.out"), "ab")
        # What `make run` runs after its install and infrastructure checks.
        self.proc = subprocess.Popen([os.path.join(BIN, "python"), os.path.join(ROOT, "scripts", "supervise.py")],
                                     cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT)
        out.close()
        self.wait_ready(START_TIMEOUT_S)
        return self

    def ctl(self, *args):
        return subprocess.run([os.path.join(BIN, "supervisorctl"), "-c", self.conf, *args],
                              capture_output=True, text=True, timeout=30).stdout

    def pids(self):
        """{program: pid} of the running programs (0 for one not running)."""
        pids = {}
        for line in self.ctl("status").splitlines():
            parts = line.split()
            if len(parts) >= 2 and parts[0].startswith("cchc:"):
                name = parts[0].split(":", 1)[1]
                pids[name] = int(parts[3].rstrip(",")) if parts[1] == "RUNNING" else 0
        self.seen_pids.update(p for p in pids.values() if p)
        return pids

    def ready(self):
        try:
            return self.http.get("/readyz", timeout=5).status_code == 200
        except httpx.HTTPError:
            return False

    def wait_ready(self, timeout_s):
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"supervisord exited with {self.proc.returncode}\n{self.tail()}"
            if self.ready():
                return
            time.sleep(0.5)
        raise TimeoutError(f"/readyz not 200 after {timeout_s} s\n{self.tail()}")

    def kill_and_wait_back(self, program):
        """SIGKILL `program`; seconds until supervisord runs a new one and /readyz answers 200."""
        before = self.pids()
        assert before[program], before
        os.kill(before[program], signal.SIGKILL)
        killed = time.monotonic()
        while True:
            now = self.pids()
            if now.get(program) and now[program] != before[program] and self.ready():
                took = time.monotonic() - killed
                others = {k: v for k, v in now.items() if k != program}
                assert others == {k: v for k, v in before.items() if k != program}, (before, now)
                return round(took, 1)
            if time.monotonic() - killed > BACK_WITHIN_S:
                raise AssertionError(f"{program} not back within {BACK_WITHIN_S} s: {now}\n{self.tail()}")
            time.sleep(0.2)

    def tail(self, lines=40):
        path = os.path.join(self.log_dir, "supervisord.out")
        with open(path, encoding="utf-8", errors="replace") as fh:
            return "".join(fh.readlines()[-lines:])

    def interrupt(self, timeout_s=60):
        """Ctrl-C: SIGINT to supervisord; returns the pids still alive after it exited."""
        self.pids()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            self.proc.wait(timeout_s)
        return [p for p in self.seen_pids if _alive(p)]

    def stop(self):
        """Whatever the test left: supervisord and its children killed, the vhost removed."""
        try:
            if self.proc and self.proc.poll() is None:
                self.interrupt()
        except Exception:
            self.proc.kill()
        finally:
            for pid in self.seen_pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            self.rabbit.delete_vhost(self.vhost)
            self.http.close()


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped by a parent that is gone) is not running.
    with contextlib.suppress(OSError):
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    return True


def check_clip_upload_cors(api, admin, origin):
    """The portal's clip upload works against make run's moto (no verifying proxy; MOTO_DISABLE_GLOBAL_CORS
    from deploy/run.env): the browser's preflight is allowed for the portal's origin only, and the
    PUT's answer exposes ETag (the page completes the upload with it)."""
    resp = api.http.post("/contests/cchc-demo/clips", headers=admin, json={
        "unit_code": "SNV", "title": "Kiểm tra CORS", "filename": "cors.mp4", "size_bytes": 1024,
        "content_type": "video/mp4"})
    assert resp.status_code == 201, resp.text
    clip_id, url = resp.json()["clip_id"], resp.json()["upload"]["parts"][0]["url"]
    preflight = {"Access-Control-Request-Method": "PUT", "Access-Control-Request-Headers": "content-type"}
    ok = httpx.options(url, headers={"Origin": origin, **preflight})
    assert ok.status_code == 200 and ok.headers.get("access-control-allow-origin") == origin, ok.headers
    foreign = httpx.options(url, headers={"Origin": "http://evil.example", **preflight})
    assert foreign.headers.get("access-control-allow-origin") in (None, ""), foreign.headers
    put = httpx.put(url, content=b"\0" * 1024, headers={"Origin": origin, "Content-Type": "video/mp4"})
    assert put.status_code == 200 and put.headers.get("etag"), put.headers
    assert "etag" in put.headers.get("access-control-expose-headers", "").lower(), put.headers
    assert put.headers.get("access-control-allow-origin") == origin, put.headers
    assert api.http.delete(f"/clips/{clip_id}", headers=admin).status_code == 204


@pytest.fixture(scope="module")
def supervised():
    run = SupervisedRun()
    try:
        run.start()
        yield run
    finally:
        run.stop()


def test_make_run_restarts_killed_processes_and_loses_nothing(supervised):
    run = supervised
    api = Client(run.base_url, timeout=60)
    admin = api.headers("admin", "admin")
    people = prepare(api, admin, "r")
    started = run.pids()
    assert set(started) == {"s3", "gateway", "quiz-1", "quiz-2", "scoring", "media", "awards"}, started
    assert all(started.values()), started

    back = {}
    hooks = {N // 3: "scoring", (2 * N) // 3: "quiz-1"}

    def submit(i):
        person, paper = people["people"][i], people["papers"][i]
        resp = _patient(lambda: api.submit(person["headers"], paper["attempt_id"], people["sheets"][i], prediction=i))
        assert resp is not None and resp.status_code == 202, resp and resp.text
        return paper["attempt_id"]

    accepted = []
    with cf.ThreadPoolExecutor(POOL) as pool:
        for future in cf.as_completed([pool.submit(submit, i) for i in range(N)]):
            accepted.append(future.result())
            program = hooks.pop(len(accepted), None)
            if program:
                back[program] = run.kill_and_wait_back(program)
    print(f"\n[make run] SIGKILLed, back (new process running and /readyz 200) after: {back} s")
    assert set(back) == {"scoring", "quiz-1"}
    check_everything(api, admin, run, people, accepted, "make-run-killed")

    # The processes not killed kept running the whole time.
    final = run.pids()
    for name in ("s3", "gateway", "quiz-2", "media", "awards"):
        assert final[name] == started[name], (name, started, final)
    check_clip_upload_cors(api, admin, run.base_url)
    api.close()

    # Ctrl-C stops everything, nothing left behind.
    left = run.interrupt()
    assert run.proc.returncode == 0, run.tail()
    assert left == [], f"still running after Ctrl-C: {left}\n{run.tail()}"
