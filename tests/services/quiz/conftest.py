"""Fixtures of the quiz tests: a migrated database (SQLite and PostgreSQL) as the service's store,
a contest with an open round and the fixture question bank, registered contestants."""
import base64
import datetime as dt
import io
import os
import uuid
from unittest import mock

import pytest
from sqlalchemy import select

from common.backpressure import CallRate, Pressure
from common.db import Database
from common.outbox import EventOutbox
from common.uow import Store
from services.quiz import config
from services.quiz.domain import accounts, contests, questions, units
from services.quiz.models import Attempt, AuditEntry, Outbox
from tests.fakes import Clock, Queue

ORG = {"id": "org-test", "role": "organizer", "unit_code": None}
DATA = os.path.join(os.path.dirname(__file__), "..", "..", "..", "data")


def store(database):
    """The service's `self.db` over `database`; what it publishes goes to `store.dispatch` (a mock)."""
    return Store(database, EventOutbox(Outbox), mock.Mock(), AuditEntry)


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
    yield store(database)
    database.dispose()


@pytest.fixture
def with_units(db):
    db.run(units.import_units, ORG, data_file("units.csv"))
    return db


def make_contest(db, code="t-2026", settings=None, round1_closes_in=dt.timedelta(days=1)):
    t = now()
    rounds = [
        {"opens_at": (t - dt.timedelta(hours=1)).isoformat(), "closes_at": (t + round1_closes_in).isoformat()},
        {"opens_at": (t + dt.timedelta(days=2)).isoformat(), "closes_at": (t + dt.timedelta(days=3)).isoformat()},
    ]
    db.run(contests.create_contest, ORG, {"code": code, "title": "Hội thi thử", "rounds": rounds,
                                          "settings": {"questions_per_attempt": 5, **(settings or {})}})
    db.run(questions.import_questions, ORG, code, data_file("questions.csv"))
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
    user = db.run(accounts.register_contestant, data)
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


def dispatched(db, event_type):
    """The payloads the store published for `event_type`, in order."""
    return [c.args[1] for c in db.dispatch.call_args_list if c.args[0] == event_type]


def audit(db, action=None):
    with db.session() as s:
        query = select(AuditEntry).order_by(AuditEntry.seq)
        if action:
            query = query.where(AuditEntry.action == action)
        return s.scalars(query).all()


def pressure(threshold=None):
    """The real rush signal on a still clock and a queue the test fills: what worker_factory gets
    for `pressure`. `.rate.clock.now += 2` ends a rush of calls, `.depth.waiting = 0` one of queued
    requests."""
    threshold = config.settings.rush_calls_per_s if threshold is None else threshold
    return Pressure(CallRate(Clock()), Queue(), threshold)


def to_bank(db, attempt_id, sheet):
    """A sheet in the letters an attempt's paper shows → the bank letters the server stores and
    sends to scoring (options are lettered A–D in the order shown, per attempt)."""
    with db.session() as s:
        orders = s.get(Attempt, attempt_id).option_orders
    return {qid: orders[qid]["ABCD".index(key)] for qid, key in sheet.items()}


def to_shown(db, attempt_id, sheet):
    """Bank letters → the letters this attempt's paper shows for the same options."""
    with db.session() as s:
        orders = s.get(Attempt, attempt_id).option_orders
    return {qid: "ABCD"[orders[qid].index(key)] for qid, key in sheet.items()}
