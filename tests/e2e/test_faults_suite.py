"""Fault suite: every process of the platform crashes while submissions flow; nothing accepted is lost.

Completes tests/e2e/test_quiz_faults.py (scoring SIGKILLed; RabbitMQ restarted, gated) with its own
helpers (prepare, check_everything: 300 contestants, known number of correct answers each, a
Jepsen-like ledger `submitted=… graded=… lost=… duplicated=… wrong=…` printed and written to the
cluster's log folder, every event replayed from both outboxes, the final leaderboard checked):

  a. each service in turn: quiz instance 1, media, awards, scoring are SIGKILLed and started again,
     and the gateway is SIGKILLed and restarted at once, all during one stream of submissions;
  b. PostgreSQL crashes (`pg_ctl stop -m immediate`: no checkpoint, crash recovery at start) and
     comes back during the submissions. That runs on a PostgreSQL server of the test's own
     (tests/e2e/private_pg.py, initdb on a free port) under a second cluster of processes: the
     machine's PostgreSQL is shared and never restarted.

Submissions refused meanwhile (503, or no answer from a gateway being restarted) are retried, as the
portal does; a 202 is an accepted submission and must end graded exactly once.
"""
import concurrent.futures as cf
import time

import pytest

from tests.e2e import private_pg
from tests.e2e.cluster import Cluster
from tests.e2e.quizclient import Client
from tests.e2e.test_quiz_faults import POOL, _patient, check_everything, prepare

pytestmark = pytest.mark.fault


def submit_through_faults(api, run, faults):
    """Submit every attempt from a thread pool; run the `faults` [(label, action)] one by one from
    this thread, evenly spread over the accepted submissions. Returns (accepted ids, timeline)."""
    n = len(run["papers"])
    due = {((k + 1) * n) // (len(faults) + 1): fault for k, fault in enumerate(faults)}
    assert len(due) == len(faults), "too few contestants to spread the faults"
    timeline = []

    def submit(i):
        person, paper = run["people"][i], run["papers"][i]
        resp = _patient(lambda: api.submit(person["headers"], paper["attempt_id"], run["sheets"][i], prediction=i))
        assert resp is not None and resp.status_code == 202, resp and resp.text
        assert resp.json()["attempt_id"] == paper["attempt_id"]
        return paper["attempt_id"]

    def fire(label, action):
        began = time.monotonic()
        outcome = action()
        timeline.append((len(accepted), label, outcome, round(time.monotonic() - began, 1)))

    accepted = []
    with cf.ThreadPoolExecutor(POOL) as pool:
        for future in cf.as_completed([pool.submit(submit, i) for i in range(n)]):
            accepted.append(future.result())
            fault = due.pop(len(accepted), None)
            if fault:
                fire(*fault)
    for fault in due.values():  # never skipped
        fire(*fault)
    return accepted, timeline


def print_timeline(label, timeline):
    print(f"\n[{label}] faults (after N accepted submissions: fault -> outcome, seconds):")
    for after, what, outcome, took in timeline:
        print(f"  after {after:4d}: {what:28} -> {outcome!s:10} {took} s")


@pytest.fixture(scope="module")
def api(cluster):
    client = Client(cluster.base_url, timeout=60)
    yield client
    client.close()


def test_every_service_killed_in_turn_mid_submissions(api, admin_headers, cluster):
    run = prepare(api, admin_headers, "s")

    def kill(service, n=1):
        return lambda: cluster.kill(service, n)

    def spawn(service, n=1):
        return lambda: cluster.spawn(service, n).pid > 0

    faults = [
        ("SIGKILL quiz-1", kill("quiz", 1)), ("start quiz-1", spawn("quiz", 1)),
        ("SIGKILL media", kill("media")), ("start media", spawn("media")),
        ("SIGKILL awards", kill("awards")), ("start awards", spawn("awards")),
        ("SIGKILL + restart gateway", lambda: cluster.restart("gateway").pid > 0),
        ("SIGKILL scoring", kill("scoring")), ("start scoring", spawn("scoring")),
    ]
    try:
        accepted, timeline = submit_through_faults(api, run, faults)
    finally:
        for key in list(cluster.procs):
            if not cluster.alive(*key):
                cluster.spawn(*key)
    print_timeline("every-service", timeline)
    # Each SIGKILL hit a live process (exit -9) and every start or restart happened, in order.
    expected = [True if "start" in what else -9 for what, _action in faults]
    assert [(what, outcome) for _after, what, outcome, _took in timeline] == \
        [(what, e) for (what, _a), e in zip(faults, expected)], timeline
    check_everything(api, admin_headers, cluster, run, accepted, "every-service-killed")
    cluster.wait_ready(60)  # media and awards answer their health again, as do the others
    for key in cluster.procs:
        assert cluster.alive(*key), cluster.log_tail(*key)


# --- PostgreSQL restart on a server of our own ---------------------------------------------------

class PrivatePostgresCluster(Cluster):
    """The same processes, their databases on `server` instead of the shared PostgreSQL."""

    def __init__(self, server):
        super().__init__()
        self.server = server

    def start(self):
        with self.server.as_test_admin():
            return super().start()

    def stop(self):
        with self.server.as_test_admin():
            super().stop()


@pytest.fixture(scope="module")
def pg_cluster():
    if not private_pg.available():
        pytest.skip("initdb/pg_ctl not installed: cannot run a PostgreSQL server of the test's own")
    server = private_pg.PrivatePostgres().start()
    cluster = PrivatePostgresCluster(server)
    try:
        cluster.start()
        yield cluster
    finally:
        try:
            cluster.stop()
        finally:
            server.destroy()


def test_postgres_crashed_and_restarted_mid_submissions(pg_cluster):
    server = pg_cluster.server
    api = Client(pg_cluster.base_url, timeout=60)
    try:
        admin = pg_cluster.auth()
        run = prepare(api, admin, "p")

        def crash_and_restart():
            server.crash()
            assert not server.is_up()
            time.sleep(3)  # submissions keep coming and are refused meanwhile
            server.restart_after_crash()
            return server.is_up()

        accepted, timeline = submit_through_faults(api, run, [("PostgreSQL crash + restart", crash_and_restart)])
        print_timeline("postgres", timeline)
        assert timeline[0][2] is True, timeline
        # The outage really met requests: the gateway answered them 503 (retried), never 500.
        gateway_log = pg_cluster.log_tail("gateway", 1, lines=10**6)
        refused = gateway_log.count("database unavailable")
        print(f"[postgres] requests refused with 503 during the outage: {refused}")
        assert refused > 0 and "unexpected error from" not in gateway_log, refused
        for key in pg_cluster.procs:
            assert pg_cluster.alive(*key), f"{key} died\n{pg_cluster.log_tail(*key)}"
        check_everything(api, admin, pg_cluster, run, accepted, "postgres-restarted")
        pg_cluster.wait_ready(60)
    finally:
        api.close()
