"""The sweep (auto-submit, round_closed exactly once, also with racing instances) and close_round."""
import datetime as dt

import eventlet
import pytest
from sqlalchemy import select, update

from common.db import Database
from common.errors import Conflict, Forbidden
from services.quiz.domain import attempts, closing, contests
from services.quiz.models import Attempt, Contest, Round
from tests.services.quiz.conftest import ORG, expire, now, outbox_rows, register, run


def close_in_past(db, contest, n=1, seconds_ago=60):
    with db.session() as s:
        s.execute(update(Round).where(Round.contest_code == contest, Round.n == n)
                  .values(closes_at=now() - dt.timedelta(seconds=seconds_ago)))


def test_sweep_auto_submits_expired_attempts_only(db, contest, contestant):
    late = run(db, attempts.start_attempt, contestant, contest, 1)
    qid = late["questions"][0]["id"]
    run(db, attempts.save_answers, contestant, late["attempt_id"], {qid: "D"}, 3)
    other = register(db)
    fresh = run(db, attempts.start_attempt, other, contest, 1)
    expire(db, late["attempt_id"])
    ids = run(db, closing.sweep)
    assert len(ids) == 1
    (event,) = outbox_rows(db, "attempt_submitted")
    assert event.id == ids[0]
    assert event.payload["attempt_id"] == late["attempt_id"]
    assert event.payload["answers"] == {qid: "D"} and event.payload["prediction"] == 3
    assert event.payload["auto_submitted"] is True
    with db.session() as s:
        a = s.get(Attempt, late["attempt_id"])
        assert a.status == "submitted" and a.submitted_at == a.deadline
        assert s.get(Attempt, fresh["attempt_id"]).status == "in_progress"
    assert run(db, closing.sweep) == []  # nothing more to do
    # The contestant's own late submit now reports the deadline and sends nothing twice.
    out = run(db, attempts.submit_attempt, contestant, late["attempt_id"], {qid: "A"}, 1)
    assert out["deadline_passed"] is True and out["outbox_ids"] == []


def test_round_closed_waits_for_grace_and_attempts_in_progress(db, contest, contestant):
    done = run(db, attempts.start_attempt, contestant, contest, 1)
    run(db, attempts.submit_attempt, contestant, done["attempt_id"], {}, 1)
    running = run(db, attempts.start_attempt, register(db), contest, 1)
    close_in_past(db, contest, seconds_ago=10)  # within grace_s = 30
    run(db, closing.sweep)
    assert outbox_rows(db, "round_closed") == []
    close_in_past(db, contest, seconds_ago=60)  # grace over, but an attempt is still running
    run(db, closing.sweep)
    assert outbox_rows(db, "round_closed") == []
    expire(db, running["attempt_id"])
    run(db, closing.sweep)  # auto-submits, then emits
    (event,) = outbox_rows(db, "round_closed")
    assert event.payload["contest"] == contest and event.payload["round"] == 1
    assert event.payload["submitted_attempts"] == 2
    assert event.payload["prediction_target"] == "submitted_attempts"
    assert event.payload["questions_per_attempt"] == 5
    run(db, closing.sweep)
    assert len(outbox_rows(db, "round_closed")) == 1
    assert run(db, contests.get_round_facts, contest, 1)["close_emitted"] is True


def test_two_sessions_interleaved_emit_once(db, contest, contestant):
    """Both instances see the round as not yet emitted; only one conditional UPDATE wins."""
    close_in_past(db, contest)
    with db.session() as a_session, db.session() as b_session:
        a_round = a_session.scalar(select(Round).where(Round.contest_code == contest, Round.n == 1))
        b_round = b_session.scalar(select(Round).where(Round.contest_code == contest, Round.n == 1))
        a_contest, b_contest = a_session.get(Contest, contest), b_session.get(Contest, contest)
        assert not a_round.close_emitted and not b_round.close_emitted
        assert closing.try_emit_round_closed(a_session, a_round, a_contest) is not None
        a_session.commit()
        assert closing.try_emit_round_closed(b_session, b_round, b_contest) is None
    assert len(outbox_rows(db, "round_closed")) == 1


def test_racing_sweeps_of_two_instances_emit_once(db, db_url, contest, contestant):
    for _ in range(3):
        paper = run(db, attempts.start_attempt, register(db), contest, 1)
        expire(db, paper["attempt_id"])
    close_in_past(db, contest)
    instances = [Database(db_url) for _ in range(2)]  # two quiz processes, one database
    try:
        pool = eventlet.GreenPool()
        results = list(pool.imap(lambda d: run(d, closing.sweep), instances * 2))
    finally:
        for d in instances:
            d.dispose()
    assert sum(len(r) for r in results) == 4  # 3 attempts + 1 round_closed, no duplicates
    (event,) = outbox_rows(db, "round_closed")
    assert event.payload["submitted_attempts"] == 3
    assert len(outbox_rows(db, "attempt_submitted")) == 3


def test_close_round(db, contest, contestant):
    with pytest.raises(Conflict) as exc:
        run(db, closing.close_round, ORG, contest, 2)  # scheduled
    assert exc.value.code == "round_not_open"
    with pytest.raises(Forbidden):
        run(db, closing.close_round, {"id": "e", "role": "expert"}, contest, 1)
    paper = run(db, attempts.start_attempt, contestant, contest, 1)
    qid = paper["questions"][0]["id"]
    run(db, attempts.save_answers, contestant, paper["attempt_id"], {qid: "B"}, 4)

    out = run(db, closing.close_round, ORG, contest, 1)
    assert out["round"]["status"] == "closed"
    assert dt.datetime.fromisoformat(out["round"]["closes_at"]) <= now()
    assert len(out["outbox_ids"]) == 2
    (submitted,) = outbox_rows(db, "attempt_submitted")
    assert submitted.payload["answers"] == {qid: "B"} and submitted.payload["auto_submitted"] is True
    (closed,) = outbox_rows(db, "round_closed")
    assert closed.payload["submitted_attempts"] == 1

    again = run(db, closing.close_round, ORG, contest, 1)
    assert again["outbox_ids"] == [] and again["round"] == out["round"]
    with pytest.raises(Conflict) as exc:
        run(db, attempts.start_attempt, register(db), contest, 1)
    assert exc.value.code == "round_not_open"
    late = run(db, attempts.submit_attempt, contestant, paper["attempt_id"], {qid: "A"}, 1)
    assert late["deadline_passed"] is True
    run(db, closing.sweep)
    assert len(outbox_rows(db, "round_closed")) == 1
