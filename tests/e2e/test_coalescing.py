"""Coalescing end to end (gateway/batching.py, quiz's start_attempts / submit_attempts, common/batch.py):
a burst of starts and then of submits through the real gateway, quiz and PostgreSQL. The gateway's
own metrics show that the calls left in fewer messages than there were calls; every contestant
still gets their own paper, and their own grade, exactly once.

Coalescing only happens while the pipeline is full, which a burst on a fast (or a slow) machine may
or may not achieve by itself. So each burst meets a held quiz: the test holds, in quiz's database,
the row locks the calls need (the round's row for starts, the attempts' rows for submits), the
batches in flight wait there, and the locks are let go only once the gateway's own gauge shows the
whole burst inside it (in those batches or queued behind them); calls that wait together leave
together.
"""
import contextlib
import re
import threading
from concurrent.futures import ThreadPoolExecutor

import psycopg2
import pytest

from tests.e2e.quizclient import Client, make_bank, open_rounds, sheet, tag, wait_for, wait_graded

pytestmark = pytest.mark.local_cluster(reason="holds row locks in quiz's database to make a burst pile up")

N = 40
SETTINGS = {"questions_per_attempt": 3, "time_limit_s": 600, "max_attempts_per_round": 1, "grace_s": 1}


@pytest.fixture(scope="module")
def api(cluster):
    client = Client(cluster.base_url)
    yield client
    client.close()


def rpc_calls(cluster, method):
    """Successful calls of quiz.<method> the gateway has made, from its /metrics."""
    text = cluster.http.get("/metrics").text
    pattern = rf'^cchc_gateway_rpc_calls_total\{{(?=[^}}]*service="quiz")(?=[^}}]*method="{method}")' \
              rf'(?=[^}}]*outcome="ok")[^}}]*\}} ([0-9.e+]+)$'
    return sum(float(v) for v in re.findall(pattern, text, re.M))


def pending_calls(cluster, method):
    """Calls of quiz.<method> inside the gateway's coalescer now, waiting or on their way (its /metrics)."""
    text = cluster.http.get("/metrics").text
    pattern = rf'^cchc_gateway_rpc_pending_calls\{{(?=[^}}]*service="quiz")(?=[^}}]*method="{method}")' \
              rf'[^}}]*\}} ([0-9.e+]+)$'
    return sum(float(v) for v in re.findall(pattern, text, re.M))


@contextlib.contextmanager
def quiz_held(cluster, lock_sql, *args):
    """Hold the row locks `lock_sql` (SELECT ... FOR UPDATE) takes in quiz's database until the block ends."""
    conn = psycopg2.connect(cluster.databases["quiz"][1])
    try:
        with conn.cursor() as cur:
            cur.execute(lock_sql, args)
            assert cur.fetchall(), "nothing to lock"
            yield
    finally:
        conn.rollback()
        conn.close()


def burst(fn, items, cluster, method, lock_sql, *lock_args):
    """Call fn on every item from its own thread, all released at the same moment, against a quiz
    held by `lock_sql` until every call of `method` is inside the gateway at once: then at most
    RPC_BATCH_MAX_IN_FLIGHT batches are on their way and the rest wait, to leave together as soon as
    one comes back. Then let quiz go; return every result."""
    gate = threading.Barrier(len(items))

    def one(item):
        gate.wait()
        return fn(item)

    with ThreadPoolExecutor(len(items)) as pool:
        with quiz_held(cluster, lock_sql, *lock_args):
            results = pool.map(one, items)
            def whole_burst_inside():
                pending = pending_calls(cluster, method)
                assert pending == len(items), f"{pending} of {len(items)} calls of quiz.{method} in the coalescer"
                return True

            # The calls' RPC timeout (5 s in the cluster) runs meanwhile: this is quick or a failure.
            wait_for(whole_burst_inside, 4, 0.05)
        return list(results)


def test_a_burst_of_starts_and_submits_is_coalesced_and_each_gets_its_own_outcome(cluster, api, admin_headers):
    t = tag()
    unit = f"E2E-{t}-GOP"
    api.setup_units(admin_headers, [(unit, "Sở Tư pháp (kiểm thử gộp)", "province_dept", "", N)])
    code = f"e2e-gop-{t}"
    bank = make_bank(code, 6)
    by_text = {q["text"]: q for q in bank}
    api.setup_contest(admin_headers, code, open_rounds(), SETTINGS, bank)
    people = [api.new_contestant(unit, full_name=f"Lê Văn Gộp {i}") for i in range(N)]

    calls_before = {m: rpc_calls(cluster, m) for m in ("start_attempt", "start_attempts",
                                                        "submit_attempt", "submit_attempts")}
    starts = burst(lambda p: api.start(p["headers"], code, 1), people, cluster, "start_attempt",
                   "SELECT 1 FROM rounds WHERE contest_code = %s AND n = 1 FOR UPDATE", code)
    assert [r.status_code for r in starts] == [201] * N, [r.text for r in starts if r.status_code != 201]
    papers = [r.json() for r in starts]
    assert len({p["attempt_id"] for p in papers}) == N
    for person, paper in zip(people, papers):  # each paper is its owner's
        assert api.resume(person["headers"], paper["attempt_id"]).status_code == 200

    wanted = [i % 4 for i in range(N)]  # right answers per contestant: 0..3
    submits = burst(lambda i: api.submit(people[i]["headers"], papers[i]["attempt_id"],
                                         sheet(papers[i], by_text, wanted[i])), list(range(N)), cluster,
                    "submit_attempt", "SELECT 1 FROM attempts WHERE contest_code = %s FOR UPDATE", code)
    assert [r.status_code for r in submits] == [202] * N, [r.text for r in submits if r.status_code != 202]

    for i, (person, paper) in enumerate(zip(people, papers)):
        graded = wait_graded(api, person["headers"], paper["attempt_id"])
        assert (graded["correct"], graded["total"]) == (wanted[i], 3), graded

    calls = {m: rpc_calls(cluster, m) - before for m, before in calls_before.items()}
    assert calls["start_attempt"] == N and calls["submit_attempt"] == N, calls
    # Fewer messages than calls: the burst met a full pipeline and left in batches.
    assert 1 <= calls["start_attempts"] < N and 1 <= calls["submit_attempts"] < N, calls
