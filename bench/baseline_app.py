"""The baseline: the same submission as a minimal single-process FastAPI + PostgreSQL app.

`POST /api/v1/attempts/{id}/submit` does in one transaction, with no message queue, what the
platform spreads over gateway → quiz → RabbitMQ → scoring → quiz: check the token (the same HS256
JWT), load the attempt and its owner, check the deadline and the answers, grade against the keys,
and write the same rows (the attempt becomes `graded`; a `graded_attempts` row as scoring keeps).
The rush benchmark sends it the same requests as the platform, so the cost of the queue design shows
as a ratio. Run: `BASELINE_DATABASE_URL=postgresql://... JWT_SECRET=... uvicorn bench.baseline_app:app`.

Environment: BASELINE_DATABASE_URL (required), JWT_SECRET (as the gateway's), BASELINE_POOL_SIZE (20).
"""
import datetime as dt
import json
import os

import asyncpg
import jwt
from fastapi import FastAPI, Header, HTTPException
from pydantic import BaseModel, ConfigDict, Field

KEYS = {"A", "B", "C", "D"}

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    id varchar(32) PRIMARY KEY, full_name varchar(255) NOT NULL, unit_code varchar(32));
CREATE TABLE IF NOT EXISTS answer_keys (
    contest varchar(64), question_id varchar(64), key varchar(8), PRIMARY KEY (contest, question_id));
CREATE TABLE IF NOT EXISTS attempts (
    id varchar(32) PRIMARY KEY, contest_code varchar(40) NOT NULL, round_n int NOT NULL,
    contestant_id varchar(32) NOT NULL, status varchar(16) NOT NULL, question_ids json NOT NULL,
    answers json NOT NULL, prediction int, started_at timestamptz NOT NULL, deadline timestamptz NOT NULL,
    submit_by timestamptz NOT NULL, submitted_at timestamptz, duration_ms int, auto_submitted boolean NOT NULL,
    correct int, total int);
CREATE TABLE IF NOT EXISTS graded_attempts (
    attempt_id varchar(64) PRIMARY KEY, contest varchar(64) NOT NULL, round int NOT NULL,
    contestant_id varchar(64) NOT NULL, full_name varchar(255) NOT NULL, unit_code varchar(64),
    correct int NOT NULL, total int NOT NULL, prediction bigint, duration_ms bigint NOT NULL,
    started_at timestamptz NOT NULL, submitted_at timestamptz NOT NULL, graded_at timestamptz NOT NULL);
CREATE INDEX IF NOT EXISTS ix_graded_round ON graded_attempts (contest, round, contestant_id);
"""


class AnswersIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    answers: dict[str, str] = Field(default_factory=dict)
    prediction: int | None = Field(None, ge=0)


app = FastAPI(title="baseline")


@app.on_event("startup")
async def _start():
    app.state.pool = await asyncpg.create_pool(os.environ["BASELINE_DATABASE_URL"], min_size=4,
                                               max_size=int(os.environ.get("BASELINE_POOL_SIZE", "20")))
    async with app.state.pool.acquire() as conn:
        await conn.execute(SCHEMA)


@app.on_event("shutdown")
async def _stop():
    await app.state.pool.close()


def _actor(authorization):
    if not authorization or not authorization.startswith("Bearer "):
        raise HTTPException(401, {"code": "not_authenticated"})
    try:
        claims = jwt.decode(authorization[7:], os.environ["JWT_SECRET"], algorithms=["HS256"],
                            options={"require": ["exp", "sub"]})
    except jwt.InvalidTokenError:
        raise HTTPException(401, {"code": "invalid_token"})
    if claims.get("role") != "contestant":
        raise HTTPException(403, {"code": "forbidden"})
    return claims["sub"]


@app.get("/healthz")
async def healthz():
    return {"status": "ok"}


@app.post("/api/v1/attempts/{attempt_id}/submit", status_code=202)
async def submit(attempt_id: str, body: AnswersIn, authorization: str | None = Header(None)):
    contestant = _actor(authorization)
    async with app.state.pool.acquire() as conn, conn.transaction():
        attempt = await conn.fetchrow("SELECT * FROM attempts WHERE id = $1 FOR UPDATE", attempt_id)
        if attempt is None:
            raise HTTPException(404, {"code": "attempt_not_found"})
        if attempt["contestant_id"] != contestant:
            raise HTTPException(403, {"code": "not_your_attempt"})
        if attempt["status"] != "in_progress":  # a repeat: the same attempt, never a second result
            return {"attempt_id": attempt_id, "status": attempt["status"]}
        question_ids = json.loads(attempt["question_ids"])
        allowed = set(question_ids)
        answers = {}
        for qid, key in body.answers.items():
            if qid not in allowed or key.strip().upper() not in KEYS:
                raise HTTPException(422, {"code": "invalid_answers"})
            answers[qid] = key.strip().upper()
        now = dt.datetime.now(dt.timezone.utc)
        if now > attempt["submit_by"]:
            raise HTTPException(409, {"code": "deadline_passed"})
        keys = dict(await conn.fetch("SELECT question_id, key FROM answer_keys WHERE contest = $1 AND "
                                     "question_id = ANY($2::varchar[])", attempt["contest_code"], question_ids))
        correct = sum(1 for q in question_ids if answers.get(q) is not None and answers[q] == keys.get(q))
        user = await conn.fetchrow("SELECT full_name, unit_code FROM users WHERE id = $1", contestant)
        duration_ms = (now - attempt["started_at"]) // dt.timedelta(milliseconds=1)
        await conn.execute(
            "UPDATE attempts SET status = 'graded', answers = $2, prediction = $3, submitted_at = $4, "
            "duration_ms = $5, correct = $6, total = $7 WHERE id = $1",
            attempt_id, json.dumps(answers), body.prediction, now, duration_ms, correct, len(question_ids))
        await conn.execute(
            "INSERT INTO graded_attempts VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
            attempt_id, attempt["contest_code"], attempt["round_n"], contestant, user["full_name"],
            user["unit_code"], correct, len(question_ids), body.prediction, duration_ms, attempt["started_at"],
            now, now)
    return {"attempt_id": attempt_id, "status": "graded"}
