"""The contest a benchmark runs: setup (not measured), the round-opening wave, the deadline rush
and the checks after it (grading lag, lost, duplicated, wrongly graded).

Setup: one contest with one open round, a 200-question bank, N registered contestants, each with a
token. Registration goes through the gateway (POST /contestants, 16 at a time: it is argon2-bound,
as it should be). Contestants are "already logged in": by default their tokens are signed here with
the cluster's JWT secret, exactly as the gateway signs them after quiz.authenticate (`--login http`
logs each one in through POST /auth/token instead, which costs another argon2 verify each).
The round allows 100 attempts per contestant; the scaling benchmark gives each configuration a
fresh contest (same contestants), so attempts a failed wave left in progress never block a start.
"""
import asyncio
import datetime as dt
import json
import random
import time

import jwt
import psycopg2

from bench import loadgen, report
from bench.profile import Profiler
from tests.e2e.quizclient import Client, Ids, csv_bytes, make_bank, bank_rows, QUESTION_COLUMNS, sheet

API = "/api/v1"
QUESTIONS = 20
BANK = 200
REGISTER_CONCURRENCY = 16
# `--register fast` registers this many through the API, the rest straight into quiz's database.
REGISTER_THROUGH_API = 50


def _iso(value):
    return value.isoformat()


class Run:
    """What setup made: contest code, bank (by text), people [{id, unit_code, token}]."""

    def __init__(self, contest, bank, people):
        self.contest = contest
        self.bank = bank
        self.by_text = {q["text"]: q for q in bank}
        self.people = people


def new_contest(cluster):
    """A contest with one round open now and a 200-question bank; returns (code, bank)."""
    api = Client(cluster.base_url, timeout=120)
    try:
        admin = {"Authorization": f"Bearer {cluster.login()}"}
        code = f"bench-{random.SystemRandom().randrange(16**6):06x}"
        bank = make_bank(code, BANK)
        now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
        rounds = [{"opens_at": _iso(now - dt.timedelta(minutes=1)), "closes_at": _iso(now + dt.timedelta(hours=6))}]
        settings = {"questions_per_attempt": QUESTIONS, "time_limit_s": 3 * 3600, "max_attempts_per_round": 100,
                    "grace_s": 30}
        api.setup_contest(admin, code, rounds, settings, bank)
        return code, bank
    finally:
        api.close()


def fresh_contest(cluster, run):
    """Point `run` at a new contest: attempts left in progress by a wave that had errors would
    otherwise refuse the next start (attempt_in_progress). Contestants are not per contest."""
    run.contest, run.bank = new_contest(cluster)
    run.by_text = {q["text"]: q for q in run.bank}
    return run


def setup(cluster, n, login="mint", register="fast", log=print):
    began = time.monotonic()
    code, bank = new_contest(cluster)
    units = [u["code"] for u in Client(cluster.base_url).units().json()][:8]
    log(f"setup: contest {code}, {BANK} questions; registering {n} contestants ...")
    through_api = n if register == "http" else min(n, REGISTER_THROUGH_API)
    people = asyncio.run(_register_all(cluster.base_url, units, through_api))
    if n > through_api:
        people += _bulk_register(cluster.databases["quiz"][1], units, people[0]["id"], n - through_api)
    log(f"setup: {len(people)} registered in {time.monotonic() - began:.0f} s")
    if login == "http":
        asyncio.run(_login_all(cluster.base_url, people))
    else:
        for p in people:
            p["token"] = mint_token(cluster.jwt_secret, p)
    return Run(code, bank, people)


def mint_token(secret, person, ttl_s=8 * 3600):
    """The token gateway.auth.issue_token would give this contestant after a successful login."""
    now = int(time.time())
    claims = {"sub": person["id"], "role": "contestant", "unit_code": person["unit_code"],
              "iat": now, "exp": now + ttl_s}
    return jwt.encode(claims, secret, algorithm="HS256")


def _bulk_register(quiz_url, units, template_id, count):
    """Setup shortcut (not measured): insert contestants straight into the benchmark's own, throwaway
    quiz database, reusing the argon2 hash of one contestant registered through the API (same
    password), instead of paying 28 ms of argon2 for each of thousands of registrations."""
    import uuid

    from psycopg2.extras import execute_values

    people, rows = [], []
    now = dt.datetime.now(dt.timezone.utc)
    with psycopg2.connect(quiz_url) as conn, conn.cursor() as cur:
        cur.execute("SELECT password_hash FROM users WHERE id = %s", (template_id,))
        password_hash = cur.fetchone()[0]
        for i in range(count):
            uid = uuid.uuid4().hex
            id_number, phone = Ids.next()
            unit = units[i % len(units)]
            rows.append((uid, "contestant", "contestant", phone, id_number, f"Thí sinh Đo tải {i:05d}", unit,
                         "Chuyên viên", password_hash, now))
            people.append({"id": uid, "unit_code": unit, "phone": phone})
        execute_values(cur, "INSERT INTO users (id, kind, role, phone, id_number, full_name, unit_code, position, "
                            "password_hash, created_at) VALUES %s", rows, page_size=1000)
    return people


async def _register_all(base_url, units, n):
    import aiohttp

    sem = asyncio.Semaphore(REGISTER_CONCURRENCY)
    async with aiohttp.ClientSession(base_url, timeout=aiohttp.ClientTimeout(total=120)) as session:
        async def one(i):
            id_number, phone = Ids.next()
            body = {"full_name": f"Thí sinh Đo tải {i:05d}", "id_number": id_number, "phone": phone,
                    "unit_code": units[i % len(units)], "position": "Chuyên viên", "password": "mật-khẩu-123"}
            async with sem:
                for _ in range(20):
                    async with session.post(f"{API}/contestants", json=body) as resp:
                        if resp.status == 201:
                            out = await resp.json()
                            return {"id": out["id"], "unit_code": out["unit_code"], "phone": body["phone"]}
                        if resp.status == 409:  # an earlier try went through but its answer was lost
                            body["id_number"], body["phone"] = Ids.next()
                            continue
                        if resp.status != 503:
                            raise RuntimeError(f"registration {i}: {resp.status} {await resp.text()}")
                    await asyncio.sleep(1)
            raise RuntimeError(f"registration {i}: still 503")

        return list(await asyncio.gather(*(one(i) for i in range(n))))


async def _login_all(base_url, people):
    import aiohttp

    sem = asyncio.Semaphore(REGISTER_CONCURRENCY)
    async with aiohttp.ClientSession(base_url, timeout=aiohttp.ClientTimeout(total=120)) as session:
        async def one(p):
            async with sem:
                async with session.post(f"{API}/auth/token",
                                        json={"username": p["phone"], "password": "mật-khẩu-123"}) as resp:
                    if resp.status != 200:
                        raise RuntimeError(f"login: {resp.status} {await resp.text()}")
                    p["token"] = (await resp.json())["access_token"]

        await asyncio.gather(*(one(p) for p in people))


# --- waves ----------------------------------------------------------------------------------------

PROFILE = []  # process labels to profile with py-spy during each wave (--profile)


def _measured(cluster, base_url, requests, duration_s, ok_statuses, meter_pids):
    meter = report.CpuMeter(meter_pids).start()
    infra0 = report.system_cpu_of()
    spy = Profiler(meter_pids, PROFILE, duration_s + 5) if PROFILE else None
    wave = loadgen.run_wave(base_url, requests, duration_s)
    cpu = meter.stop()
    if spy:
        spy.finish()
    infra1 = report.system_cpu_of()
    cpu["infra_cpu_s"] = {k: round(infra1.get(k, 0) - v, 2) for k, v in infra0.items()}
    summary = report.summarize(wave, ok_statuses)
    summary["process_cpu"] = cpu
    if summary["ok"]:
        summary["cpu_ms_per_ok"] = {k: round(1000 * v / summary["ok"], 2) for k, v in cpu["cpu_s"].items() if v}
    return wave, summary


def open_wave(cluster, run, duration_s):
    """Every contestant starts an attempt. Returns (summary, papers by person index)."""
    requests = [{"method": "POST", "path": f"{API}/contests/{run.contest}/rounds/1/attempts", "token": p["token"]}
                for p in run.people]
    wave, summary = _measured(cluster, cluster.base_url, requests, duration_s, {201}, cluster.pids())
    papers = {}
    for i, r in enumerate(wave["results"]):
        if r[3] == 201:
            papers[i] = json.loads(r[4])
    summary["wave"] = "open"
    return summary, papers


def submissions(run, papers):
    """The submit requests of a rush and what scoring must find: {attempt_id: correct}."""
    requests, expected = [], {}
    for i, paper in sorted(papers.items()):
        correct = i % (QUESTIONS + 1)
        answers = sheet(paper, run.by_text, correct)
        requests.append({"method": "POST", "path": f"{API}/attempts/{paper['attempt_id']}/submit",
                         "token": run.people[i]["token"], "json": {"answers": answers, "prediction": i}})
        expected[paper["attempt_id"]] = correct
    return requests, expected


def rush_wave(cluster, run, papers, duration_s, grading_timeout_s=300, log=print):
    """Every started attempt is submitted; then wait until all are graded and check them."""
    requests, expected = submissions(run, papers)
    wave, summary = _measured(cluster, cluster.base_url, requests, duration_s, {202}, cluster.pids())
    summary["wave"] = "rush"
    accepted = [req["path"].split("/")[-2] for req, r in zip(requests, wave["results"]) if r[3] == 202]
    last_submit = report.last_done_epoch(wave)
    quiz_url = cluster.databases["quiz"][1]
    scoring_url = cluster.databases["scoring"][1]
    graded_at = _wait_graded(quiz_url, accepted, grading_timeout_s, log)
    summary["grading_lag_s"] = round(graded_at - last_submit, 2) if graded_at else None
    summary.update(verify(quiz_url, scoring_url, accepted, expected))
    return summary


def _wait_graded(quiz_url, attempt_ids, timeout_s, log):
    """Epoch time at which every attempt had status `graded` in quiz (what the contestant sees)."""
    deadline = time.monotonic() + timeout_s
    last_log = 0
    with psycopg2.connect(quiz_url) as conn:
        conn.autocommit = True
        with conn.cursor() as cur:
            while True:
                cur.execute("SELECT count(*) FROM attempts WHERE id = ANY(%s) AND status = 'graded'",
                            (attempt_ids,))
                graded = cur.fetchone()[0]
                if graded >= len(attempt_ids):
                    return time.time()
                if time.monotonic() > deadline:
                    log(f"grading: only {graded}/{len(attempt_ids)} graded after {timeout_s} s")
                    return None
                if time.monotonic() - last_log > 5:
                    log(f"grading: {graded}/{len(attempt_ids)} graded")
                    last_log = time.monotonic()
                time.sleep(0.1)


def verify(quiz_url, scoring_url, accepted, expected):
    """Lost (accepted, never graded), duplicated (an attempt announced or graded twice), wrong
    (graded with a count of correct answers other than what we answered)."""
    with psycopg2.connect(scoring_url) as conn, conn.cursor() as cur:
        cur.execute("SELECT attempt_id, correct FROM graded_attempts WHERE attempt_id = ANY(%s)", (accepted,))
        graded = dict(cur.fetchall())
        cur.execute("SELECT count(*) FROM (SELECT payload->>'attempt_id' FROM outbox WHERE event_type = "
                    "'attempt_graded' AND payload->>'attempt_id' = ANY(%s) GROUP BY 1 HAVING count(*) > 1) d",
                    (accepted,))
        dup_graded = cur.fetchone()[0]
    with psycopg2.connect(quiz_url) as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM (SELECT payload->>'attempt_id' FROM outbox WHERE event_type = "
                    "'attempt_submitted' AND payload->>'attempt_id' = ANY(%s) GROUP BY 1 HAVING count(*) > 1) d",
                    (accepted,))
        dup_submitted = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM attempts WHERE id = ANY(%s) AND status = 'graded'", (accepted,))
        quiz_graded = cur.fetchone()[0]
    wrong = sum(1 for a in accepted if a in graded and graded[a] != expected[a])
    return {"accepted": len(accepted), "graded": len(graded), "quiz_graded": quiz_graded,
            "lost": len(accepted) - len(graded), "duplicated": dup_graded + dup_submitted, "wrong": wrong}
