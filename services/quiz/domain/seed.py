"""Start-up work (inside the start-up lock): bootstrap organizer, then demo data on an empty database.

Seeding goes through the same domain functions as the API, with a system organizer as actor, in
one unit of work: its audit entries are written, its events (bank_changed) are left to the relay
of the running service.
"""
import base64
import datetime as dt
import logging
import os

from sqlalchemy import select

from common.outbox import EventOutbox
from common.time import utcnow
from common.uow import UnitOfWork
from services.quiz import config
from services.quiz.domain import accounts, contests, questions, units
from services.quiz.models import AuditEntry, Outbox, Unit

log = logging.getLogger(__name__)

SYSTEM = {"id": "system", "role": "organizer", "unit_code": None}
# Asia/Ho_Chi_Minh has had no daylight saving since 1975: a fixed +07:00 needs no tz database.
VN = dt.timezone(dt.timedelta(hours=7))


def _file(name):
    with open(os.path.join(config.DATA_DIR, name), "rb") as fh:
        return {"filename": name, "content_b64": base64.b64encode(fh.read()).decode()}


def rounds_2023():
    """SPEC.md section 1: four weeks of June 2023, Vietnamese time."""
    spans = [((2023, 6, 1), (2023, 6, 7)), ((2023, 6, 8), (2023, 6, 14)),
             ((2023, 6, 15), (2023, 6, 21)), ((2023, 6, 22), (2023, 6, 30))]
    return [{"opens_at": dt.datetime(*a, 0, 0, 0, tzinfo=VN).isoformat(),
             "closes_at": dt.datetime(*b, 23, 59, 59, tzinfo=VN).isoformat()} for a, b in spans]


def rounds_demo(now):
    """Round 1 opened an hour ago and lasts 7 days; rounds 2-4 the following weeks."""
    first = now.replace(microsecond=0) - dt.timedelta(hours=1)
    week = dt.timedelta(days=7)
    return [{"opens_at": (first + k * week).isoformat(), "closes_at": (first + (k + 1) * week).isoformat()}
            for k in range(4)]


def seed_demo(uow):
    result = units.import_units(uow, SYSTEM, _file("units.csv"))
    uow.session.flush()
    contests.create_contest(uow, SYSTEM, {
        "code": "cchc-2023",
        "title": "Hội thi trực tuyến tìm hiểu công tác cải cách hành chính tỉnh Thừa Thiên Huế năm 2023",
        "rounds": rounds_2023()})
    contests.create_contest(uow, SYSTEM, {
        "code": "cchc-demo", "title": "Hội thi CCHC (bản dùng thử)",
        "rounds": rounds_demo(utcnow()), "settings": {"questions_per_attempt": 10, "live_board": "scores"}})
    bank = [questions.import_questions(uow, SYSTEM, code, _file("questions.csv"))
            for code in ("cchc-2023", "cchc-demo")]
    log.info("seeded %d units, %s questions", result["created"], [b["created"] for b in bank])


def on_start(session):
    """StoreProvider's on_start hook (a plain session: the service is not running yet)."""
    uow = UnitOfWork(session, EventOutbox(Outbox), AuditEntry)
    accounts.bootstrap_admin(uow)
    if config.current().seed_demo and session.scalar(select(Unit.code).limit(1)) is None:
        seed_demo(uow)
