"""The sweep (auto-submit, round_closed exactly once, also with racing instances) and close_round."""
import datetime as dt

import eventlet
import pytest
from sqlalchemy import select, update

from common.db import Database
from common.errors import Conflict, Forbidden
from common.uow import UnitOfWork
from services.quiz.domain import attempts, closing
from services.quiz.models import Attempt, Contest, Round
from tests.services.quiz.conftest import ORG, dispatched, expire, now, outbox_rows, register, store, to_bank


def close_in_past(db, contest, n=1, seconds_ago=60):
    with db.session() as s:
        s.execute(update(Round).where(Round.contest_code == contest, Round.n == n)
                  .values(closes_at=now() - dt.timedelta(seconds=seconds_ago)))


def test_sweep_auto_submits_expired_attempts_only(db, contest, contestant):
    late = db.run(attempts.start_attempt, contestant, contest, 1)
    qid = late["questions"][0]["id"]
    db.run(attempts.save_answers, contestant, late["attempt_id"], {qid: "D"}, 3)
    other = register(db)
    fresh = db.run(attempts.start_attempt, other, contest, 1)
    expire(db, late["attempt_id"])
    assert db.run(closing.sweep) == {"auto_submitted": 1, "rounds_closed": 0}
    (event,) = outbox_rows(db, "attempt_submitted")
    assert [p["event_id"] for p in dispatched(db, "attempt_submitted")] == [event.id]
    assert event.payload["attempt_id"] == late["attempt_id"]
    assert event.payload["answers"] == to_bank(db, late["attempt_id"], {qid: "D"}) and event.payload["prediction"] == 3
    assert event.payload["auto_submitted"] is True
    with db.session() as s:
        a = s.get(Attempt, late["attempt_id"])
        assert a.status == "submitted" and a.submitted_at == a.deadline
        assert s.get(Attempt, fresh["attempt_id"]).status == "in_progress"
    assert db.run(closing.sweep) == {"auto_submitted": 0, "rounds_closed": 0}  # nothing more to do
    # The contestant's own late submit now reports the deadline and sends nothing twice.
    out = db.run(attempts.submit_attempt, contestant, late["attempt_id"], {qid: "A"}, 1)
    assert out["deadline_passed"] is True
    assert len(outbox_rows(db, "attempt_submitted")) == 1 == len(dispatched(db, "attempt_submitted"))


def test_round_closed_waits_for_grace_and_attempts_in_progress(db, contest, contestant):
    done = db.run(attempts.start_attempt, contestant, contest, 1)
    db.run(attempts.submit_attempt, contestant, done["attempt_id"], {}, 1)
    running = db.run(attempts.start_attempt, register(db), contest, 1)
    close_in_past(db, contest, seconds_ago=10)  # within grace_s = 30
    db.run(closing.sweep)
    assert outbox_rows(db, "round_closed") == []
    close_in_past(db, contest, seconds_ago=60)  # grace over, but an attempt is still running
    db.run(closing.sweep)
    assert outbox_rows(db, "round_closed") == []
    expire(db, running["attempt_id"])
    db.run(closing.sweep)  # auto-submits, then emits
    (event,) = outbox_rows(db, "round_closed")
    assert event.payload["contest"] == contest and event.payload["round"] == 1
    assert event.payload["submitted_attempts"] == 2
    assert event.payload["prediction_target"] == "submitted_attempts"
    assert event.payload["questions_per_attempt"] == 5
    db.run(closing.sweep)
    assert len(outbox_rows(db, "round_closed")) == 1
    with db.session() as s:
        assert s.scalar(select(Round.close_emitted).where(Round.contest_code == contest, Round.n == 1)) is True


def test_two_sessions_interleaved_emit_once(db, contest, contestant):
    """Both instances see the round as not yet emitted; only one conditional UPDATE wins."""
    close_in_past(db, contest)
    with db.session() as a_session, db.session() as b_session:
        a_round = a_session.scalar(select(Round).where(Round.contest_code == contest, Round.n == 1))
        b_round = b_session.scalar(select(Round).where(Round.contest_code == contest, Round.n == 1))
        a_contest, b_contest = a_session.get(Contest, contest), b_session.get(Contest, contest)
        assert not a_round.close_emitted and not b_round.close_emitted
        a_uow, b_uow = (UnitOfWork(x, db.outbox) for x in (a_session, b_session))
        assert closing.try_emit_round_closed(a_uow, a_round, a_contest) is True
        a_session.commit()
        assert closing.try_emit_round_closed(b_uow, b_round, b_contest) is False
    assert len(outbox_rows(db, "round_closed")) == 1


def test_racing_sweeps_of_two_instances_emit_once(db, db_url, contest, contestant):
    for _ in range(3):
        paper = db.run(attempts.start_attempt, register(db), contest, 1)
        expire(db, paper["attempt_id"])
    close_in_past(db, contest)
    instances = [store(Database(db_url)) for _ in range(2)]  # two quiz processes, one database
    try:
        pool = eventlet.GreenPool()
        results = list(pool.imap(lambda d: d.run(closing.sweep), instances * 2))
    finally:
        for d in instances:
            d.database.dispose()
    # 3 attempts + 1 round_closed, no duplicates
    assert sum(r["auto_submitted"] for r in results) == 3 and sum(r["rounds_closed"] for r in results) == 1
    assert sum(len(dispatched(d, "attempt_submitted")) + len(dispatched(d, "round_closed")) for d in instances) == 4
    (event,) = outbox_rows(db, "round_closed")
    assert event.payload["submitted_attempts"] == 3
    assert len(outbox_rows(db, "attempt_submitted")) == 3


def test_close_round(db, contest, contestant):
    with pytest.raises(Conflict) as exc:
        db.run(closing.close_round, ORG, contest, 2)  # scheduled
    assert exc.value.code == "round_not_open"
    with pytest.raises(Forbidden):
        db.run(closing.close_round, {"id": "e", "role": "expert"}, contest, 1)
    paper = db.run(attempts.start_attempt, contestant, contest, 1)
    qid = paper["questions"][0]["id"]
    db.run(attempts.save_answers, contestant, paper["attempt_id"], {qid: "B"}, 4)

    out = db.run(closing.close_round, ORG, contest, 1)
    assert out["status"] == "closed"
    assert dt.datetime.fromisoformat(out["closes_at"]) <= now()
    assert len(dispatched(db, "attempt_submitted")) == 1 and len(dispatched(db, "round_closed")) == 1
    (submitted,) = outbox_rows(db, "attempt_submitted")
    assert submitted.payload["answers"] == to_bank(db, paper["attempt_id"], {qid: "B"})
    assert submitted.payload["auto_submitted"] is True
    (closed,) = outbox_rows(db, "round_closed")
    assert closed.payload["submitted_attempts"] == 1

    again = db.run(closing.close_round, ORG, contest, 1)
    assert again == out
    assert len(dispatched(db, "attempt_submitted")) == 1 and len(dispatched(db, "round_closed")) == 1
    with pytest.raises(Conflict) as exc:
        db.run(attempts.start_attempt, register(db), contest, 1)
    assert exc.value.code == "round_not_open"
    late = db.run(attempts.submit_attempt, contestant, paper["attempt_id"], {qid: "A"}, 1)
    assert late["deadline_passed"] is True
    db.run(closing.sweep)
    assert len(outbox_rows(db, "round_closed")) == 1
