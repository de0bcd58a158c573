"""Award sets in the database (SQLite and PostgreSQL): drafts, recompute, approval, publication,
the outbox event, the audit log, prize tables and the budget."""
import pytest
from sqlalchemy import select

from common.errors import Conflict, Forbidden, Invalid, NotFound
from common.uow import verify_chain
from services.awards import workflow
from services.awards.domain import prizes, sets
from services.awards.models import AuditEntry, Outbox
from tests.services.awards.conftest import CONTEST, EXPERT, ORG, clip, make_store, ranking_row

ROWS = [ranking_row(i, f"c{i}", f"Người {i}", "SNV", 21 - i, f"2023-06-01T10:0{i}:00+00:00") for i in range(1, 6)]


def approve(db, set_id, actor=ORG):
    return db.run(sets.approve, actor, set_id)


def events(db):
    with db.session() as s:
        return [(r.event_type, r.payload) for r in s.scalars(select(Outbox))]


def audit(db):
    with db.session() as s:
        assert verify_chain(s, AuditEntry) is None
        return [(r.action, r.target, r.actor_id, r.before, r.after)
                for r in s.scalars(select(AuditEntry).order_by(AuditEntry.seq))]


def test_draft_recompute_approve_publish(both_db, upstream):
    db = both_db
    upstream.rankings[1] = ROWS
    first = workflow.compute_set(db, upstream, upstream, upstream, ORG, CONTEST, "weekly", 1)
    assert workflow.public_sets(db, CONTEST) == []
    second = workflow.compute_set(db, upstream, upstream, upstream, ORG, CONTEST, "weekly", 1)
    assert second["award_set_id"] != first["award_set_id"]
    with db.session() as s:
        with pytest.raises(NotFound):
            sets.get(s, ORG, first["award_set_id"])
        assert sets.get(s, ORG, second["award_set_id"])["status"] == "draft"
        with pytest.raises(Forbidden):
            sets.get(s, EXPERT, second["award_set_id"])
    with pytest.raises(Forbidden):
        approve(db, second["award_set_id"], EXPERT)

    approved = approve(db, second["award_set_id"])
    assert approved["status"] == "approved" and approved["approved_by"] == ORG["id"] and approved["approved_at"]
    assert len(events(db)) == 1 and db.dispatch.call_count == 1
    again = approve(db, second["award_set_id"])
    assert again == approved  # idempotent: same record, no second event
    assert len(events(db)) == 1 and db.dispatch.call_count == 1
    [(event_type, payload)] = events(db)
    published_type, published = db.dispatch.call_args.args
    assert (published_type, {k: v for k, v in published.items() if k != "event_id"}) == (event_type, payload)
    assert event_type == "award_set_approved"
    assert payload["award_set_id"] == second["award_set_id"] and payload["round"] == 1
    assert [w["contestant_id"] for w in payload["winners"]] == ["c1", "c2", "c3"]
    assert payload["total_vnd"] == 4_500_000

    public = workflow.public_sets(db, CONTEST, "weekly", 1)
    assert [p["award_set_id"] for p in public] == [second["award_set_id"]]
    assert "breakdown" not in public[0]
    assert workflow.public_sets(db, CONTEST, "weekly", 2) == []
    assert workflow.public_sets(db, CONTEST, "video") == []
    with pytest.raises(Conflict) as exc:
        workflow.compute_set(db, upstream, upstream, upstream, ORG, CONTEST, "weekly", 1)
    assert exc.value.code == "already_approved"
    admin = workflow.admin_sets(db, ORG, CONTEST)
    assert [(s["kind"], s["status"]) for s in admin] == [("weekly", "approved")]

    first_id, second_id = first["award_set_id"], second["award_set_id"]
    summary = {"contest": CONTEST, "kind": "weekly", "round": 1, "winners": 3, "total_vnd": 4_500_000}
    assert audit(db) == [
        ("award_set.compute", f"award_set:{first_id}", ORG["id"], None, dict(summary, award_set_id=first_id)),
        ("award_set.compute", f"award_set:{second_id}", ORG["id"], dict(summary, award_set_id=first_id),
         dict(summary, award_set_id=second_id)),
        ("award_set.approve", f"award_set:{second_id}", ORG["id"], {"status": "draft"},
         {"status": "approved", "approved_at": approved["approved_at"]}),
    ]  # the second approval changed nothing and left no entry


def test_sets_of_different_kinds_and_rounds_coexist(both_db, upstream):
    db = both_db
    upstream.rankings = {1: ROWS, 2: ROWS}
    upstream.clips = {"complete": True, "pending": 0, "clips": [clip("v1", "SNV", 90, "2023-07-01T00:00:00+00:00")]}
    workflow.compute_set(db, upstream, upstream, upstream, ORG, CONTEST, "weekly", 1)
    workflow.compute_set(db, upstream, upstream, upstream, ORG, CONTEST, "weekly", 2)
    video = workflow.compute_set(db, upstream, upstream, upstream, ORG, CONTEST, "video")
    assert video["round"] is None
    assert [(s["kind"], s["round"]) for s in workflow.admin_sets(db, ORG, CONTEST)] == [
        ("weekly", 1), ("weekly", 2), ("video", None)]


@pytest.mark.parametrize("kwargs", [{"kind": "gold"}, {"round_n": 0}, {"contest": ""}, {"contest": 5}])
def test_public_listing_validates(db, kwargs):
    args = {"contest": CONTEST, "kind": None, "round_n": None, **kwargs}
    with pytest.raises(Invalid):
        workflow.public_sets(db, args["contest"], args["kind"], args["round_n"])


def test_unknown_set_and_contest(db, upstream):
    with pytest.raises(NotFound):
        approve(db, "no-such-set")
    with pytest.raises(NotFound) as exc:
        workflow.compute_set(db, upstream, upstream, upstream, ORG, "other-contest", "video")
    assert exc.value.code == "contest_not_found"


def test_budget_at_defaults_is_48_million(db, upstream):
    upstream.rankings[1] = ROWS
    budget = workflow.budget(db, upstream, ORG, CONTEST)
    assert budget["planned"] == {"weekly_per_round": 4_500_000, "weekly": 18_000_000, "video": 13_000_000,
                                 "collective": 17_000_000, "total": 48_000_000}
    assert budget["total_vnd"] == 48_000_000 and budget["approved_vnd"] == 0
    draft = workflow.compute_set(db, upstream, upstream, upstream, ORG, CONTEST, "weekly", 1)
    assert workflow.budget(db, upstream, ORG, CONTEST)["draft_vnd"] == 4_500_000
    approve(db, draft["award_set_id"])
    budget = workflow.budget(db, upstream, ORG, CONTEST)
    assert (budget["approved_vnd"], budget["draft_vnd"], budget["remaining_vnd"]) == (4_500_000, 0, 43_500_000)
    with pytest.raises(Forbidden):
        workflow.budget(db, upstream, EXPERT, CONTEST)


def test_prize_table_per_contest(db, upstream):
    assert workflow.get_prize_table(db, CONTEST)["totals"] == {
        "weekly": 4_500_000, "video": 13_000_000, "collective": 17_000_000}
    table = {"weekly": [{"prize": "nhat", "count": 1, "amount_vnd": 3_000_000},
                        {"prize": "khuyen_khich", "count": 2, "amount_vnd": 500_000}]}
    out = workflow.set_prize_table(db, upstream, ORG, CONTEST, table)
    assert out["table"]["weekly"] == table["weekly"]
    assert out["table"]["video"] == prizes.DEFAULT_TABLE["video"]  # kinds left out keep the default
    upstream.rankings[1] = ROWS
    result = workflow.compute_set(db, upstream, upstream, upstream, ORG, CONTEST, "weekly", 1)
    assert [(w["prize"], w["amount_vnd"]) for w in result["winners"]] == [
        ("nhat", 3_000_000), ("khuyen_khich", 500_000), ("khuyen_khich", 500_000)]
    assert workflow.budget(db, upstream, ORG, CONTEST)["planned"]["weekly"] == 4 * 4_000_000
    assert workflow.get_prize_table(db, "another-contest")["table"] == prizes.DEFAULT_TABLE


def test_prize_table_changes_are_audited(db, upstream):
    first = workflow.set_prize_table(db, upstream, ORG, CONTEST, {"video": prizes.DEFAULT_TABLE["video"][:1]})
    second = workflow.set_prize_table(db, upstream, ORG, CONTEST, {})
    assert second["table"] == prizes.DEFAULT_TABLE
    target = f"prize_table:{CONTEST}"
    assert audit(db) == [
        ("prize_table.set", target, ORG["id"], {"table": prizes.DEFAULT_TABLE}, {"table": first["table"]}),
        ("prize_table.set", target, ORG["id"], {"table": first["table"]}, {"table": prizes.DEFAULT_TABLE}),
    ]


@pytest.mark.parametrize("table", [
    [], {"monthly": []}, {"weekly": []}, {"weekly": [{"prize": "nhat", "count": 1}]},
    {"weekly": [{"prize": "vang", "count": 1, "amount_vnd": 1}]},
    {"weekly": [{"prize": "nhat", "count": -1, "amount_vnd": 1}]},
    {"weekly": [{"prize": "nhat", "count": 1, "amount_vnd": "1000"}]},
    {"weekly": [{"prize": "nhi", "count": 1, "amount_vnd": 1}, {"prize": "nhat", "count": 1, "amount_vnd": 2}]},
    {"weekly": [{"prize": "nhat", "count": 1, "amount_vnd": 1}, {"prize": "nhat", "count": 1, "amount_vnd": 1}]},
])
def test_bad_prize_tables_change_nothing(db, upstream, table):
    with pytest.raises(Invalid) as exc:
        workflow.set_prize_table(db, upstream, ORG, CONTEST, table)
    assert exc.value.code == "invalid_prize_table"
    assert workflow.get_prize_table(db, CONTEST)["table"] == prizes.DEFAULT_TABLE
    assert audit(db) == []


def test_racing_approvals_and_recomputes_on_postgresql(pg_url, upstream):
    """Two organizers approve the same draft at once: one approval, one event. Two recomputes at
    once: one draft survives (the loser gets compute_in_progress or replaces it), never two."""
    import eventlet

    from services.awards.models import AwardSet

    db = make_store(pg_url)
    try:
        upstream.rankings[1] = ROWS
        draft = workflow.compute_set(db, upstream, upstream, upstream, ORG, CONTEST, "weekly", 1)
        threads = [eventlet.spawn(approve, db, draft["award_set_id"]) for _ in range(4)]
        results = [t.wait() for t in threads]
        assert {out["approved_at"] for out in results} == {results[0]["approved_at"]}
        assert len(events(db)) == 1 and db.dispatch.call_count == 1
        assert [action for action, *_ in audit(db)] == ["award_set.compute", "award_set.approve"]

        upstream.rankings[2] = ROWS

        def recompute():
            try:
                return workflow.compute_set(db, upstream, upstream, upstream, ORG, CONTEST, "weekly", 2)["award_set_id"]
            except Conflict as exc:
                assert exc.code == "compute_in_progress"
                return None

        ids = [t.wait() for t in [eventlet.spawn(recompute) for _ in range(4)]]
        with db.session() as s:
            left = s.scalars(select(AwardSet.id).where(AwardSet.round_key == 2)).all()
        assert len(left) == 1 and left[0] in ids
    finally:
        db.database.dispose()
