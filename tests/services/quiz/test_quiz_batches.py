"""Coalesced starts and submits (common/batch.py, QuizService.start_attempts / submit_attempts): one
transaction for many calls, and each call gets exactly the outcome it would have had alone."""
import pytest
from nameko.testing.services import worker_factory
from sqlalchemy import func, select

from common import batch
from common.errors import Conflict
from services.quiz.models import Attempt, Outbox
from services.quiz.service import QuizService
from tests.services.quiz.conftest import ORG, dispatched, expire, pressure, register, to_bank


@pytest.fixture
def service(db, contest):
    return worker_factory(QuizService, db=db, pressure=pressure())


def call(*args, **kwargs):
    return {"args": list(args), "kwargs": kwargs, "request_id": "req-test"}


def attempts_of(db, actor):
    with db.session() as s:
        return s.scalars(select(Attempt).where(Attempt.contestant_id == actor["id"])).all()


def test_a_batch_of_starts_gives_each_call_its_own_outcome(service, db):
    a, b = register(db), register(db)
    replies = service.start_attempts([
        call(a, "t-2026", 1),
        call(b, "t-2026", 1),
        call(a, "t-2026", 1),            # a second start while the first is in progress
        call(ORG, "t-2026", 1),          # staff cannot take the quiz
        call(b, "khong-co", 1),          # no such contest
    ])
    assert [r["error"]["exc_type"] if r["error"] else "ok" for r in replies] == \
        ["ok", "ok", "Conflict", "Forbidden", "NotFound"]
    assert replies[2]["error"]["exc_args"][0] == "attempt_in_progress"
    assert replies[3]["error"]["exc_args"][0] == "forbidden"  # require(actor, "contestant")
    assert replies[4]["error"]["exc_args"][0] == "contest_not_found"
    for actor, reply in ((a, replies[0]), (b, replies[1])):
        (attempt,) = attempts_of(db, actor)
        assert attempt.id == reply["result"]["attempt_id"] and attempt.status == "in_progress"
        assert len(reply["result"]["questions"]) == len(attempt.question_ids)


def test_a_batch_of_submits_gives_each_call_its_own_outcome(service, db):
    a, b, late = register(db), register(db), register(db)
    pa, pb, pl = (service.start_attempt(x, "t-2026", 1) for x in (a, b, late))
    expire(db, pl["attempt_id"])
    qa = [q["id"] for q in pa["questions"]]
    replies = service.submit_attempts([
        call(a, pa["attempt_id"], {q: "A" for q in qa}, 7),
        call(b, pb["attempt_id"], {"khong-phai-cau-hoi": "A"}),   # invalid: nothing written
        call(a, pa["attempt_id"], {}, None),                     # again: the same answer
        call(b, pa["attempt_id"], {}),                           # not b's attempt
        call(late, pl["attempt_id"], {}),                        # too late: autosave submitted
    ])
    outcome = [(r["error"]["exc_type"], r["error"]["exc_args"][0]) if r["error"] else r["result"]["status"]
               for r in replies]
    assert outcome == ["submitted", ("Invalid", "invalid_answers"), "submitted",
                       ("Forbidden", "not_your_attempt"), ("Conflict", "deadline_passed")]
    statuses = {x["id"]: attempts_of(db, x)[0] for x in (a, b, late)}
    assert statuses[a["id"]].status == "submitted" and statuses[a["id"]].answers == to_bank(
        db, pa["attempt_id"], {q: "A" for q in qa})
    assert statuses[b["id"]].status == "in_progress"
    assert statuses[late["id"]].status == "submitted" and statuses[late["id"]].auto_submitted
    # One event per submitted attempt, none for the refused calls, none twice.
    sent = sorted(p["attempt_id"] for p in dispatched(db, "attempt_submitted"))
    assert sent == sorted([pa["attempt_id"], pl["attempt_id"]])


def test_a_call_that_fails_after_writing_leaves_nothing_behind(db):
    """The SAVEPOINT per call: a DomainError rolls back that call's writes, not the others'."""
    def write_then_maybe_fail(uow, i):
        uow.emit("thu", {"i": i}, immediate=True)
        if i == 1:
            raise Conflict("thu_loi")
        return i

    outcomes = batch.run(db, write_then_maybe_fail, [call(0), call(1), call(2)])
    assert [r for r, _ in outcomes] == [0, None, 2] and outcomes[1][1].code == "thu_loi"
    with db.session() as s:
        kept = sorted(row.payload["i"] for row in s.scalars(select(Outbox).where(Outbox.event_type == "thu")))
    assert kept == [0, 2]
    assert [p["i"] for p in dispatched(db, "thu")] == [0, 2]  # the rolled-back event is never sent


def test_a_batch_that_breaks_is_run_again_call_by_call(service, db):
    """Not a call's own error (here a malformed call; in life a lost connection or a deadlock): the
    whole transaction is rolled back, then every call runs alone, each with its own outcome."""
    a, b = register(db), register(db)
    replies = service.start_attempts([call(a, "t-2026", 1), {"args": []}, call(b, "t-2026", 1)])
    assert replies[0]["result"]["attempt_id"] and replies[2]["result"]["attempt_id"]
    assert replies[1]["error"]["exc_type"] == "TypeError"
    # a's start ran twice (in the rolled-back batch, then alone) and exists once.
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Attempt)) == 2
    assert [x.id for x in attempts_of(db, a)] == [replies[0]["result"]["attempt_id"]]


def test_a_batch_reads_the_round_once_and_again_after_a_call_is_rolled_back(service, db):
    """The round row is share-locked by the first start of the transaction: the others reuse it. A
    call rolled back to its savepoint gives its locks up, so the next call reads (and locks) again."""
    from sqlalchemy import event

    statements = []
    listener = lambda *a: statements.append(a[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        a, b, c, d = (register(db) for _ in range(4))
        replies = service.start_attempts([call(a, "t-2026", 1), call(b, "t-2026", 1),
                                          call(a, "t-2026", 1), call(c, "t-2026", 1), call(d, "t-2026", 1)])
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert [bool(r["result"]) for r in replies] == [True, True, False, True, True]
    round_reads = [s for s in statements if "FOR SHARE" in s]
    if db.engine.dialect.name == "postgresql":
        assert len(round_reads) == 2  # a's first start, and c's after a's second was rolled back
    else:
        assert len(round_reads) == 0  # SQLite has no FOR SHARE; calls run alone there anyway
