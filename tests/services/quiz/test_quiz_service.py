"""The nameko class in isolation (worker_factory): wiring, publishing after commit, the rush,
seeding at start."""
import datetime as dt

import pytest
from nameko.testing.services import worker_factory
from sqlalchemy import select

from common.db import Database
from common.errors import Conflict, Invalid
from common.outbox import RELAY_AFTER_S, EventOutbox
from common.uow import verify_chain
from services.quiz import config, metrics, workflow
from services.quiz.domain import seed
from services.quiz.models import AuditEntry, Outbox
from services.quiz.service import QuizService
from tests.services.quiz.conftest import ORG, audit, b64file, dispatched, expire, pressure, register, store, to_bank


@pytest.fixture
def service(db, contest):
    db.dispatch.reset_mock()  # what the fixtures published is not the tests' business
    return worker_factory(QuizService, db=db, pressure=pressure())


def test_submit_publishes_attempt_submitted_at_once(service, db):
    actor = register(db)
    paper = service.start_attempt(actor, "t-2026", 1)
    qids = [q["id"] for q in paper["questions"]]
    assert service.save_answers(actor, paper["attempt_id"], {qids[0]: "A"}, 2)["saved"] == 1
    out = service.submit_attempt(actor, paper["attempt_id"], {q: "B" for q in qids}, 9)
    assert out == {"attempt_id": paper["attempt_id"], "status": "submitted"}
    (payload,) = dispatched(db, "attempt_submitted")
    assert payload["answers"] == to_bank(db, paper["attempt_id"], {q: "B" for q in qids}) and payload["event_id"]
    # Idempotent: the same answer, nothing published twice.
    assert service.submit_attempt(actor, paper["attempt_id"], {}, 0) == out
    assert len(dispatched(db, "attempt_submitted")) == 1
    service.on_attempt_graded({"attempt_id": paper["attempt_id"], "contest": "t-2026", "round": 1,
                               "contestant_id": actor["id"], "correct": 4, "total": 5, "event_id": "e1"})
    service.on_attempt_graded({"attempt_id": paper["attempt_id"], "contest": "t-2026", "round": 1,
                               "contestant_id": actor["id"], "correct": 4, "total": 5, "event_id": "e1"})
    service.on_attempt_graded({"attempt_id": paper["attempt_id"]})  # malformed: dropped, not looped
    got = service.get_attempt(actor, paper["attempt_id"])
    assert (got["status"], got["correct"], got["total"]) == ("graded", 4, 5)
    assert service.list_attempts(actor) == [{**got, "contest_title": "Hội thi thử"}]  # named by its contest


def test_in_a_rush_attempt_submitted_waits_until_the_queue_drains(service, db):
    """While quiz has RUSH_CALLS_PER_S requests queued, the submission is committed and answered,
    its event held; the 0.5 s timer sends it once the queue is short again."""
    service.pressure.depth.waiting = 120
    actor = register(db)
    paper = service.start_attempt(actor, "t-2026", 1)
    assert service.submit_attempt(actor, paper["attempt_id"], {})["status"] == "submitted"
    assert dispatched(db, "attempt_submitted") == []
    assert metrics.EVENTS_HELD._value.get() == 1  # what the dashboard shows
    service.publish_held()  # still busy, and not held for MAX_HOLD_S yet
    assert dispatched(db, "attempt_submitted") == []
    service.pressure.depth.waiting = 3
    service.publish_held()
    assert metrics.EVENTS_HELD._value.get() == 0
    (payload,) = dispatched(db, "attempt_submitted")
    assert payload["attempt_id"] == paper["attempt_id"]
    service.publish_held()
    assert len(dispatched(db, "attempt_submitted")) == 1
    db.flush_marks()
    with db.session() as s:
        assert all(row.published_at for row in s.scalars(select(Outbox).where(Outbox.event_type == "attempt_submitted")))


def test_a_high_rate_of_calls_is_a_rush_too(service, db):
    """Coalesced by the gateway, a rush reaches quiz as a few big messages: the queue stays short,
    the rate of starts and submits is what shows it."""
    actor = register(db)
    paper = service.start_attempt(actor, "t-2026", 1)
    service.pressure.count_calls(config.settings.rush_calls_per_s)  # everyone else's, this second
    service.submit_attempts([{"args": [actor, paper["attempt_id"], {}]}])
    assert dispatched(db, "attempt_submitted") == []
    # The start and the batch's one call were counted.
    assert service.pressure.rate.per_s() == config.settings.rush_calls_per_s + 2
    service.pressure.rate.clock.now += 2  # a quiet second later
    service.publish_held()
    assert [p["attempt_id"] for p in dispatched(db, "attempt_submitted")] == [paper["attempt_id"]]


def test_a_held_event_goes_out_after_the_longest_hold_even_if_still_busy(service, db, monkeypatch):
    monkeypatch.setattr(workflow, "MAX_HOLD_S", 0)
    service.pressure.depth.waiting = 500
    actor = register(db)
    paper = service.start_attempt(actor, "t-2026", 1)
    service.submit_attempt(actor, paper["attempt_id"], {})
    assert dispatched(db, "attempt_submitted") == []
    service.publish_held()
    assert len(dispatched(db, "attempt_submitted")) == 1


def test_the_longest_hold_is_shorter_than_the_relay_waits():
    """Else another instance's relay would send a held event too."""
    assert workflow.MAX_HOLD_S < RELAY_AFTER_S


def test_rush_calls_per_s_zero_is_never_busy(db, contest):
    service = worker_factory(QuizService, db=db, pressure=pressure(threshold=0))
    service.pressure.depth.waiting = 10_000
    actor = register(db)
    paper = service.start_attempt(actor, "t-2026", 1)
    service.submit_attempt(actor, paper["attempt_id"], {})
    assert [p["attempt_id"] for p in dispatched(db, "attempt_submitted")] == [paper["attempt_id"]]


def test_late_submit_publishes_then_raises_deadline_passed(service, db):
    actor = register(db)
    paper = service.start_attempt(actor, "t-2026", 1)
    expire(db, paper["attempt_id"])
    with pytest.raises(Conflict) as exc:
        service.submit_attempt(actor, paper["attempt_id"], {}, 1)
    assert exc.value.code == "deadline_passed"
    (payload,) = dispatched(db, "attempt_submitted")
    assert payload["auto_submitted"] is True and payload["answers"] == {}
    assert service.get_attempt(actor, paper["attempt_id"])["status"] == "submitted"


def test_sweep_auto_submits_and_relays(service, db):
    actor = register(db)
    paper = service.start_attempt(actor, "t-2026", 1)
    expire(db, paper["attempt_id"])
    service.sweep()
    (payload,) = dispatched(db, "attempt_submitted")
    assert payload["attempt_id"] == paper["attempt_id"]
    # An event committed by a process that died before publishing it: the relay sends it once it
    # is older than the relay's delay; here we age it.
    with db.session() as s:
        crashed = EventOutbox(Outbox).add(s, "bank_changed", {"contest": "t-2026", "keys": {}})
    service.sweep()
    assert dispatched(db, "bank_changed") == []
    with db.session() as s:
        row = s.get(Outbox, crashed)
        row.created_at = row.created_at - dt.timedelta(minutes=1)
    service.sweep()
    assert [p["event_id"] for p in dispatched(db, "bank_changed")] == [crashed]
    service.sweep()
    assert len(dispatched(db, "bank_changed")) == 1 and len(dispatched(db, "attempt_submitted")) == 1


def test_import_questions_publishes_bank_changed(service, db):
    content = "text,a,b,c,d,answer,source\nCâu hỏi riêng?,1,2,3,4,A,\n"
    out = service.import_questions(ORG, "t-2026", b64file("q.csv", content))
    assert out == {"created": 1, "errors": []}
    (payload,) = dispatched(db, "bank_changed")
    assert payload["contest"] == "t-2026" and len(payload["keys"]) == 41
    assert service.get_answer_keys("t-2026") == payload["keys"]


def test_close_round_and_round_ranked(service, db):
    actor = register(db)
    service.start_attempt(actor, "t-2026", 1)
    assert service.close_round(ORG, "t-2026", 1)["status"] == "closed"
    assert len(dispatched(db, "attempt_submitted")) == 1
    (closed,) = dispatched(db, "round_closed")
    assert closed["submitted_attempts"] == 1
    service.on_round_ranked({"contest": "t-2026", "round": 1, "actual": 1, "ranked_contestants": 1})
    assert service.get_contest("t-2026")["rounds"][0]["status"] == "finalized"
    assert [c["code"] for c in service.list_contests()] == ["t-2026"]


def test_resume_and_errors_through_the_service(service, db):
    actor = register(db)
    paper = service.start_attempt(actor, "t-2026", 1)
    assert service.resume_attempt(actor, paper["attempt_id"])["answers"] == {}
    with pytest.raises(Invalid):
        service.register_contestant({"full_name": "A", "id_number": "1", "phone": "0912345678"})
    assert service.health()["status"] == "ok"


def test_seeding_at_start(db_url, monkeypatch):
    monkeypatch.setenv("SEED_DEMO", "true")
    monkeypatch.delenv("BOOTSTRAP_ADMIN_USERNAME", raising=False)
    monkeypatch.delenv("BOOTSTRAP_ADMIN_PASSWORD", raising=False)
    monkeypatch.setenv("APP_ENV", "local")
    db = store(Database(db_url, config.MIGRATIONS_DIR, on_start=seed.on_start))
    try:
        service = worker_factory(QuizService, db=db, pressure=pressure())
        assert len(service.list_units()) == 47
        c2023 = service.get_contest("cchc-2023")
        assert [r["opens_at"] for r in c2023["rounds"]] == [
            "2023-05-31T17:00:00+00:00", "2023-06-07T17:00:00+00:00",
            "2023-06-14T17:00:00+00:00", "2023-06-21T17:00:00+00:00"]
        assert c2023["rounds"][3]["closes_at"] == "2023-06-30T16:59:59+00:00"
        assert c2023["settings"]["questions_per_attempt"] == 20
        demo = service.get_contest("cchc-demo")
        assert [r["status"] for r in demo["rounds"]] == ["open", "scheduled", "scheduled", "scheduled"]
        assert demo["settings"]["questions_per_attempt"] == 10
        assert len(service.get_answer_keys("cchc-demo")) == 40 == len(service.get_answer_keys("cchc-2023"))
        assert service.authenticate("admin", "admin", "127.0.0.1")["role"] == "organizer"
        actor = register(db)
        assert len(service.start_attempt(actor, "cchc-demo", 1)["questions"]) == 10
        # Seeding is audited like the API calls it makes, by the platform and its system organizer.
        assert [(e.action, e.actor_id) for e in audit(db)] == [
            ("staff.create", None), ("units.import", "system"),
            ("contest.create", "system"), ("contest.create", "system"),
            ("questions.import", "system"), ("questions.import", "system")]
        with db.session() as s:
            assert verify_chain(s, AuditEntry) is None
    finally:
        db.database.dispose()
    # A second start (another instance, or a restart) seeds nothing twice.
    again = store(Database(db_url, config.MIGRATIONS_DIR, on_start=seed.on_start))
    try:
        service = worker_factory(QuizService, db=again, pressure=pressure())
        assert len(service.list_units()) == 47 and len(service.list_contests()) == 2
        assert len(audit(again)) == 6
    finally:
        again.database.dispose()


def test_production_refuses_to_start_without_bootstrap_admin(db_url, monkeypatch):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.delenv("BOOTSTRAP_ADMIN_USERNAME", raising=False)
    monkeypatch.delenv("BOOTSTRAP_ADMIN_PASSWORD", raising=False)
    with pytest.raises(RuntimeError):
        Database(db_url, config.MIGRATIONS_DIR, on_start=seed.on_start)
