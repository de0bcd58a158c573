"""Nothing submitted is lost, nothing is graded twice, every grade is right: under faults.

300 contestants (E2E_FAULT_CONTESTANTS) of a contest of the test's own each start an attempt and
submit answers with a known number of correct ones (i % 6 of 5 questions) while
  a. the scoring process is SIGKILLed a third of the way through the submissions and started again
     two thirds through;
  b. RabbitMQ itself is restarted a third of the way through (`rabbitmqctl stop_app` ... `start_app`);
     submissions refused meanwhile (503, or no answer) are retried as the portal would.
Then every attempt must become `graded` with the right number of correct answers (bounded wait), and
the ledger must balance: the quiz's attempts, scoring's graded rows and `attempt_graded` events, and
the final leaderboard (which scoring only publishes when its graded count equals quiz's submitted
count). Every real event is then replayed from both outboxes (with the answers altered to all-correct)
to prove the handlers idempotent: the ledger is compared once the consumers' own worker counters
(their /metrics) show every replayed message handled. A line `submitted=300 graded=300 lost=0 duplicated=0 wrong=0` is
printed and written to the cluster's log folder.

(b) restarts the broker for the WHOLE machine: it runs only where that is allowed (CI=true or
CCHC_ALLOW_BROKER_RESTART=1, as tests/e2e/test_fault_broker.py) and is ordered after every other
e2e test (marker `broker_restart`, see conftest.py).
"""
import concurrent.futures as cf
import datetime as dt
import json
import os
import shutil
import sqlite3
import subprocess
import time
import urllib.parse

import httpx
import pika
import psycopg2
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.cluster import AMQP_HOST
from tests.e2e.quizclient import Client, iso, make_bank, now_utc, patient, sheet, tag, wait_for
from tests.e2e.quizclient import wait_all_graded as _wait_all_graded

pytestmark = pytest.mark.fault

N = int(os.environ.get("E2E_FAULT_CONTESTANTS", "300"))
QPA = 5
GRADING_TIMEOUT_S = float(os.environ.get("E2E_FAULT_GRADING_TIMEOUT_S", "120"))
BROKER_RESTART_ALLOWED = os.environ.get("CI") == "true" or os.environ.get("CCHC_ALLOW_BROKER_RESTART") == "1"
POOL = 16


@pytest.fixture(scope="module")
def api(cluster):
    client = Client(cluster.base_url, timeout=60)
    yield client
    client.close()


_patient = patient  # tests.e2e.quizclient.patient; the name the fault tests import


def prepare(api, admin, label):
    """Units, a contest with one open round and a 10-question bank, N contestants each with an
    attempt started. Returns the run: {contest, people: [...], papers: [...], expected: [...]}."""
    t = tag()
    units = [f"F{label}{t}-{k}" for k in range(3)]
    api.setup_units(admin, [(u, f"Đơn vị kiểm thử sự cố {k}", "public_unit", "", 200) for k, u in enumerate(units)])
    code = f"e2e-fault-{label}-{t}"
    bank = make_bank(code, 10)
    now = now_utc()
    rounds = [{"opens_at": iso(now - dt.timedelta(minutes=1)), "closes_at": iso(now + dt.timedelta(hours=2))}]
    settings = {"questions_per_attempt": QPA, "time_limit_s": 3600, "max_attempts_per_round": 1, "grace_s": 30}
    api.setup_contest(admin, code, rounds, settings, bank)
    by_text = {q["text"]: q for q in bank}

    with cf.ThreadPoolExecutor(POOL) as pool:
        people = list(pool.map(lambda i: api.new_contestant(units[i % 3], full_name=f"Thí sinh Thử Nghiệm {i:03d}"),
                               range(N)))

        def start(person):
            resp = _patient(lambda: api.start(person["headers"], code, 1), 30)
            assert resp is not None and resp.status_code == 201, resp and resp.text
            return resp.json()

        papers = list(pool.map(start, people))
    expected = [i % (QPA + 1) for i in range(N)]
    sheets = [sheet(paper, by_text, expected[i]) for i, paper in enumerate(papers)]
    return {"contest": code, "units": units, "people": people, "papers": papers, "expected": expected,
            "sheets": sheets, "by_text": by_text}


def submit_all(api, run, at_one_third, at_two_thirds):
    """Submit every attempt from a thread pool; call the fault hooks from this thread when a third
    and two thirds of the submissions are accepted. Returns the accepted attempt ids."""
    def submit(i):
        person, paper = run["people"][i], run["papers"][i]
        resp = _patient(lambda: api.submit(person["headers"], paper["attempt_id"], run["sheets"][i], prediction=i))
        assert resp is not None and resp.status_code == 202, resp and resp.text
        assert resp.json()["attempt_id"] == paper["attempt_id"]
        return paper["attempt_id"]

    accepted = []
    hooks = {N // 3: at_one_third, (2 * N) // 3: at_two_thirds}
    pool = cf.ThreadPoolExecutor(POOL)
    try:
        for future in cf.as_completed([pool.submit(submit, i) for i in range(N)]):
            accepted.append(future.result())
            hook = hooks.pop(len(accepted), None)
            if hook:
                hook()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)  # a failure stops the rest early
    for hook in hooks.values():  # never skipped, even if N is tiny
        hook()
    return accepted


def wait_all_graded(api, admin, run):
    """Every attempt graded, or GRADING_TIMEOUT_S passed; {attempt_id: view}."""
    return _wait_all_graded(api, admin, run, GRADING_TIMEOUT_S, POOL)


def db_rows(url, sql, *args):
    if url.startswith("sqlite:///"):  # `make run`'s databases (tests/e2e/test_supervised_run.py)
        conn = sqlite3.connect(url[len("sqlite:///"):])
        try:
            return conn.execute(sql.replace("%s", "?"), args).fetchall()
        finally:
            conn.close()
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute(sql, args)
            return cur.fetchall()
    finally:
        conn.close()


def ledger(cluster, contest):
    """What the two services' databases say about the contest's attempts."""
    quiz_url, scoring_url = cluster.databases["quiz"][1], cluster.databases["scoring"][1]
    by_status = dict(db_rows(quiz_url, "SELECT status, count(*) FROM attempts WHERE contest_code = %s "
                                       "GROUP BY status", contest))
    graded_rows, graded_distinct = db_rows(
        scoring_url, "SELECT count(*), count(DISTINCT attempt_id) FROM graded_attempts WHERE contest = %s",
        contest)[0]
    graded_events, graded_event_attempts = db_rows(
        scoring_url, "SELECT count(*), count(DISTINCT payload->>'attempt_id') FROM outbox "
                     "WHERE event_type = 'attempt_graded' AND payload->>'contest' = %s", contest)[0]
    return {"quiz": by_status, "graded_rows": graded_rows, "graded_distinct": graded_distinct,
            "graded_events": graded_events, "graded_event_attempts": graded_event_attempts}


def outbox_events(url, event_type, contest):
    rows = db_rows(url, "SELECT id, payload FROM outbox WHERE event_type = %s AND payload->>'contest' = %s",
                   event_type, contest)
    return [dict(payload if isinstance(payload, dict) else json.loads(payload), event_id=row_id)
            for row_id, payload in rows]


def publish_events(cluster, service, event_type, payloads):
    """Publish as nameko's EventDispatcher of `service` does (topic exchange `<service>.events`)."""
    url = f"amqp://{AMQP_HOST}/{urllib.parse.quote(cluster.vhost, safe='')}"
    conn = pika.BlockingConnection(pika.URLParameters(url))
    try:
        channel = conn.channel()
        channel.confirm_delivery()
        for payload in payloads:
            channel.basic_publish(f"{service}.events", event_type, json.dumps(payload).encode(),
                                  pika.BasicProperties(content_type="application/json", content_encoding="utf-8",
                                                       delivery_mode=2))
    finally:
        conn.close()


def handled(cluster, service, entrypoint):
    """Workers of `service.entrypoint` that ended without an exception, summed over every instance,
    from each process's own /metrics (common/metrics.py: cchc_worker_seconds counts every finished
    worker, cchc_worker_errors_total the failed ones, which are requeued and run again)."""
    total = 0.0
    for (svc, _n), port in cluster.metrics_ports.items():
        if svc != service:
            continue
        text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                if sample.labels.get("service") != service or sample.labels.get("entrypoint") != entrypoint:
                    continue
                if sample.name == "cchc_worker_seconds_count":
                    total += sample.value
                elif sample.name == "cchc_worker_errors_total":
                    total -= sample.value
    return int(total)


def pending_in_event_queues(cluster):
    """{queue: messages} of the vhost's event queues that are not done with: ready, or delivered and
    not yet acknowledged (a nameko event handler acknowledges after its method returned). Counted by
    the queues themselves at this moment: rabbitmqctl asks the queue processes, while the management
    API's figures lag. Where rabbitmqctl is not at hand (RabbitMQ in a container), the messages
    ready, by passive declare."""
    if shutil.which("rabbitmqctl"):
        out = subprocess.run(["rabbitmqctl", "list_queues", "-q", "-p", cluster.vhost, "name", "messages_ready",
                              "messages_unacknowledged", "--formatter", "json"],
                             check=True, capture_output=True, text=True, timeout=120).stdout
        return {q["name"]: q["messages_ready"] + q["messages_unacknowledged"]
                for q in json.loads(out) if q["name"].startswith("evt-")}
    names = [q["name"] for q in cluster.rabbit.queues(cluster.vhost) if q["name"].startswith("evt-")]
    url = f"amqp://{AMQP_HOST}/{urllib.parse.quote(cluster.vhost, safe='')}"
    conn = pika.BlockingConnection(pika.URLParameters(url))
    try:
        channel = conn.channel()
        return {name: channel.queue_declare(name, passive=True).method.message_count for name in names}
    finally:
        conn.close()


def replay_and_wait(cluster, replays):
    """Publish each [(publisher, event_type, payloads, consumer service, handler)] (confirmed: in the
    queues when this returns) and wait for two facts: the consumers' own counters say they handled
    at least that many more messages without an error (a handler ends with its transaction
    committed), and no event queue holds a message not yet acknowledged. The first alone could be
    met by a stray late redelivery of the faults in place of one of ours; the second alone by a
    replay that never reached its queue. Returns {handler: handled since the baseline}."""
    before = {(svc, handler): handled(cluster, svc, handler) for _p, _e, _pl, svc, handler in replays}
    want = {(svc, handler): len(payloads) for _p, _e, payloads, svc, handler in replays}
    for publisher, event_type, payloads, _svc, _handler in replays:
        publish_events(cluster, publisher, event_type, payloads)

    def processed():
        done = {key: handled(cluster, *key) - before[key] for key in want}
        assert all(done[key] >= want[key] for key in want), f"handled {done} of {want}"
        pending = {q: n for q, n in pending_in_event_queues(cluster).items() if n}
        assert not pending, f"not yet acknowledged: {pending}"
        return done

    done = wait_for(processed, 120, 0.5)
    return {f"{svc}.{handler}": n for (svc, handler), n in done.items()}


def check_everything(api, admin, cluster, run, accepted, label):
    contest, n = run["contest"], len(run["papers"])
    assert len(accepted) == n and len(set(accepted)) == n

    views = wait_all_graded(api, admin, run)
    expected = {p["attempt_id"]: run["expected"][i] for i, p in enumerate(run["papers"])}
    graded = [a for a, v in views.items() if v.get("status") == "graded"]
    wrong = sorted(a for a in graded if (views[a]["correct"], views[a]["total"]) != (expected[a], QPA))
    lost = n - len(graded)
    book = ledger(cluster, contest)
    duplicated = (book["graded_rows"] - book["graded_distinct"]) + (book["graded_events"] - book["graded_event_attempts"])
    line = f"submitted={len(accepted)} graded={len(graded)} lost={lost} duplicated={duplicated} wrong={len(wrong)}"
    with open(os.path.join(cluster.log_dir, f"ledger-{label}.txt"), "w", encoding="utf-8") as fh:
        fh.write(line + "\n" + json.dumps(book) + "\n")
    print(f"\n[{label}] {line} ledger={book}")
    assert (lost, duplicated, len(wrong)) == (0, 0, 0), (line, book, wrong[:5],
                                                         [views[a] for a in list(views) if a not in graded][:5])
    assert book["quiz"] == {"graded": n}, book
    assert (book["graded_rows"], book["graded_events"]) == (n, n), book

    # Replay every real event from both outboxes; scoring must not grade anything again even when
    # the replayed answers differ (all correct), quiz must keep the grades.
    quiz_url, scoring_url = cluster.databases["quiz"][1], cluster.databases["scoring"][1]
    submitted = outbox_events(quiz_url, "attempt_submitted", contest)
    assert len(submitted) == n
    replay = []
    for event in submitted:
        paper = next(p for p in run["papers"] if p["attempt_id"] == event["attempt_id"])
        replay.append({**event, "answers": {q["id"]: run["by_text"][q["text"]]["answer"] for q in paper["questions"]}})
    graded_events = outbox_events(scoring_url, "attempt_graded", contest)
    replayed = replay_and_wait(cluster, [
        ("quiz", "attempt_submitted", replay, "scoring", "on_attempt_submitted"),
        ("scoring", "attempt_graded", graded_events, "quiz", "on_attempt_graded"),
    ])
    print(f"[{label}] replayed and handled: {replayed}")
    assert ledger(cluster, contest) == book
    again = wait_all_graded(api, admin, run)
    assert {a: (v["status"], v["correct"]) for a, v in again.items()} == {a: ("graded", expected[a]) for a in expected}

    # The final leaderboard: scoring ranks only when its graded count equals quiz's submitted count.
    assert api.close_round(admin, contest, 1).status_code == 200

    def final():
        resp = api.leaderboard(contest, 1, limit=1000)
        board = resp.json() if resp.status_code == 200 else {}  # a 503 while recovering: ask again
        return board if board.get("final") else None

    board = wait_for(final, 60)
    assert board["actual_attempts"] == n and len(board["rows"]) == n
    by_person = {p["id"]: run["expected"][i] for i, p in enumerate(run["people"])}
    assert {r["contestant_id"]: r["correct"] for r in board["rows"]} == by_person
    assert [r["correct"] for r in board["rows"]] == sorted(by_person.values(), reverse=True)
    stats = {s["unit_code"]: s for s in api.unit_stats(contest).json()}
    assert sum(stats[u]["participants"] for u in run["units"]) == n
    return line


def test_scoring_killed_and_restarted_mid_submissions(api, admin_headers, cluster):
    run = prepare(api, admin_headers, "k")
    events = []

    def kill():
        events.append(("kill", cluster.kill("scoring")))

    def restart():
        events.append(("spawn", cluster.spawn("scoring").pid))

    try:
        accepted = submit_all(api, run, kill, restart)
    finally:
        if not cluster.alive("scoring"):
            cluster.spawn("scoring")
    assert [e[0] for e in events] == ["kill", "spawn"] and events[0][1] == -9, events
    check_everything(api, admin_headers, cluster, run, accepted, "scoring-killed")
    cluster.wait_ready(60)


def rabbitmqctl(*args):
    subprocess.run(["rabbitmqctl", *args], check=True, capture_output=True, timeout=180)


@pytest.mark.broker_restart
@pytest.mark.skipif(not BROKER_RESTART_ALLOWED, reason="restarts RabbitMQ for the whole machine: "
                                                       "set CCHC_ALLOW_BROKER_RESTART=1 (make faults) or CI=true")
def test_broker_restarted_mid_submissions(api, admin_headers, cluster):
    run = prepare(api, admin_headers, "b")
    outage = {}

    def stop_broker():
        outage["stopped"] = time.monotonic()
        rabbitmqctl("stop_app")
        time.sleep(3)  # submissions keep coming and are refused meanwhile
        rabbitmqctl("start_app")
        rabbitmqctl("await_startup")
        outage["started"] = time.monotonic()
        dead = [f"{service}-{n}" for (service, n) in cluster.procs if not cluster.alive(service, n)]
        assert not dead, f"died with the broker: {dead}\n" + "\n".join(
            cluster.log_tail(*key.rsplit("-", 1)[:1], int(key.rsplit("-", 1)[1])) for key in dead)

    try:
        accepted = submit_all(api, run, stop_broker, lambda: None)
    finally:
        if "stopped" in outage and "started" not in outage:
            rabbitmqctl("start_app")
    assert "started" in outage
    for (service, n) in cluster.procs:
        assert cluster.alive(service, n), f"{service}-{n} died\n{cluster.log_tail(service, n)}"
    check_everything(api, admin_headers, cluster, run, accepted, "broker-restarted")
    cluster.wait_ready(60)
