"""Weekly prizes on hand-computed rounds: scoring's order, an excluded top scorer, repeat winners."""
import pytest

from common.errors import Conflict, Forbidden, Invalid, NotFound
from services.awards import workflow
from services.awards.domain import compute, sets
from tests.services.awards.conftest import CONTEST, EXPERT, ORG, ranking_row


def weekly(db, upstream, n, actor=ORG):
    return workflow.compute_set(db, upstream, upstream, upstream, actor, CONTEST, "weekly", n)


def approve(db, set_id):
    return db.run(sets.approve, ORG, set_id)


def summary(result):
    return [(w["prize"], w["amount_vnd"], w["contestant_id"]) for w in result["winners"]]


# As scoring gives it (services/scoring/ranking.py): in final order, C before B on the earlier
# submission (SPEC §3).
ROUND_1 = [
    ranking_row(1, "A", "Lê Văn An", "SNV", 20, "2023-06-01T10:00:00+00:00"),
    ranking_row(2, "C", "Nguyễn Thị Hương", "SNV", 19, "2023-06-01T10:01:00+00:00"),
    ranking_row(3, "B", "Trần Thị Bích", "STP", 19, "2023-06-01T10:05:00+00:00"),
    ranking_row(4, "D", "Phạm Văn Dũng", "STC", 18, "2023-06-01T09:00:00+00:00"),
    ranking_row(5, "E", "Hoàng Thị Em", "SYT", 17, "2023-06-01T09:00:00+00:00"),
]


def test_excluded_top_scorer_skipped_and_prizes_in_scorings_order(db, upstream):
    upstream.rankings[1] = ROUND_1
    upstream.excluded_ids = {"A"}  # put on the exclusion list after the round: re-checked now
    result = weekly(db, upstream, 1)
    assert result["status"] == "draft" and result["kind"] == "weekly" and result["round"] == 1
    assert summary(result) == [("nhat", 2_000_000, "C"), ("nhi", 1_500_000, "B"), ("ba", 1_000_000, "D")]
    assert result["total_vnd"] == 4_500_000
    assert result["winners"][0]["full_name"] == "Nguyễn Thị Hương"
    assert result["winners"][0]["unit_code"] == "SNV"
    assert [w["details"]["rank"] for w in result["winners"]] == [2, 3, 4]
    skipped = result["breakdown"]["skipped"]
    assert [(s["contestant_id"], s["reason"]) for s in skipped] == [("A", compute.REASON_EXCLUDED)]
    assert upstream.excluded_calls == [["A", "C", "B", "D", "E"]]


def test_repeat_winner_skipped_only_after_approval(db, upstream):
    upstream.rankings[1] = ROUND_1
    upstream.rankings[2] = [
        ranking_row(1, "C", "Nguyễn Thị Hương", "SNV", 20, "2023-06-08T10:00:00+00:00"),
        ranking_row(2, "F", "Võ Văn Phúc", "STP", 19, "2023-06-08T10:00:00+00:00"),
        ranking_row(3, "G", "Đặng Thị Giang", "STC", 18, "2023-06-08T10:00:00+00:00"),
        ranking_row(4, "H", "Bùi Văn Hải", "SYT", 17, "2023-06-08T10:00:00+00:00"),
    ]
    first = weekly(db, upstream, 1)
    # Round 1 is only a draft: it does not count, C wins round 2 too.
    assert summary(weekly(db, upstream, 2))[0] == ("nhat", 2_000_000, "C")
    approve(db, first["award_set_id"])
    second = weekly(db, upstream, 2)
    assert summary(second) == [("nhat", 2_000_000, "F"), ("nhi", 1_500_000, "G"), ("ba", 1_000_000, "H")]
    assert second["breakdown"]["skipped"][0]["contestant_id"] == "C"
    assert "tuần thi thứ 1" in second["breakdown"]["skipped"][0]["reason"]


def test_approval_refuses_a_stale_draft_with_a_repeat_winner(db, upstream):
    upstream.rankings[1] = ROUND_1
    upstream.rankings[2] = [ranking_row(1, "C", "Nguyễn Thị Hương", "SNV", 20, "2023-06-08T10:00:00+00:00")]
    first = weekly(db, upstream, 1)
    stale = weekly(db, upstream, 2)  # computed while round 1 was a draft: C wins again
    approve(db, first["award_set_id"])
    with pytest.raises(Conflict) as exc:
        approve(db, stale["award_set_id"])
    assert exc.value.code == "repeat_winner"
    fresh = weekly(db, upstream, 2)
    assert fresh["winners"] == [] and fresh["breakdown"]["prizes_left_unawarded"] == 3
    assert approve(db, fresh["award_set_id"])["status"] == "approved"


def test_one_prize_per_person_off_lets_a_winner_win_again(db, upstream):
    upstream.settings["one_weekly_prize_per_person"] = False
    upstream.rankings[1] = ROUND_1
    upstream.rankings[2] = ROUND_1
    approve(db, weekly(db, upstream, 1)["award_set_id"])
    second = weekly(db, upstream, 2)
    assert summary(second) == [("nhat", 2_000_000, "A"), ("nhi", 1_500_000, "C"), ("ba", 1_000_000, "B")]
    assert approve(db, second["award_set_id"])["status"] == "approved"


def test_rows_are_taken_in_the_order_and_with_the_ranks_scoring_gives(db, upstream):
    # Contestants equal on every key share a rank; scoring lists them by id, and so are the prizes given.
    upstream.rankings[1] = [
        ranking_row(1, "X", "Ngô Văn Xuân", "SNV", 20, "2023-06-01T10:00:00+00:00"),
        ranking_row(1, "Y", "Lý Thị Yến", "STP", 20, "2023-06-01T10:00:00+00:00"),
        ranking_row(3, "Z", "Đỗ Văn Z", "STC", 19, "2023-06-01T10:30:00+00:00"),
        ranking_row(4, "W", "Mai Thị W", "SYT", 19, "2023-06-01T09:00:00+00:00", duration_ms=90000),
    ]
    result = weekly(db, upstream, 1)
    assert [(w["contestant_id"], w["details"]["rank"]) for w in result["winners"]] == [("X", 1), ("Y", 1), ("Z", 3)]


def test_fewer_contestants_than_prizes(db, upstream):
    upstream.rankings[3] = ROUND_1[:2]
    result = weekly(db, upstream, 3)
    assert summary(result) == [("nhat", 2_000_000, "A"), ("nhi", 1_500_000, "C")]
    assert result["breakdown"]["prizes_left_unawarded"] == 1


def test_exclusion_checked_in_chunks_far_down_the_ranking(db, upstream):
    rows = [ranking_row(i, f"P{i:03d}", f"Người {i}", "SNV", 20, f"2023-06-01T10:{i % 60:02d}:00+00:00")
            for i in range(1, 61)]
    upstream.rankings[1] = rows
    upstream.excluded_ids = {f"P{i:03d}" for i in range(1, 56)}
    result = weekly(db, upstream, 1)
    assert [w["contestant_id"] for w in result["winners"]] == ["P056", "P057", "P058"]
    assert [len(c) for c in upstream.excluded_calls] == [compute.EXCLUSION_CHUNK, 10]


def test_round_not_final_and_unknown_round(db, upstream):
    upstream.rounds[1]["status"] = "open"
    with pytest.raises(Conflict) as exc:
        weekly(db, upstream, 2)
    assert exc.value.code == "round_not_final"
    upstream.rounds[1]["status"] = "closed"  # closed, but scoring has not ranked it yet
    with pytest.raises(Conflict) as exc:
        weekly(db, upstream, 2)
    assert exc.value.code == "round_not_final"
    with pytest.raises(NotFound) as exc:
        weekly(db, upstream, 9)
    assert exc.value.code == "round_not_found"
    with db.session() as s:
        assert sets.list_sets(s, CONTEST, approved_only=False) == []


@pytest.mark.parametrize("kind,round_n", [("weekly", None), ("weekly", 0), ("weekly", "1"), ("video", 1),
                                          ("monthly", None)])
def test_bad_kind_or_round(db, upstream, kind, round_n):
    with pytest.raises(Invalid):
        workflow.compute_set(db, upstream, upstream, upstream, ORG, CONTEST, kind, round_n)


def test_only_organizers_compute(db, upstream):
    upstream.rankings[1] = ROUND_1
    with pytest.raises(Forbidden):
        weekly(db, upstream, 1, actor=EXPERT)


# --- rounds decided in round order (issue 14, finding 4) ------------------------------------------

def best_in_both_rounds(upstream):
    """X is the best in rounds 1 and 2 (the finding's case)."""
    upstream.rankings[1] = [
        ranking_row(1, "X", "Ngô Văn Xuân", "SNV", 20, "2023-06-01T10:00:00+00:00"),
        ranking_row(2, "P", "Lý Thị Phượng", "STP", 19, "2023-06-01T10:00:00+00:00"),
        ranking_row(3, "Q", "Đỗ Văn Quang", "STC", 18, "2023-06-01T10:00:00+00:00"),
        ranking_row(4, "R", "Mai Thị Rạng", "SYT", 17, "2023-06-01T10:00:00+00:00"),
    ]
    upstream.rankings[2] = [
        ranking_row(1, "X", "Ngô Văn Xuân", "SNV", 20, "2023-06-08T10:00:00+00:00"),
        ranking_row(2, "S", "Võ Văn Sơn", "STP", 19, "2023-06-08T10:00:00+00:00"),
        ranking_row(3, "T", "Đặng Thị Thu", "STC", 18, "2023-06-08T10:00:00+00:00"),
        ranking_row(4, "U", "Bùi Văn Út", "SYT", 17, "2023-06-08T10:00:00+00:00"),
    ]


def test_round_two_cannot_be_approved_before_round_one(db, upstream):
    best_in_both_rounds(upstream)
    second = weekly(db, upstream, 2)
    with pytest.raises(Conflict) as exc:
        approve(db, second["award_set_id"])  # no set of round 1 at all
    assert exc.value.code == "earlier_round_not_approved" and "tuần thi 1" in exc.value.detail
    first = weekly(db, upstream, 1)
    with pytest.raises(Conflict) as exc:
        approve(db, second["award_set_id"])  # round 1 only a draft
    assert exc.value.code == "earlier_round_not_approved"
    with db.session() as s:
        assert [x["status"] for x in sets.list_sets(s, CONTEST, approved_only=False)] == ["draft", "draft"]
    # Round 1 first: X wins it; the round-2 draft naming X is stale and refused; recomputed, X is
    # skipped there (SPEC 4: the earliest round wins).
    assert summary(approve(db, first["award_set_id"]))[0] == ("nhat", 2_000_000, "X")
    with pytest.raises(Conflict) as exc:
        approve(db, second["award_set_id"])
    assert exc.value.code == "repeat_winner"
    second = weekly(db, upstream, 2)
    assert [w["contestant_id"] for w in approve(db, second["award_set_id"])["winners"]] == ["S", "T", "U"]


def test_round_three_waits_for_every_earlier_round(db, upstream):
    best_in_both_rounds(upstream)
    upstream.rankings[3] = upstream.rankings[1]
    approve(db, weekly(db, upstream, 1)["award_set_id"])
    third = weekly(db, upstream, 3)
    with pytest.raises(Conflict) as exc:
        approve(db, third["award_set_id"])
    assert exc.value.code == "earlier_round_not_approved" and "tuần thi 2" in exc.value.detail


def test_a_later_approved_round_never_takes_a_prize_from_an_earlier_one(db, upstream):
    """A round-2 set approved before this rule existed (legacy data): recomputing round 1 still
    gives X round 1, the earliest round (SPEC 4), instead of skipping X for a later prize."""
    from sqlalchemy import update

    from services.awards.models import AwardSet

    best_in_both_rounds(upstream)
    second = weekly(db, upstream, 2)
    with db.session() as s:
        s.execute(update(AwardSet).where(AwardSet.id == second["award_set_id"]).values(status="approved"))
        s.commit()
    first = weekly(db, upstream, 1)
    assert summary(first)[0] == ("nhat", 2_000_000, "X") and first["breakdown"]["skipped"] == []
    # Two approved sets still never share a person: the approval refuses it.
    with pytest.raises(Conflict) as exc:
        approve(db, first["award_set_id"])
    assert exc.value.code == "repeat_winner"


def test_approval_refuses_a_draft_whose_ranking_moved_since_compute(db, upstream):
    """A contestant disqualified after the compute (scoring ranks the round again without them):
    the draft still names them, and approving it would pay the wrong person (SPEC 6)."""
    upstream.rankings[1] = ROUND_1
    draft = weekly(db, upstream, 1)
    assert summary(draft)[0] == ("nhat", 2_000_000, "A")
    upstream.rankings[1] = [dict(r, rank=r["rank"] - 1) for r in ROUND_1[1:]]  # A disqualified
    with pytest.raises(Conflict) as exc:
        workflow.approve_set(db, upstream, ORG, draft["award_set_id"], upstream, upstream)
    assert exc.value.code == "results_changed"
    with db.session() as session:
        assert sets.get(session, ORG, draft["award_set_id"])["status"] == "draft"
    fresh = weekly(db, upstream, 1)
    assert summary(fresh)[0] == ("nhat", 2_000_000, "C")
    approved = workflow.approve_set(db, upstream, ORG, fresh["award_set_id"], upstream, upstream)
    assert approved["status"] == "approved"
