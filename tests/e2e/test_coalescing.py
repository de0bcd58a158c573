"""Coalescing end to end (gateway/batching.py, quiz's start_attempts / submit_attempts, common/batch.py):
a burst of starts and then of submits through the real gateway, quiz and PostgreSQL. The gateway's
own metrics show that the calls left in fewer messages than there were calls; every contestant
still gets their own paper, and their own grade, exactly once."""
import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.e2e.quizclient import Client, make_bank, open_rounds, sheet, tag, wait_graded

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


def burst(fn, items):
    """Call fn on every item from its own thread, all released at the same moment."""
    gate = threading.Barrier(len(items))

    def one(item):
        gate.wait()
        return fn(item)

    with ThreadPoolExecutor(len(items)) as pool:
        return list(pool.map(one, items))


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
    starts = burst(lambda p: api.start(p["headers"], code, 1), people)
    assert [r.status_code for r in starts] == [201] * N, [r.text for r in starts if r.status_code != 201]
    papers = [r.json() for r in starts]
    assert len({p["attempt_id"] for p in papers}) == N
    for person, paper in zip(people, papers):  # each paper is its owner's
        assert api.resume(person["headers"], paper["attempt_id"]).status_code == 200

    wanted = [i % 4 for i in range(N)]  # right answers per contestant: 0..3
    submits = burst(lambda i: api.submit(people[i]["headers"], papers[i]["attempt_id"],
                                         sheet(papers[i], by_text, wanted[i])), list(range(N)))
    assert [r.status_code for r in submits] == [202] * N, [r.text for r in submits if r.status_code != 202]

    for i, (person, paper) in enumerate(zip(people, papers)):
        graded = wait_graded(api, person["headers"], paper["attempt_id"])
        assert (graded["correct"], graded["total"]) == (wanted[i], 3), graded

    calls = {m: rpc_calls(cluster, m) - before for m, before in calls_before.items()}
    assert calls["start_attempt"] == N and calls["submit_attempt"] == N, calls
    # Fewer messages than calls: the burst met a full pipeline and left in batches.
    assert 1 <= calls["start_attempts"] < N and 1 <= calls["submit_attempts"] < N, calls
