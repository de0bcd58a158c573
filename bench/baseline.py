"""Runs the baseline (bench/baseline_app.py) in its own process on a fresh database, loaded with
copies of the platform's attempts in progress, users and answer keys, and sends it a rush."""
import json
import os
import subprocess
import sys
import time

import httpx
import psycopg2
from psycopg2.extras import execute_values

from bench import loadgen, report
from bench.cluster import ROOT
from tests import pg, s3

BIN = os.path.dirname(sys.executable)


class Baseline:
    def __init__(self, jwt_secret, log_dir):
        self.jwt_secret = jwt_secret
        self.log_dir = log_dir
        self.db_name, self.db_url = pg.create_database(prefix="cchc_bench_baseline")
        self.port = s3.free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.proc = None

    def start(self, timeout_s=60):
        env = dict(os.environ, BASELINE_DATABASE_URL=self.db_url, JWT_SECRET=self.jwt_secret)
        log = open(os.path.join(self.log_dir, "baseline.log"), "ab")
        # One process, one worker: the "minimal single-process" app.
        self.proc = subprocess.Popen([os.path.join(BIN, "uvicorn"), "bench.baseline_app:app", "--host", "127.0.0.1",
                                      "--port", str(self.port), "--no-access-log", "--log-level", "warning"],
                                     cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                if httpx.get(self.base_url + "/healthz", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("baseline app did not start; see baseline.log")
            time.sleep(0.3)

    def load(self, snapshot):
        """Rows copied from the platform before its rush: users, answer keys, attempts in progress."""
        with psycopg2.connect(self.db_url) as conn, conn.cursor() as cur:
            execute_values(cur, "INSERT INTO users VALUES %s", snapshot["users"], page_size=1000)
            execute_values(cur, "INSERT INTO answer_keys VALUES %s", snapshot["keys"], page_size=1000)
            execute_values(cur, "INSERT INTO attempts VALUES %s", snapshot["attempts"], page_size=1000)

    def stop(self):
        if self.proc:
            s3.terminate(self.proc)
        pg.drop_database(self.db_name)

    def verify(self, accepted, expected):
        with psycopg2.connect(self.db_url) as conn, conn.cursor() as cur:
            cur.execute("SELECT attempt_id, correct FROM graded_attempts WHERE attempt_id = ANY(%s)", (accepted,))
            graded = dict(cur.fetchall())
        wrong = sum(1 for a in accepted if a in graded and graded[a] != expected[a])
        return {"accepted": len(accepted), "graded": len(graded), "lost": len(accepted) - len(graded),
                "duplicated": 0, "wrong": wrong, "grading_lag_s": 0.0}


def snapshot(quiz_url, contest, attempt_ids, bank):
    """What the baseline needs, read from the platform's quiz database before the rush."""
    with psycopg2.connect(quiz_url) as conn, conn.cursor() as cur:
        cur.execute("SELECT id, contest_code, round_n, contestant_id, status, question_ids::text, answers::text, "
                    "prediction, started_at, deadline, submit_by, submitted_at, duration_ms, auto_submitted, "
                    "correct, total FROM attempts WHERE id = ANY(%s)", (attempt_ids,))
        attempts = cur.fetchall()
        cur.execute("SELECT id, full_name, unit_code FROM users WHERE id IN "
                    "(SELECT contestant_id FROM attempts WHERE id = ANY(%s))", (attempt_ids,))
        users = cur.fetchall()
        cur.execute("SELECT id, answer FROM questions WHERE contest_code = %s", (contest,))
        keys = [(contest, qid, key) for qid, key in cur.fetchall()]
    return {"attempts": attempts, "users": users, "keys": keys}


def rush(baseline, requests, expected, duration_s):
    meter = report.CpuMeter({"baseline": baseline.proc.pid}).start()
    infra0 = report.system_cpu_of()
    wave = loadgen.run_wave(baseline.base_url, requests, duration_s)
    cpu = meter.stop()
    infra1 = report.system_cpu_of()
    cpu["infra_cpu_s"] = {k: round(infra1.get(k, 0) - v, 2) for k, v in infra0.items()}
    summary = report.summarize(wave, {202})
    summary["process_cpu"] = cpu
    summary["wave"] = "rush (baseline)"
    if summary["ok"]:
        summary["cpu_ms_per_ok"] = {k: round(1000 * v / summary["ok"], 2) for k, v in cpu["cpu_s"].items()}
    accepted = [req["path"].split("/")[-2] for req, r in zip(requests, wave["results"]) if r[3] == 202]
    summary.update(baseline.verify(accepted, expected))
    return summary
