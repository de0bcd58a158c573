"""docker-compose.yml really runs (issue 12): one stack, brought up from nothing, then in order
  1. every container healthy (or done, for the one-shot ones), the portal with its demo contest,
     only the gateway, S3 and a loopback Prometheus published on the host;
  2. register → quiz → graded through the gateway container;
  3. a clip uploaded from the host with presigned URLs as a browser does (CORS preflight, ETag
     readable), probed, judged;
  4. `up --scale quiz=3`: three quiz instances in /admin/system, a wave of submissions spread over them;
  5. SIGKILL of a quiz container and of scoring during a wave: the restart policy brings them back and
     the ledger reads lost=0 duplicated=0 wrong=0; the round closes and its prizes are approved;
  6. `down` then `up`: contestants, attempts, grades, clips and award sets are all still there.
  7. `compose.py backup`, the stack and its volumes removed, a fresh stack, `compose.py restore --force`:
     the same tables, boards, statistics, prizes, grades and clip bytes as before the backup.

The tests share the stack and build on each other (module order). The crashes hit this stack's own
containers only, so they run in the normal phase (not `fault`), on the same stack.
"""
import concurrent.futures as cf
import datetime as dt
import hashlib
import json
import os
import subprocess
import time

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from services.media import probe
from tests.deploy.stack import ADMIN, ARTIFACTS
from tests.e2e.quizclient import (Client, Ids, iso, make_bank, now_utc, patient, sheet, tag, wait_all_graded, wait_for,
                                  wait_graded)

pytestmark = pytest.mark.timeout(int(os.environ.get("DEPLOY_TEST_TIMEOUT_S", "2400")))

API = "/api/v1"
WAVE = int(os.environ.get("DEPLOY_WAVE", "150"))
QPA = 5
POOL = 16
STATE = {}


@pytest.fixture(scope="module")
def api(stack):
    client = Client(stack.base_url, timeout=60)
    yield client
    client.close()


@pytest.fixture(scope="module")
def admin(api, stack):
    stack.wait_ready()
    return api.headers(*ADMIN)


def test_stack_comes_up_healthy_from_nothing(stack, api):
    by_service = {}
    for c in stack.containers():
        by_service.setdefault(c["Service"], []).append(c)
    assert "grafana" not in by_service or not stack.standins
    for one_shot in ("preflight", "minio-init", "broker-users"):
        (c,) = by_service.pop(one_shot)
        assert c["State"] == "exited" and int(c["ExitCode"]) == 0, c
    for service in ("rabbitmq", "postgres", "minio", "gateway", "quiz", "scoring", "media", "awards", "prometheus"):
        (c,) = by_service.pop(service)
        assert c["State"] == "running", c
        if service != "prometheus":  # the only one without a healthcheck
            assert c["Health"] == "healthy", c
    assert not by_service, by_service

    # The portal, with the demo contest the quiz service seeds (SEED_DEMO=true in the written .env).
    stack.wait_ready()
    page = httpx.get(stack.base_url + "/", timeout=30)
    assert page.status_code == 200 and "Hội thi" in page.text
    assert api.contest("cchc-demo").status_code == 200

    # Host ports: the gateway, S3 (browsers upload to it) and Prometheus on loopback only; RabbitMQ,
    # PostgreSQL and the services' exporters stay on the compose network.
    published = {}
    for c in stack.containers():
        for p in c.get("Publishers") or []:
            if p.get("PublishedPort"):
                published.setdefault(c["Service"], set()).add((p.get("URL"), p["PublishedPort"]))
    assert set(published) == {"gateway", "minio", "prometheus"}, published
    assert {url for url, _ in published["prometheus"]} == {"127.0.0.1"}, published
    forbidden = {5432, 5672, 15672, 6379, 9000}
    assert not forbidden & {port for ports in published.values() for _, port in ports}, published
    # Prometheus (just started: its first DNS lookups take a moment) finds the services by name.
    def jobs():
        targets = httpx.get(f"http://127.0.0.1:{stack.values['PROMETHEUS_PORT']}/api/v1/targets", timeout=30).json()
        found = {t["labels"]["job"] for t in targets["data"]["activeTargets"]}
        assert {"gateway", "services", "rabbitmq"} <= found, found
        return found
    wait_for(jobs, 90, 2)


# --- 2 ------------------------------------------------------------------------------------------------

def new_contest(api, admin, label, n_units=3, headcount=500):
    t = tag()
    units = [f"D{label}{t}-{k}" for k in range(n_units)]
    api.setup_units(admin, [(u, f"Đơn vị kiểm thử triển khai {k}", "public_unit", "", headcount)
                            for k, u in enumerate(units)])
    code = f"deploy-{label}-{t}"
    bank = make_bank(code, 10)
    now = now_utc()
    rounds = [{"opens_at": iso(now - dt.timedelta(minutes=1)), "closes_at": iso(now + dt.timedelta(hours=2))}]
    settings = {"questions_per_attempt": QPA, "time_limit_s": 3600, "max_attempts_per_round": 1, "grace_s": 30}
    api.setup_contest(admin, code, rounds, settings, bank)
    return code, units, {q["text"]: q for q in bank}


def test_register_quiz_graded_through_the_gateway(stack, api, admin):
    code, units, by_text = new_contest(api, admin, "one")
    person = api.new_contestant(units[0], full_name="Trần Văn Bình")
    resp = patient(lambda: api.start(person["headers"], code, 1))
    assert resp.status_code == 201, resp.text
    paper = resp.json()
    assert len(paper["questions"]) == QPA
    resp = api.submit(person["headers"], paper["attempt_id"], sheet(paper, by_text, 4), prediction=7)
    assert resp.status_code == 202, resp.text
    graded = wait_graded(api, person["headers"], paper["attempt_id"], timeout_s=120)
    assert (graded["correct"], graded["total"]) == (4, QPA), graded


# --- 3 ------------------------------------------------------------------------------------------------

def make_clip(path):
    subprocess.run([probe.ffmpeg_bin(), "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25",
                    "-t", "4", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-preset", "ultrafast", path],
                   check=True, timeout=300)


def test_clip_uploaded_from_the_host_as_a_browser_does(stack, api, admin, tmp_path):
    t = tag()
    unit = f"DCLIP{t}"
    api.setup_units(admin, [(unit, "Sở Nội vụ (kiểm thử triển khai)", "province_dept", "", 40)])
    judge_unit = f"DJUDGE{t}"
    api.setup_units(admin, [(judge_unit, "UBND huyện (kiểm thử triển khai)", "district", "", 40)])
    contest = f"deploy-clip-{t}"
    resp = api.create_contest(admin, code=contest, title="Hội thi video (triển khai)", rounds=[
        {"opens_at": "2030-06-01T00:00:00+07:00", "closes_at": "2030-06-07T23:59:59+07:00"}])
    assert resp.status_code == 201, resp.text
    staff = {}
    for role, u in (("expert", unit), ("judge", judge_unit)):
        username = f"{role}{t}"
        resp = api.create_staff(admin, username=username, password="mật-khẩu-123", role=role,
                                full_name=f"Cán bộ {role}", id_number=Ids.next()[0], unit_code=u)
        assert resp.status_code == 201, resp.text
        staff[role] = api.headers(username, "mật-khẩu-123")
    resp = api.http.post(f"/admin/contests/{contest}/jury", json={"usernames": [f"judge{t}"]}, headers=admin)
    assert resp.status_code == 200, resp.text

    path = str(tmp_path / "mot-cua.mp4")
    make_clip(path)
    with open(path, "rb") as fh:
        content = fh.read()
    body = {"unit_code": unit, "title": "Một cửa liên thông", "category": "phóng sự", "filename": "mot-cua.mp4",
            "size_bytes": len(content), "content_type": "video/mp4"}
    resp = api.http.post(f"/contests/{contest}/clips", json=body, headers=staff["expert"])
    assert resp.status_code == 201, resp.text
    out = resp.json()
    origin = stack.portal_origin
    parts = []
    with httpx.Client(timeout=120) as browser:
        for part in out["upload"]["parts"]:
            url = part["url"]
            assert url.startswith(f"http://localhost:{stack.values['S3_PORT']}/"), url
            # The browser's preflight for a cross-origin PUT.
            pre = browser.options(url, headers={"Origin": origin, "Access-Control-Request-Method": "PUT",
                                                "Access-Control-Request-Headers": "content-type"})
            assert pre.status_code == 200, (pre.status_code, pre.text)
            assert pre.headers.get("access-control-allow-origin") in (origin, "*"), pre.headers
            assert "PUT" in pre.headers.get("access-control-allow-methods", ""), pre.headers
            n, size = part["part_number"], out["upload"]["part_size"]
            resp = browser.put(url, content=content[(n - 1) * size:n * size], headers={"Origin": origin})
            assert resp.status_code == 200, resp.text
            # The page's script can read the ETag only if the answer exposes it.
            exposed = [h.strip().lower() for h in resp.headers.get("access-control-expose-headers", "").split(",")]
            assert "etag" in exposed, resp.headers
            parts.append({"part_number": n, "etag": resp.headers["ETag"]})
    resp = api.http.post(f"/clips/{out['clip_id']}/complete", json={"parts": parts}, headers=staff["expert"])
    assert resp.status_code == 202, resp.text

    def verdict():
        view = api.http.get(f"/clips/{out['clip_id']}", headers=admin).json()
        return view if view["status"] in ("accepted", "rejected") else None
    clip = wait_for(verdict, 120)
    assert clip["status"] == "accepted" and clip["duration_s"] == pytest.approx(4.0, abs=0.05), clip
    resp = api.http.post(f"/clips/{out['clip_id']}/scores", headers=staff["judge"],
                         json={"content": 35, "message": 18, "creativity": 16.5, "technique": 15})
    assert resp.status_code == 200 and resp.json()["total"] == 84.5, resp.text
    playback = httpx.get(clip["playback_url"], timeout=60)
    assert playback.status_code == 200 and playback.content == content
    STATE["clip"] = {"id": out["clip_id"], "sha256": hashlib.sha256(content).hexdigest(), "contest": contest}


# --- 4 and 5: waves ---------------------------------------------------------------------------------------

def register(api, unit_code, full_name, password="mật-khẩu-123"):
    """Register and log in, as the portal would on a loaded machine: a registration whose answer was
    lost (timeout, then 409 already_registered on the retry) is done again with new numbers."""
    for _ in range(5):
        id_number, phone = Ids.next()
        body = {"full_name": full_name, "id_number": id_number, "phone": phone, "unit_code": unit_code,
                "position": "Chuyên viên", "password": password}
        resp = patient(lambda: api.register(**body))
        if resp is not None and resp.status_code == 409:
            continue
        assert resp is not None and resp.status_code == 201, resp and resp.text
        token = patient(lambda: api.token(phone, password))
        assert token.status_code == 200, token.text
        return {**resp.json(), "headers": {"Authorization": f"Bearer {token.json()['access_token']}"}}
    raise AssertionError(f"could not register {full_name}")


def prepare_wave(api, admin, label, n):
    code, units, by_text = new_contest(api, admin, label)
    with cf.ThreadPoolExecutor(8) as pool:  # argon2-bound: more threads only queue up
        people = list(pool.map(lambda i: register(api, units[i % 3], f"Thí sinh Triển Khai {i:03d}"), range(n)))
    with cf.ThreadPoolExecutor(POOL) as pool:

        def start(person):
            resp = patient(lambda: api.start(person["headers"], code, 1), 60)
            assert resp is not None and resp.status_code == 201, resp and resp.text
            return resp.json()
        papers = list(pool.map(start, people))
    expected = [i % (QPA + 1) for i in range(n)]
    return {"contest": code, "units": units, "people": people, "papers": papers, "expected": expected,
            "sheets": [sheet(p, by_text, expected[i]) for i, p in enumerate(papers)]}


def submit_wave(api, run, hooks=None):
    """Submit every attempt from a pool; hooks {k: fn} run when k submissions are accepted. A submit
    whose answer was lost in a crash and that the quiz already holds (409 on the retry) counts as
    accepted once its attempt shows as submitted or graded."""
    hooks = dict(hooks or {})

    def submit(i):
        person, paper = run["people"][i], run["papers"][i]
        resp = patient(lambda: api.submit(person["headers"], paper["attempt_id"], run["sheets"][i], prediction=i))
        assert resp is not None, "no answer"
        if resp.status_code == 409:
            view = patient(lambda: api.attempt(person["headers"], paper["attempt_id"])).json()
            assert view["status"] in ("submitted", "graded"), (resp.text, view)
        else:
            assert resp.status_code == 202, resp.text
        return paper["attempt_id"]

    accepted = []
    pool = cf.ThreadPoolExecutor(POOL)
    try:
        for future in cf.as_completed([pool.submit(submit, i) for i in range(len(run["papers"]))]):
            accepted.append(future.result())
            hook = hooks.pop(len(accepted), None)
            if hook:
                hook()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    for hook in hooks.values():
        hook()
    return accepted


def wait_wave_graded(api, admin, run, timeout_s=300):
    return wait_all_graded(api, admin, run, timeout_s, POOL)


def ledger(stack, run, accepted, views, label):
    contest, n = run["contest"], len(run["papers"])
    expected = {p["attempt_id"]: run["expected"][i] for i, p in enumerate(run["papers"])}
    graded = [a for a, v in views.items() if v.get("status") == "graded"]
    wrong = sorted(a for a in graded if (views[a]["correct"], views[a]["total"]) != (expected[a], QPA))
    by_status = {s: int(c) for s, c in stack.psql(
        "quiz", f"SELECT status, count(*) FROM attempts WHERE contest_code = '{contest}' GROUP BY status")}
    rows, distinct = map(int, stack.psql(
        "scoring", f"SELECT count(*), count(DISTINCT attempt_id) FROM graded_attempts WHERE contest = '{contest}'")[0])
    events, event_attempts = map(int, stack.psql(
        "scoring", "SELECT count(*), count(DISTINCT payload->>'attempt_id') FROM outbox WHERE event_type = "
                   f"'attempt_graded' AND payload->>'contest' = '{contest}'")[0])
    book = {"quiz": by_status, "graded_rows": rows, "graded_distinct": distinct, "graded_events": events,
            "graded_event_attempts": event_attempts}
    duplicated = (rows - distinct) + (events - event_attempts)
    line = (f"submitted={len(set(accepted))} graded={len(graded)} lost={n - len(graded)} "
            f"duplicated={duplicated} wrong={len(wrong)}")
    os.makedirs(ARTIFACTS, exist_ok=True)
    with open(os.path.join(ARTIFACTS, f"ledger-{label}.txt"), "w", encoding="utf-8") as fh:
        fh.write(line + "\n" + json.dumps(book) + "\n")
    print(f"\n[{label}] {line} ledger={book}")
    return line, book, wrong


def quiz_containers(stack):
    return sorted(c["Name"] for c in stack.containers("quiz") if c["State"] == "running")


def submits_handled(stack, container):
    total = 0.0
    for family in text_string_to_metric_families(stack.metrics(container)):
        for sample in family.samples:
            if (sample.name == "cchc_worker_seconds_count" and sample.labels.get("service") == "quiz"
                    and sample.labels.get("entrypoint", "").startswith("submit_attempt")):
                total += sample.value
    return total


def test_scale_quiz_to_three_spreads_a_wave(stack, api, admin):
    stack.timings["scale_up_s"] = stack.up("--scale", "quiz=3")
    assert len(quiz_containers(stack)) == 3

    def three():
        body = api.http.get("/admin/system", headers=admin).json()
        return body if body["services"]["quiz"]["instances"] == 3 else None
    system = wait_for(three, 120, 1)
    assert system["services"]["quiz"]["healthy"] in (True, 3) or system["services"]["quiz"]["healthy"], system

    run = prepare_wave(api, admin, "scale", WAVE)
    before = {c: submits_handled(stack, c) for c in quiz_containers(stack)}
    started = time.monotonic()
    accepted = submit_wave(api, run)
    stack.timings["scale_wave_submit_s"] = time.monotonic() - started
    after = {c: submits_handled(stack, c) for c in quiz_containers(stack)}
    spread = {c: after[c] - before[c] for c in after}
    print(f"\n[scale] submit workers per quiz container: {spread}")
    assert len(spread) == 3 and all(v > 0 for v in spread.values()), spread
    views = wait_wave_graded(api, admin, run)
    line, book, wrong = ledger(stack, run, accepted, views, "scale")
    assert "lost=0 duplicated=0 wrong=0" in line, (line, book, wrong[:5])


def test_crash_of_quiz_and_scoring_during_a_wave(stack, api, admin):
    run = prepare_wave(api, admin, "crash", WAVE)
    victims = {"quiz": quiz_containers(stack)[0],
               "scoring": next(c["Name"] for c in stack.containers("scoring"))}
    counts = {name: stack.restart_count(c) for name, c in victims.items()}
    killed = {}

    def crash(name):
        def hook():
            killed[name] = stack.kill9(victims[name])
        return hook

    accepted = submit_wave(api, run, {WAVE // 3: crash("quiz"), WAVE // 2: crash("scoring")})
    assert set(killed) == {"quiz", "scoring"}

    def restarted():
        states = {name: (stack.restart_count(c), stack.inspect(c, "{{.State.Status}}"),
                         stack.inspect(c, "{{.State.Health.Status}}")) for name, c in victims.items()}
        assert all(states[n][0] > counts[n] and states[n][1] == "running" and states[n][2] == "healthy"
                   for n in victims), states
        return states
    print(f"\n[crash] restarted: {wait_for(restarted, 180, 1)}")

    views = wait_wave_graded(api, admin, run)
    line, book, wrong = ledger(stack, run, accepted, views, "crash")
    assert "lost=0 duplicated=0 wrong=0" in line, (line, book, wrong[:5])
    assert book["quiz"] == {"graded": WAVE} and (book["graded_rows"], book["graded_events"]) == (WAVE, WAVE), book

    # The round closes, is ranked, and its weekly prizes are computed and approved.
    contest = run["contest"]
    assert patient(lambda: api.close_round(admin, contest, 1)).status_code == 200
    resp = wait_for(lambda: (lambda r: r if r.status_code == 200 else None)(
        api.http.post(f"/admin/contests/{contest}/awards/compute", json={"kind": "weekly", "round": 1},
                      headers=admin)), 120, 1)
    award_set = resp.json()
    assert award_set["status"] == "draft" and award_set["winners"], award_set
    resp = api.http.post(f"/admin/award-sets/{award_set['award_set_id']}/approve", headers=admin)
    assert resp.status_code == 200 and resp.json()["status"] == "approved", resp.text
    STATE["wave"] = {"contest": contest, "attempts": [p["attempt_id"] for p in run["papers"]]}


# --- 6 ------------------------------------------------------------------------------------------------

def snapshot(stack, api, admin):
    """Everything that must survive: row counts of every table of the four databases, and what the
    API shows of the wave contest (leaderboard, unit statistics, approved prizes, grades) and the clip."""
    contest = STATE["wave"]["contest"]
    board = patient(lambda: api.leaderboard(contest, 1, limit=500)).json()
    stats = patient(lambda: api.unit_stats(contest)).json()
    awards = patient(lambda: api.http.get(f"/contests/{contest}/awards", params={"kind": "weekly", "round": 1})).json()
    grades = {}
    for attempt_id in STATE["wave"]["attempts"]:
        view = patient(lambda: api.attempt(admin, attempt_id)).json()
        grades[attempt_id] = (view["status"], view["correct"])
    clip = patient(lambda: api.http.get(f"/clips/{STATE['clip']['id']}", headers=admin)).json()
    played = httpx.get(clip["playback_url"], timeout=60)
    assert played.status_code == 200
    # Counted after the reads above: unit statistics refresh scoring's copy of the units (scoring.units).
    tables = {}
    for db in ("quiz", "scoring", "media", "awards"):
        for name, count in stack.psql(db, (
                "SELECT table_name, (xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM %I', "
                "table_name), false, true, '')))[1]::text FROM information_schema.tables "
                "WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1")):
            tables[f"{db}.{name}"] = int(count)
    return {"tables": tables, "leaderboard": board, "stats": stats, "awards": awards, "grades": grades,
            "clip": (clip["status"], clip["score"], hashlib.sha256(played.content).hexdigest())}


def test_down_then_up_keeps_everything(stack, api, admin):
    assert "wave" in STATE and "clip" in STATE, "needs the earlier tests of this module"
    before = snapshot(stack, api, admin)
    assert before["clip"][2] == STATE["clip"]["sha256"]
    assert before["tables"]["quiz.attempts"] > 0 and before["awards"], before["awards"]
    started = time.monotonic()
    stack.compose("down", capture=True)
    assert stack.containers() == []
    stack.timings["down_s"] = time.monotonic() - started
    stack.timings["up_again_s"] = stack.script_run("up")
    stack.wait_ready()
    after = snapshot(stack, api, api.headers(*ADMIN))
    # The seeding at start is skipped on a database that already has data: nothing is added either.
    changed = {t: (before["tables"].get(t), after["tables"].get(t))
               for t in set(before["tables"]) | set(after["tables"])
               if before["tables"].get(t) != after["tables"].get(t)}
    assert not changed, changed
    assert after == before


# --- 7 ------------------------------------------------------------------------------------------------

def test_backup_then_restore_into_a_fresh_stack(stack, api, admin):
    """`make compose-backup`, the stack and its volumes removed, a fresh stack (which seeds its demo
    data), `make compose-restore FORCE=1`: every table, board, statistic, prize, grade and the clip's
    bytes as before (scripts/backup.py and restore.py in the stack's `backup` tool container)."""
    assert "wave" in STATE and "clip" in STATE, "needs the earlier tests of this module"
    before = snapshot(stack, api, admin)
    host_dir = stack.extra_env["BACKUP_HOST_DIR"]
    stack.timings["backup_s"] = stack.script_run("backup")
    folders = sorted(d for d in os.listdir(host_dir) if os.path.isfile(os.path.join(host_dir, d, "manifest.json")))
    assert folders, os.listdir(host_dir)
    folder = os.path.join(host_dir, folders[-1])
    with open(os.path.join(folder, "manifest.json")) as fh:
        manifest = json.load(fh)
    assert set(manifest["databases"]) == {"quiz", "scoring", "media", "awards"} and manifest["bucket"]["objects"]

    stack.compose("down", "--volumes", capture=True)
    assert stack.containers() == []
    stack.script_run("up")
    stack.wait_ready()
    fresh = patient(lambda: api.http.get(f"/contests/{STATE['wave']['contest']}"))
    assert fresh.status_code == 404, fresh.text  # a new stack: the wave's contest is not there

    stack.timings["restore_s"] = stack.script_run("restore", "--dir", folder, "--force")
    stack.wait_ready()
    after = snapshot(stack, api, api.headers(*ADMIN))
    changed = {t: (before["tables"].get(t), after["tables"].get(t))
               for t in set(before["tables"]) | set(after["tables"])
               if before["tables"].get(t) != after["tables"].get(t)}
    assert not changed, changed
    assert after == before
