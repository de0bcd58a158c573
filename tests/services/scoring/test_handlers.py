"""The scoring service's handlers and RPCs, isolated with worker_factory, on SQLite and PostgreSQL."""
from unittest.mock import Mock

import eventlet
import pytest
from nameko.testing.services import worker_factory
from sqlalchemy import func, select

from common.db import Database
from common.errors import Conflict, Invalid, UpstreamUnavailable
from common.outbox import EventOutbox
from common.uow import Store, UnitOfWork
from common.upstream import Client
from services.scoring import config
from services.scoring.domain import grading, rounds
from services.scoring.errors import KeysStillMissing
from services.scoring.models import AnswerKey, GradedAttempt, Outbox, RankingRow, RoundResult
from services.scoring.schemas import AttemptSubmitted, RoundClosed
from services.scoring.service import ScoringService
from .helpers import CONTEST, attempt, bank_changed, dispatched, keys, round_closed


@pytest.fixture
def database(db_url):
    database = Database(db_url, config.MIGRATIONS_DIR)
    yield database
    database.dispose()


@pytest.fixture
def db(database):
    """The service's store; `db.dispatch` is the mock of its EventDispatcher."""
    return Store(database, EventOutbox(Outbox), Mock())


@pytest.fixture
def service(db):
    return worker_factory(ScoringService, db=db)


def silent_quiz(method, timeout_s=0.05):
    """A quiz client (common.upstream.Client, with its deadline) whose `method` never answers."""
    proxy = Mock()
    getattr(proxy, method).side_effect = lambda *args: eventlet.sleep(60)
    return Client("quiz", proxy, timeout_s)


def count(db, model, *where):
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


# --- grading ---

def test_grades_an_attempt_and_publishes_attempt_graded(service, db):
    service.on_bank_changed(bank_changed(n=4))
    payload = attempt("att-1", "c1", 2, total=4, unanswered=1, prediction=321, duration_ms=123_456)
    service.on_attempt_submitted(payload)

    with db.session() as session:
        row = session.get(GradedAttempt, "att-1")
        assert (row.correct, row.total) == (2, 4)  # q1, q2 right; q3 blank (wrong); q4 wrong
        assert (row.contestant_id, row.unit_code, row.full_name) == ("c1", "U1", "Nguyễn Văn c1")
        assert (row.prediction, row.duration_ms, row.round) == (321, 123_456, 1)
        outbox_row = session.scalars(select(Outbox)).one()
    # Published right after the commit; the row is marked with the next batch of marks.
    db.flush_marks()
    with db.session() as session:
        assert session.get(Outbox, outbox_row.id).published_at is not None
    assert dispatched(db.dispatch, "attempt_graded") == [{
        "attempt_id": "att-1", "contest": CONTEST, "round": 1, "contestant_id": "c1",
        "correct": 2, "total": 4, "event_id": outbox_row.id,
    }]
    service.quiz.get_answer_keys.assert_not_called()


def test_duplicate_delivery_is_graded_once(service, db):
    service.on_bank_changed(bank_changed())
    payload = attempt("att-1", "c1", 17)
    service.on_attempt_submitted(payload)
    service.on_attempt_submitted(dict(payload))
    assert count(db, GradedAttempt) == 1
    assert count(db, Outbox) == 1
    assert len(dispatched(db.dispatch, "attempt_graded")) == 1


def test_bank_changed_is_idempotent_and_updates_a_changed_key(service, db):
    service.on_bank_changed(bank_changed(n=3))
    service.on_bank_changed(bank_changed(n=3))
    assert count(db, AnswerKey) == 3
    service.on_bank_changed({"contest": CONTEST, "keys": {"q1": "C", "q9": "D"}})
    with db.session() as session:
        stored = dict(session.execute(select(AnswerKey.question_id, AnswerKey.key)).all())
    assert stored == {"q1": "C", "q2": "A", "q3": "A", "q9": "D"}


def test_missing_keys_are_fetched_from_quiz(service, db):
    service.quiz.get_answer_keys.return_value = keys()
    service.on_attempt_submitted(attempt("att-1", "c1", 11))
    service.quiz.get_answer_keys.assert_called_once_with(CONTEST)
    with db.session() as session:
        assert session.get(GradedAttempt, "att-1").correct == 11
    assert count(db, AnswerKey) == 20
    # the copy now has them: no second call
    service.on_attempt_submitted(attempt("att-2", "c2", 5))
    assert service.quiz.get_answer_keys.call_count == 1


@pytest.mark.parametrize("failure", [UpstreamUnavailable("quiz"), RuntimeError("broker down")])
def test_quiz_failure_raises_so_the_message_is_requeued(service, db, failure):
    service.quiz.get_answer_keys.side_effect = failure
    with pytest.raises(type(failure)):
        service.on_attempt_submitted(attempt("att-1", "c1", 11))
    assert count(db, GradedAttempt) == 0 and count(db, Outbox) == 0
    db.dispatch.assert_not_called()


def test_quiz_that_never_answers_times_out(db):
    service = worker_factory(ScoringService, db=db, quiz=silent_quiz("get_answer_keys"))
    with pytest.raises(UpstreamUnavailable):
        service.on_attempt_submitted(attempt("att-1", "c1", 11))
    assert count(db, GradedAttempt) == 0


def test_key_still_missing_after_fetch_raises(service, db, monkeypatch):
    monkeypatch.setattr(config.settings, "missing_key_retry_delay_s", 0)
    service.quiz.get_answer_keys.return_value = keys(19)  # q20 unknown to quiz too
    with pytest.raises(KeysStillMissing):
        service.on_attempt_submitted(attempt("att-1", "c1", 11))
    assert count(db, GradedAttempt) == 0


def test_null_name_unit_prediction_and_answers_are_accepted(service, db):
    service.on_bank_changed(bank_changed())
    payload = attempt("att-1", "c1", 0)
    payload.update(full_name=None, unit_code=None, prediction=None, answers=None)
    service.on_attempt_submitted(payload)
    with db.session() as session:
        row = session.get(GradedAttempt, "att-1")
        assert (row.correct, row.total, row.full_name, row.unit_code, row.prediction) == (0, 20, "", None, None)


def test_malformed_event_is_dropped_without_changes(service, db):
    bad = attempt("att-1", "c1", 11)
    del bad["question_ids"]
    service.on_attempt_submitted(bad)  # logged and acked: requeueing could never succeed
    service.on_round_closed({"contest": CONTEST, "round": 0})
    assert count(db, GradedAttempt) == 0 and count(db, Outbox) == 0


# --- ranking a closed round ---

def test_ranking_waits_for_every_grade_then_ranks_once(service, db):
    service.on_bank_changed(bank_changed())
    # round_closed arrives before the grades (events come in any order)
    service.on_round_closed(round_closed(3))
    service.on_attempt_submitted(attempt("a1", "an", 20, prediction=2, duration_ms=500_000, at_s=10))
    service.on_attempt_submitted(attempt("b1", "binh", 20, prediction=3, duration_ms=400_000, at_s=20))
    service.tick()
    assert dispatched(db.dispatch, "round_ranked") == []
    live = service.get_leaderboard(CONTEST, 1)
    assert live["final"] is False and live["actual_attempts"] is None
    assert [(r["rank"], r["contestant_id"], r["prediction_diff"]) for r in live["rows"]] == [
        (1, "binh", None), (2, "an", None)]  # live: faster first
    with pytest.raises(Conflict):
        service.get_round_ranking(CONTEST, 1)

    service.on_attempt_submitted(attempt("a2", "an", 19, prediction=3, at_s=30))  # last grade
    ranked = dispatched(db.dispatch, "round_ranked")
    assert len(ranked) == 1
    assert {k: ranked[0][k] for k in ("contest", "round", "actual", "ranked_contestants")} == {
        "contest": CONTEST, "round": 1, "actual": 3, "ranked_contestants": 2}

    # replays of every kind change nothing
    service.on_round_closed(round_closed(3))
    service.on_attempt_submitted(attempt("a2", "an", 19, prediction=3, at_s=30))
    service.tick()
    assert len(dispatched(db.dispatch, "round_ranked")) == 1
    assert count(db, RankingRow) == 2

    final = service.get_leaderboard(CONTEST, 1)
    assert final["final"] is True and final["actual_attempts"] == 3
    # final: binh's prediction 3 is exact, an's counted attempt (20 correct) is 1 off
    assert [(r["rank"], r["contestant_id"], r["correct"], r["prediction_diff"]) for r in final["rows"]] == [
        (1, "binh", 20, 0), (2, "an", 20, 1)]
    assert final["rows"][0]["submitted_at"] == "2023-06-01T01:00:20+00:00"
    assert final["rows"][0]["full_name"] == "Nguyễn Văn binh"
    assert service.get_round_ranking(CONTEST, 1) == final["rows"]


def test_round_ranked_at_close_with_perfect_attempts_target(service, db):
    service.on_bank_changed(bank_changed())
    service.on_attempt_submitted(attempt("a1", "an", 20, prediction=1, at_s=1))
    service.on_attempt_submitted(attempt("a2", "an", 20, prediction=2, at_s=2))
    service.on_attempt_submitted(attempt("b1", "binh", 20, prediction=2, duration_ms=1, at_s=3))
    service.on_attempt_submitted(attempt("c1", "chi", 12, prediction=3, at_s=4))
    # all grades in before the close: the close itself ranks the round
    service.on_round_closed(round_closed(4, target="perfect_attempts"))
    ranked = dispatched(db.dispatch, "round_ranked")
    assert len(ranked) == 1 and ranked[0]["actual"] == 3
    rows = service.get_leaderboard(CONTEST, 1)["rows"]
    # binh: 20 correct, |2-3| = 1, 1 ms; an: counted a2 (|2-3| = 1) but slower; chi: 12 correct
    assert [(r["rank"], r["contestant_id"], r["prediction"], r["prediction_diff"]) for r in rows] == [
        (1, "binh", 2, 1), (2, "an", 2, 1), (3, "chi", 3, 0)]
    service.tick()
    assert len(dispatched(db.dispatch, "round_ranked")) == 1


def test_true_ties_share_a_rank_on_the_leaderboard(service):
    service.on_bank_changed(bank_changed())
    for attempt_id, contestant, correct in [("a", "an", 20), ("b", "binh", 18), ("c", "chi", 18), ("d", "dung", 10)]:
        service.on_attempt_submitted(attempt(attempt_id, contestant, correct, at_s=5, duration_ms=1000))
    rows = service.get_leaderboard(CONTEST, 1, limit=3)["rows"]
    assert [(r["rank"], r["contestant_id"]) for r in rows] == [(1, "an"), (2, "binh"), (2, "chi")]


def test_leaderboard_me_is_the_contestants_own_row_listed_or_not(service, db):
    """Issue 16 ("Thứ hạng của tôi"): with contestant_id the board carries `me`, that contestant's
    counted attempt ranked among everybody's, even below the rows listed; None without a row."""
    service.on_bank_changed(bank_changed())
    for attempt_id, contestant, correct in [("a", "an", 20), ("b", "binh", 18), ("c", "chi", 15), ("d", "dung", 10),
                                            ("d2", "dung", 12)]:
        service.on_attempt_submitted(attempt(attempt_id, contestant, correct, at_s=5, duration_ms=1000))
    live = service.get_leaderboard(CONTEST, 1, limit=2, contestant_id="dung")
    assert [r["contestant_id"] for r in live["rows"]] == ["an", "binh"]
    assert (live["me"]["rank"], live["me"]["contestant_id"], live["me"]["correct"]) == (4, "dung", 12)
    assert service.get_leaderboard(CONTEST, 1, contestant_id="nobody")["me"] is None
    assert "me" not in service.get_leaderboard(CONTEST, 1)

    service.on_round_closed(round_closed(5))
    final = service.get_leaderboard(CONTEST, 1, limit=1, contestant_id="chi")
    assert final["final"] is True and [r["contestant_id"] for r in final["rows"]] == ["an"]
    assert (final["me"]["rank"], final["me"]["contestant_id"]) == (3, "chi")
    assert service.get_leaderboard(CONTEST, 1, contestant_id="nobody")["me"] is None


# --- RPC input checks ---

def test_rpc_inputs_are_checked(service):
    # the one contest-code rule (common/contest_code.py): at most 40 characters, a-z 0-9 -
    for bad in [(CONTEST, 0), (CONTEST, "1"), ("", 1), ("c" * 41, 1), ("CCHC-2023", 1)]:
        with pytest.raises(Invalid):
            service.get_leaderboard(*bad)
    with pytest.raises(Invalid) as exc:
        service.get_leaderboard(CONTEST, 1, limit=0)
    assert exc.value.code == "invalid_limit"
    assert service.get_leaderboard(CONTEST, 1) == {"final": False, "actual_attempts": None, "rows": []}


def test_health(service):
    assert service.health()["status"] == "ok"


# --- unit statistics ---

UNITS = [
    {"code": "U1", "name": "Sở Nội vụ", "kind": "department", "parent_code": None, "headcount": 4},
    {"code": "U2", "name": "UBND xã A", "kind": "commune", "parent_code": "U9", "headcount": 1},
    {"code": "U3", "name": "Ban B", "kind": "department", "parent_code": None, "headcount": 0},
    {"code": "U4", "name": "Sở C", "kind": "department", "parent_code": None, "headcount": 10},
]


def test_unit_stats_on_a_hand_computed_case(service):
    service.on_bank_changed(bank_changed())
    submissions = [
        # U1: A r1 best 16/20 (0.8), r2 12/20 (0.6) → 0.7; B r1 0/20 → 0.0 (a zero); C r2 20/20 → 1.0
        attempt("a1", "A", 10, round=1, unit="U1", at_s=1),
        attempt("a2", "A", 16, round=1, unit="U1", at_s=2),
        attempt("a3", "A", 12, round=2, unit="U1", at_s=3),
        attempt("b1", "B", 0, round=1, unit="U1", at_s=4),
        attempt("c1", "C", 20, round=2, unit="U1", at_s=5),
        # U2 (headcount 1): D r1 0 and 0 (one zero), r2 10/20 → 0.25; E r1 20/20 → 1.0
        attempt("d1", "D", 0, round=1, unit="U2", at_s=6),
        attempt("d2", "D", 0, round=1, unit="U2", at_s=7),
        attempt("d3", "D", 10, round=2, unit="U2", at_s=8),
        attempt("e1", "E", 20, round=1, unit="U2", at_s=9),
        # U3 (headcount 0): F r1 5/20 → 0.25
        attempt("f1", "F", 5, round=1, unit="U3", at_s=10),
        # another contest does not count
        attempt("x1", "B", 20, round=1, unit="U1", contest="other-2024", at_s=11),
    ]
    service.on_bank_changed(bank_changed(contest="other-2024"))
    for payload in submissions:
        service.on_attempt_submitted(payload)
    service.quiz.list_units.return_value = UNITS

    stats = {s["unit_code"]: s for s in service.get_unit_stats(CONTEST)}
    assert list(stats) == ["U1", "U2", "U3", "U4"]
    # U2 has more participants than headcount (rate capped), U3 no headcount: each says so.
    flags = {code: [f["code"] for f in s.pop("flags")] for code, s in stats.items()}
    assert flags == {"U1": [], "U2": ["over_headcount"], "U3": ["no_headcount"], "U4": []}
    assert stats["U1"] == {"unit_code": "U1", "headcount": 4, "participants": 3, "participation": 0.75,
                           "quality": pytest.approx((0.7 + 0.0 + 1.0) / 3), "zero_results": 1}
    assert stats["U2"] == {"unit_code": "U2", "headcount": 1, "participants": 2, "participation": 1.0,
                           "quality": pytest.approx((0.25 + 1.0) / 2), "zero_results": 1}
    assert stats["U3"] == {"unit_code": "U3", "headcount": 0, "participants": 1, "participation": 0.0,
                           "quality": pytest.approx(0.25), "zero_results": 0}
    assert stats["U4"] == {"unit_code": "U4", "headcount": 10, "participants": 0, "participation": 0.0,
                           "quality": 0.0, "zero_results": 0}

    # quiz down: the last known headcounts are used
    service.quiz.list_units.side_effect = RuntimeError("quiz down")
    again = {s["unit_code"]: s for s in service.get_unit_stats(CONTEST)}
    assert {code: [f["code"] for f in s.pop("flags")] for code, s in again.items()} == flags
    assert again == stats


def test_unit_stats_check_the_contest_before_asking_quiz(service):
    with pytest.raises(Invalid):
        service.get_unit_stats("")
    service.quiz.list_units.assert_not_called()


def test_unit_stats_without_quiz_or_copy_show_unknown_headcounts(db):
    service = worker_factory(ScoringService, db=db, quiz=silent_quiz("list_units"))
    service.on_bank_changed(bank_changed())
    service.on_attempt_submitted(attempt("a1", "A", 10, unit="U1"))
    assert service.get_unit_stats(CONTEST) == [{
        "unit_code": "U1", "headcount": None, "participants": 1, "participation": None,
        "quality": 0.5, "zero_results": 0, "flags": []}]  # unknown headcount: nothing to flag yet


def test_two_instances_ranking_at_once_rank_once(service, db):
    """Instance B read the round as pending; instance A ranks it and commits first. B's
    conditional pending → final switch then matches nothing: no second ranking, no second event."""
    service.on_bank_changed(bank_changed())
    service.on_attempt_submitted(attempt("a1", "an", 20))
    db.run(rounds.record_round_closed, RoundClosed.model_validate(round_closed(1)))
    late = db.database.Session()
    try:
        stale = late.get(RoundResult, (CONTEST, 1))  # held: B's identity map keeps it as read
        assert stale.status == "pending"
        assert db.run(rounds.rank_round_if_complete, CONTEST, 1) is True
        assert rounds.rank_round_if_complete(UnitOfWork(late, db.outbox), CONTEST, 1) is False
        late.commit()
    finally:
        late.close()
    assert count(db, RankingRow) == 1
    assert count(db, Outbox, Outbox.event_type == "round_ranked") == 1


def test_concurrent_duplicate_grading_commits_once_without_error(service, db, monkeypatch):
    """Two instances got the same attempt_submitted (redelivery): the other one commits between
    our duplicate check and our commit. Our insert then hits the primary key; the handler treats
    that as the duplicate it is: no exception (no requeue loop) and no second attempt_graded."""
    service.on_bank_changed(bank_changed())
    payload = attempt("att-1", "c1", 9)
    original = grading._keys_for
    other = Store(db.database, EventOutbox(Outbox), Mock())  # the competing instance
    raced = []

    def racing(session, contest, question_ids):
        # Our duplicate check has passed; the competing instance grades and commits now, before
        # our INSERTs.
        if not raced:
            raced.append(True)
            other.run(grading.grade_attempt, AttemptSubmitted.model_validate(payload))
        return original(session, contest, question_ids)

    monkeypatch.setattr(grading, "_keys_for", racing)
    service.on_attempt_submitted(payload)
    assert count(db, GradedAttempt) == 1
    assert count(db, Outbox) == 1  # the winner's; ours was rolled back
    db.dispatch.assert_not_called()  # the winner published it
    assert len(dispatched(other.dispatch, "attempt_graded")) == 1


def test_round_with_no_attempts_is_ranked_empty(service, db):
    service.on_round_closed(round_closed(0, round=4, target="perfect_attempts"))
    ranked = dispatched(db.dispatch, "round_ranked")
    assert [(r["round"], r["actual"], r["ranked_contestants"]) for r in ranked] == [(4, 0, 0)]
    assert service.get_leaderboard(CONTEST, 4) == {"final": True, "actual_attempts": 0, "rows": []}
    assert service.get_round_ranking(CONTEST, 4) == []



# --- settings ---

def test_ranking_interval_reads_its_former_name_too(monkeypatch):
    for name in ("RANKING_INTERVAL_S", "FINALIZE_INTERVAL_S"):
        monkeypatch.delenv(name, raising=False)
    assert config.Settings().ranking_interval_s == 2
    monkeypatch.setenv("FINALIZE_INTERVAL_S", "3")
    assert config.Settings().ranking_interval_s == 3
    monkeypatch.setenv("RANKING_INTERVAL_S", "4")
    assert config.Settings().ranking_interval_s == 4
