"""Issue 16: the gateway's metrics are the sums over its worker processes (gateway/serve.py,
prometheus_client's multiprocess mode), so /metrics and the monitors' page count every request
whichever worker served it, and the totals never go back (a rate is never negative).

Real processes: `python -m gateway.serve --workers 2`, and two uvicorn processes sharing one metrics
directory (which worker accepts a connection is the kernel's choice; two processes on two ports make
"requests served by both" certain). The routes counted call no service; the monitors' summary is
read with a token, whose session the gateway checks with quiz (gateway/sessions.py): a stand-in
answering only those checks runs on a throwaway vhost (tests/gateway/sessions_quiz.py).
"""
import os
import re
import signal
import subprocess
import sys
import time

import httpx
import pytest

from gateway import auth
from gateway.config import settings
from tests.gateway import rabbit
from tests.s3 import free_port

pytestmark = pytest.mark.timeout(180)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ROUTE = "/api/v1/time"


@pytest.fixture(scope="module")
def broker():
    """A throwaway vhost with the token-check stand-in of quiz; its AMQP URI."""
    name, uri = rabbit.create_vhost()
    proc = rabbit.start_service(uri, name, "tests.gateway.sessions_quiz", "quiz")
    try:
        yield uri
    finally:
        rabbit.stop(proc)
        rabbit.delete_vhost(name)


def env_for(metrics_dir, amqp_uri="amqp://guest:guest@127.0.0.1:1/"):
    env = {k: v for k, v in os.environ.items() if k not in ("PROMETHEUS_MULTIPROC_DIR", "WEB_CONCURRENCY")}
    env.update(PYTHONPATH=ROOT, JWT_SECRET=settings.jwt_secret, APP_ENV="development",
               # Without a broker (the default here) the gateway starts anyway: its RPC client keeps retrying.
               AMQP_URI=amqp_uri, GATEWAY_AMQP_URI=amqp_uri,
               RABBIT_API_URL="http://guest:guest@127.0.0.1:1", METRICS_ALLOW_FROM="")
    if metrics_dir:
        env["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)
    return env


def start(argv, env):
    return subprocess.Popen([sys.executable, *argv], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)


def wait_ready(port, proc, timeout_s=60):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the gateway exited at start"
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError("the gateway did not answer /healthz")


def stop(proc):
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def hit(port, n):
    """`n` requests on `ROUTE`, each on a new connection (so any worker may accept it)."""
    for _ in range(n):
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as c:
            assert c.get(ROUTE).status_code == 200


def scraped_total(port):
    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
    found = re.findall(r'^cchc_gateway_requests_total\{method="GET",route="/api/v1/time",status="200"\} (\S+)$',
                       text, re.M)
    return sum(float(v) for v in found)


def summary(port):
    headers = {"Authorization": "Bearer " + auth.issue_token({"id": "m1", "role": "monitor", "unit_code": None})[0]}
    resp = httpx.get(f"http://127.0.0.1:{port}/api/v1/admin/metrics/summary", headers=headers, timeout=10)
    assert resp.status_code == 200, resp.text
    return resp.json()


def route_requests(s):
    return sum(r["requests"] for r in s["routes"] if r["route"] == ROUTE)


def leave_stale_counts(metrics_dir, count):
    """Metric files of an earlier run in `metrics_dir` (as a crashed gateway would leave them)."""
    code = ("from gateway import metrics; "
            f"metrics.HTTP_REQUESTS.labels('GET', '{ROUTE}', '200').inc({count})")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env_for(metrics_dir), check=True)
    assert any(name.endswith(".db") for name in os.listdir(metrics_dir))


def test_two_workers_count_every_request_from_zero_and_clean_up(tmp_path, broker):
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    leave_stale_counts(metrics_dir, 1000)  # a fresh start forgets them
    port = free_port()
    proc = start(["-m", "gateway.serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2",
                  "--no-access-log"], env_for(metrics_dir, broker))
    try:
        wait_ready(port, proc)
        samples, sent = [summary(port)], 0
        for _ in range(6):
            hit(port, 15)
            sent += 15
            samples.append(summary(port))
        assert scraped_total(port) == sent
        assert route_requests(samples[-1]) == sent
        # What the monitors' page turns into rates: totals that never go back.
        totals = [s["requests"] for s in samples]
        assert all(b >= a for a, b in zip(totals, totals[1:])), totals
        assert [route_requests(s) for s in samples] == list(range(0, sent + 1, 15))
    finally:
        stop(proc)
    assert proc.returncode is not None
    assert [name for name in os.listdir(metrics_dir) if name.endswith(".db")] == []  # cleaned at stop


def test_two_processes_sharing_the_directory_add_up(tmp_path, broker):
    """Two gateway processes (one worker each) share one multiprocess directory: whichever of them
    is scraped, /metrics and the summary count the requests both served."""
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    ports = [free_port(), free_port()]
    procs = [start(["-m", "uvicorn", "gateway.main:app", "--host", "127.0.0.1", "--port", str(p), "--no-access-log"],
                   env_for(metrics_dir, broker)) for p in ports]
    try:
        for p, proc in zip(ports, procs):
            wait_ready(p, proc)
        hit(ports[0], 7)
        hit(ports[1], 12)
        assert scraped_total(ports[0]) == scraped_total(ports[1]) == 19
        assert route_requests(summary(ports[0])) == route_requests(summary(ports[1])) == 19
        before = summary(ports[1])["requests"]
        hit(ports[0], 3)
        after = summary(ports[1])["requests"]
        assert after >= before + 3  # a rate from the other process's reading is positive
    finally:
        for proc in procs:
            stop(proc)


def test_without_a_shared_directory_each_process_counts_alone(tmp_path):
    """The failure this fixes, shown: two processes without the directory each see their own."""
    ports = [free_port(), free_port()]
    procs = [start(["-m", "uvicorn", "gateway.main:app", "--host", "127.0.0.1", "--port", str(p), "--no-access-log"],
                   env_for(None)) for p in ports]
    try:
        for p, proc in zip(ports, procs):
            wait_ready(p, proc)
        hit(ports[0], 4)
        hit(ports[1], 9)
        assert (scraped_total(ports[0]), scraped_total(ports[1])) == (4, 9)
    finally:
        for proc in procs:
            stop(proc)
