"""Fixtures of the quiz tests: a migrated database (SQLite and PostgreSQL), a contest with an open
round and the fixture question bank, registered contestants."""
import base64
import datetime as dt
import io
import os
import uuid

import pytest
from sqlalchemy import select

from common.db import Database
from services.quiz import config
from services.quiz.domain import accounts, contests, questions, units
from services.quiz.models import Attempt, Outbox

ORG = {"id": "org-test", "role": "organizer", "unit_code": None}
DATA = os.path.join(os.path.dirname(__file__), "..", "..", "..", "data")


def run(db, fn, *args, **kwargs):
    """Call a domain function in its own committed transaction, as the service does."""
    with db.session() as session:
        return fn(session, *args, **kwargs)


def b64file(name, content):
    if isinstance(content, str):
        content = content.encode("utf-8")
    return {"filename": name, "content_b64": base64.b64encode(content).decode()}


def data_file(name):
    with open(os.path.join(DATA, name), "rb") as fh:
        return b64file(name, fh.read())


def xlsx_file(name, rows):
    from openpyxl import Workbook

    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return b64file(name, buf.getvalue())


def now():
    return dt.datetime.now(dt.timezone.utc)


@pytest.fixture
def db(db_url):
    database = Database(db_url, config.MIGRATIONS_DIR)
    yield database
    database.dispose()


@pytest.fixture
def with_units(db):
    run(db, units.import_units, ORG, data_file("units.csv"))
    return db


def make_contest(db, code="t-2026", settings=None, round1_closes_in=dt.timedelta(days=1)):
    t = now()
    rounds = [
        {"opens_at": (t - dt.timedelta(hours=1)).isoformat(), "closes_at": (t + round1_closes_in).isoformat()},
        {"opens_at": (t + dt.timedelta(days=2)).isoformat(), "closes_at": (t + dt.timedelta(days=3)).isoformat()},
    ]
    run(db, contests.create_contest, ORG, {"code": code, "title": "Hội thi thử", "rounds": rounds,
                                           "settings": {"questions_per_attempt": 5, **(settings or {})}})
    run(db, questions.import_questions, ORG, code, data_file("questions.csv"))
    return code


@pytest.fixture
def contest(with_units):
    return make_contest(with_units)


def register(db, **over):
    # Random, not a counter: pytest may import this module twice (as conftest and by path).
    i = uuid.uuid4().int % 10**7
    data = {"full_name": "Nguyễn Văn An", "id_number": f"0461{i:08d}", "phone": f"090{i:07d}",
            "unit_code": "SNV", "position": "Chuyên viên", "password": "matkhau1"}
    data.update(over)
    user = run(db, accounts.register_contestant, data)
    return {"id": user["id"], "role": "contestant", "unit_code": user["unit_code"]}


@pytest.fixture
def contestant(with_units):
    return register(with_units)


def expire(db, attempt_id, seconds_ago=120):
    """Move an attempt into the past: its deadline (and grace) passed `seconds_ago` ago."""
    with db.session() as s:
        a = s.get(Attempt, attempt_id)
        shift = (a.submit_by - now()) + dt.timedelta(seconds=seconds_ago)
        a.started_at, a.deadline, a.submit_by = a.started_at - shift, a.deadline - shift, a.submit_by - shift


def outbox_rows(db, event_type):
    with db.session() as s:
        return s.scalars(select(Outbox).where(Outbox.event_type == event_type)).all()


class Backlog:
    """Stands in for common.backlog.QueueBacklog in worker_factory tests: `ready` requests queued."""

    def __init__(self, ready=0):
        self.waiting = ready
        self.rate = 0  # calls a second, as calls_per_s would measure them
        self.counted = 0

    def ready(self):
        return self.waiting

    def count_calls(self, n=1):
        self.counted += n

    def calls_per_s(self):
        return self.rate
