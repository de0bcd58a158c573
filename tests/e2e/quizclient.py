"""A small client of the quiz contest's HTTP API for the end-to-end tests (what the portal does).

Everything goes through the gateway (`/api/v1`); nothing here talks to a service directly.
Helpers make the data a test needs: unique CCCD and phone numbers, unit and question files (CSV or
XLSX), contestants with a token, answer sheets with a known number of correct answers.
"""
import concurrent.futures as cf
import csv
import datetime as dt
import io
import itertools
import random
import time
import uuid

import httpx

API = "/api/v1"
KEYS = ("A", "B", "C", "D")


def tag():
    """A short unique suffix for codes made by one test (the cluster is shared by all tests)."""
    return uuid.uuid4().hex[:6]


class Ids:
    """Unique 12-digit CCCDs and mobile numbers (10 digits, 09...) for this test run."""

    _counter = itertools.count(1)
    _prefix = random.SystemRandom().randrange(10**5)

    @classmethod
    def next(cls):
        n = next(cls._counter)
        return f"0{cls._prefix:05d}{n:06d}", f"09{cls._prefix % 1000:03d}{n:05d}"


def now_utc():
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def iso(value):
    return value.isoformat()


def open_rounds(open_for_s=7200):
    """Round 1 open now, round 2 scheduled an hour after round 1 closes."""
    now = now_utc()
    return [{"opens_at": iso(now - dt.timedelta(minutes=1)), "closes_at": iso(now + dt.timedelta(seconds=open_for_s))},
            {"opens_at": iso(now + dt.timedelta(seconds=open_for_s + 3600)),
             "closes_at": iso(now + dt.timedelta(seconds=open_for_s + 7200))}]


def csv_bytes(header, rows):
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


def xlsx_bytes(header, rows):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


UNIT_COLUMNS = ("code", "name", "kind", "parent_code", "headcount")
QUESTION_COLUMNS = ("text", "a", "b", "c", "d", "answer", "source")


def make_bank(label, count, rng=None):
    """`count` questions [{text, a, b, c, d, answer}] with distinct texts and spread-out keys."""
    rng = rng or random.Random(label)
    bank = []
    for i in range(count):
        bank.append({
            "text": f"Câu hỏi {label} số {i + 1}: thủ tục hành chính nào được nêu trong phương án đúng?",
            "a": f"Phương án A của câu {i + 1}", "b": f"Phương án B của câu {i + 1}",
            "c": f"Phương án C của câu {i + 1}", "d": f"Phương án D của câu {i + 1}",
            "answer": KEYS[rng.randrange(4)],
        })
    return bank


def bank_rows(bank):
    return [(q["text"], q["a"], q["b"], q["c"], q["d"], q["answer"], "Sở Nội vụ") for q in bank]


# A stack the suite runs against (tests/e2e/external.py) must not throttle this host's registrations.
THROTTLED_HINT = (" (the platform throttles this host's registrations: against a running stack, set "
                  "REGISTRATION_EXEMPT_ADDRESSES in its .env to cover the address its gateway sees, see README)")


class Client:
    """The gateway's /api/v1, one method per call the tests make; every method returns the response."""

    def __init__(self, base_url, timeout=30, local_address=None):
        # local_address: the source address of every connection (any 127.x.y.z reaches a gateway on
        # 127.0.0.1), so a test can be a caller from another address.
        transport = httpx.HTTPTransport(
            local_address=local_address, limits=httpx.Limits(max_connections=64, max_keepalive_connections=64))
        self.http = httpx.Client(base_url=base_url + API, timeout=timeout, transport=transport)

    def close(self):
        self.http.close()

    # identity
    def token(self, username, password):
        return self.http.post("/auth/token", json={"username": username, "password": password})

    def headers(self, username, password):
        resp = self.token(username, password)
        assert resp.status_code == 200, resp.text
        return {"Authorization": f"Bearer {resp.json()['access_token']}"}

    def register(self, **body):
        return self.http.post("/contestants", json=body)

    def me(self, headers):
        return self.http.get("/me", headers=headers)

    def create_staff(self, headers, **body):
        return self.http.post("/admin/staff", json=body, headers=headers)

    # setup
    def import_units(self, headers, filename, content, content_type="text/csv"):
        return self.http.post("/admin/units/import", headers=headers,
                              files={"file": (filename, content, content_type)})

    def units(self):
        return self.http.get("/units")

    def create_contest(self, headers, **body):
        return self.http.post("/admin/contests", json=body, headers=headers)

    def contest(self, code):
        return self.http.get(f"/contests/{code}")

    def import_questions(self, headers, contest, filename, content, content_type="text/csv"):
        return self.http.post(f"/admin/contests/{contest}/questions/import", headers=headers,
                              files={"file": (filename, content, content_type)})

    def exclude(self, headers, contest, id_numbers):
        return self.http.post(f"/admin/contests/{contest}/exclusions", json={"id_numbers": id_numbers},
                              headers=headers)

    def close_round(self, headers, contest, n):
        return self.http.post(f"/admin/contests/{contest}/rounds/{n}/close", headers=headers)

    # quiz
    def start(self, headers, contest, n):
        return self.http.post(f"/contests/{contest}/rounds/{n}/attempts", headers=headers)

    def resume(self, headers, attempt_id):
        return self.http.get(f"/attempts/{attempt_id}/questions", headers=headers)

    def save(self, headers, attempt_id, answers, prediction=None):
        body = {"answers": answers}
        if prediction is not None:
            body["prediction"] = prediction
        return self.http.put(f"/attempts/{attempt_id}/answers", json=body, headers=headers)

    def submit(self, headers, attempt_id, answers, prediction=None):
        body = {"answers": answers}
        if prediction is not None:
            body["prediction"] = prediction
        return self.http.post(f"/attempts/{attempt_id}/submit", json=body, headers=headers)

    def attempt(self, headers, attempt_id):
        return self.http.get(f"/attempts/{attempt_id}", headers=headers)

    def my_attempts(self, headers):
        return self.http.get("/me/attempts", headers=headers)

    # results
    def leaderboard(self, contest, n, limit=50):
        return self.http.get(f"/contests/{contest}/rounds/{n}/leaderboard", params={"limit": limit})

    def unit_stats(self, contest):
        return self.http.get(f"/contests/{contest}/stats/units")

    # composite steps
    def setup_units(self, headers, units):
        """units: [(code, name, kind, parent_code, headcount)]; asserts they all land."""
        resp = self.import_units(headers, "units.csv", csv_bytes(UNIT_COLUMNS, units))
        assert resp.status_code == 200, resp.text
        assert resp.json()["errors"] == [], resp.text
        return resp.json()

    def setup_contest(self, headers, code, rounds, settings, bank):
        resp = self.create_contest(headers, code=code, title=f"Hội thi kiểm thử {code}",
                                   rounds=rounds, settings=settings)
        assert resp.status_code == 201, resp.text
        resp = self.import_questions(headers, code, "questions.csv",
                                     csv_bytes(QUESTION_COLUMNS, bank_rows(bank)))
        assert resp.status_code == 200, resp.text
        assert resp.json() == {"created": len(bank), "errors": []}, resp.text
        return resp.json()

    def new_contestant(self, unit_code, full_name="Nguyễn Thị Hồng Nhung", password="mật-khẩu-123"):
        """Register a contestant and log in; returns a dict with id, id_number, phone, headers."""
        id_number, phone = Ids.next()
        body = {"full_name": full_name, "id_number": id_number, "phone": phone, "unit_code": unit_code,
                "position": "Chuyên viên", "password": password}
        resp = retry_unavailable(lambda: self.register(**body))
        assert resp.status_code == 201, resp.text + (THROTTLED_HINT if resp.status_code == 429 else "")
        person = {**resp.json(), "id_number": id_number, "phone": phone, "password": password}
        resp = retry_unavailable(lambda: self.token(phone, password))
        assert resp.status_code == 200, resp.text
        person["headers"] = {"Authorization": f"Bearer {resp.json()['access_token']}"}
        return person


def retry_unavailable(call, attempts=20, pause_s=0.5):
    """Repeat a request while the gateway answers 503 (a backing service or the broker is away),
    as the portal does; returns the first other answer (or the last 503)."""
    for _ in range(attempts):
        try:
            resp = call()
        except httpx.TransportError:
            time.sleep(pause_s)
            continue
        if resp.status_code != 503:
            return resp
        time.sleep(pause_s)
    return resp


def key_of(paper_question, bank_by_text):
    """The key under which this attempt shows the correct option (we imported the bank, so we know
    its text). Options are lettered A–D in the order shown, per attempt: the bank's letter of the
    answer says nothing about the letter on a given paper."""
    bank = bank_by_text[paper_question["text"]]
    right_text = bank[bank["answer"].lower()]
    return next(o["key"] for o in paper_question["options"] if o["text"] == right_text)


def sheet(paper, bank_by_text, n_correct):
    """Answers to `paper` (a started attempt) with exactly `n_correct` right (the first ones)."""
    answers = {}
    for i, q in enumerate(paper["questions"]):
        right = key_of(q, bank_by_text)
        answers[q["id"]] = right if i < n_correct else next(k for k in KEYS if k != right)
    return answers


def wait_for(check, timeout_s, interval_s=0.3):
    """Call `check` until it returns a truthy value; AssertionError with the last value after timeout."""
    deadline = time.monotonic() + timeout_s
    last = None
    while True:
        try:
            last = check()
            if last:
                return last
        except (AssertionError, httpx.HTTPError) as exc:
            last = exc
        if time.monotonic() >= deadline:
            raise AssertionError(f"not within {timeout_s} s; last: {last!r}")
        time.sleep(interval_s)


def wait_graded(client, headers, attempt_id, timeout_s=60):
    def graded():
        resp = client.attempt(headers, attempt_id)
        assert resp.status_code == 200, resp.text
        body = resp.json()
        return body if body["status"] == "graded" else None

    return wait_for(graded, timeout_s)


def parse_time(value):
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def expected_order(entries, actual=None):
    """Contestant ids in SPEC order (section 3), computed here independently of scoring.

    entries: [{contestant_id, correct, prediction, duration_ms, submitted_at (str)}], one per attempt.
    The counted attempt of a contestant is their best by the same keys; `actual=None` is the live
    board (no prediction key).
    """
    def key(e):
        if actual is None:
            diff = 0
        else:
            diff = abs(e["prediction"] - actual) if e["prediction"] is not None else float("inf")
        return (-e["correct"], diff, e["duration_ms"], parse_time(e["submitted_at"]))

    best = {}
    for e in entries:
        if e["contestant_id"] not in best or key(e) < key(best[e["contestant_id"]]):
            best[e["contestant_id"]] = e
    return [e["contestant_id"] for e in sorted(best.values(), key=key)], best


def patient(call, budget_s=120.0):
    """Repeat `call` while the platform is unavailable (502/503/504 or no answer), as the portal
    does, for at most budget_s; the last answer (or None)."""
    deadline = time.monotonic() + budget_s
    while True:
        try:
            resp = call()
            if resp.status_code not in (502, 503, 504):
                return resp
        except httpx.TransportError:
            resp = None
        if time.monotonic() > deadline:
            return resp
        time.sleep(0.5)


def wait_all_graded(api, admin, run, timeout_s, pool_size=16):
    """Poll (as staff) until every attempt of `run["papers"]` is graded or `timeout_s` passes;
    {attempt_id: view}. Used by the fault tests of the processes and of the compose stack."""
    ids = [p["attempt_id"] for p in run["papers"]]
    seen = {}
    deadline = time.monotonic() + timeout_s
    with cf.ThreadPoolExecutor(pool_size) as pool:
        while True:
            pending = [a for a in ids if seen.get(a, {}).get("status") != "graded"]
            if not pending or time.monotonic() > deadline:
                return seen

            def fetch(attempt_id):
                resp = patient(lambda: api.attempt(admin, attempt_id), 30)
                return attempt_id, resp.json() if resp is not None and resp.status_code == 200 else {}

            for attempt_id, view in pool.map(fetch, pending):
                seen[attempt_id] = view
            time.sleep(1)


def play_two_rounds(client, admin_headers, code, people, results, questions_per_attempt):
    """A contest `code` of two rounds: round 1 open now, round 2 opening by itself 31 s from now.
    In each round `people` answer `results[i]` questions right (in that order), the organizer closes
    it and waits for its final ranking."""
    now = now_utc()
    rounds = [{"opens_at": (now - dt.timedelta(minutes=1)).isoformat(),
               "closes_at": (now + dt.timedelta(seconds=30)).isoformat()},
              {"opens_at": (now + dt.timedelta(seconds=31)).isoformat(),
               "closes_at": (now + dt.timedelta(hours=2)).isoformat()}]
    bank = make_bank(code, 2 * questions_per_attempt)
    client.setup_contest(admin_headers, code, rounds, {"questions_per_attempt": questions_per_attempt}, bank)
    by_text = {q["text"]: q for q in bank}

    def play(n):
        for person, correct in zip(people, results):
            paper = retry_unavailable(lambda: client.start(person["headers"], code, n))
            assert paper.status_code == 201, paper.text
            paper = paper.json()
            assert client.submit(person["headers"], paper["attempt_id"], sheet(paper, by_text, correct),
                                 prediction=len(people)).status_code == 202
            wait_graded(client, person["headers"], paper["attempt_id"])
        assert client.close_round(admin_headers, code, n).status_code == 200
        wait_for(lambda: client.contest(code).json()["rounds"][n - 1]["status"] == "finalized", 60)

    play(1)
    wait_for(lambda: client.contest(code).json()["rounds"][1]["status"] == "open", 60)
    play(2)
