"""Video and collective prizes on hand-computed cases (SPEC.md §4)."""
import pytest

from common.errors import Conflict
from services.awards import workflow
from services.awards.domain import compute, prizes
from tests.services.awards.conftest import CONTEST, ORG, clip, unit_stat

NAMES = {f"U{i}": f"Đơn vị {i}" for i in range(1, 30)}
VIDEO_SLOTS = prizes.slots(prizes.DEFAULT_TABLE, "video")
COLLECTIVE_SLOTS = prizes.slots(prizes.DEFAULT_TABLE, "collective")
W50 = {"participation": 0.5, "quality": 0.5}


def t(minute):
    return f"2023-07-01T10:{minute:02d}:00+00:00"


# --- video -----------------------------------------------------------------------------------------

VIDEO_CLIPS = [
    clip("v1", "U1", 90.0, t(10)),
    clip("v2", "U2", 95.5, t(5)),
    clip("v3", "U3", 90.0, t(1)),   # same score as v1, uploaded earlier: ranks before it
    clip("v4", "U4", 88.25, t(2)),
    clip("v5", "U5", 70.0, t(3)),
    clip("v6", "U1", 85.0, t(4)),   # a unit may win with several clips
    clip("v7", "U6", 60.0, t(6)),
    clip("v8", "U7", 75.0, t(7)),
    clip("v9", "U8", 65.0, t(8)),
    clip("v10", "U9", 50.0, t(9)),
]


def test_video_prizes_by_score_ties_to_earlier_upload():
    winners, breakdown = compute.video({"complete": True, "pending": 0, "clips": VIDEO_CLIPS}, VIDEO_SLOTS, NAMES)
    assert [(w["prize"], w["amount_vnd"], w["clip_id"]) for w in winners] == [
        ("nhat", 3_000_000, "v2"),
        ("nhi", 2_000_000, "v3"), ("nhi", 2_000_000, "v1"),
        ("ba", 1_500_000, "v4"), ("ba", 1_500_000, "v6"),
        ("khuyen_khich", 1_000_000, "v8"), ("khuyen_khich", 1_000_000, "v5"), ("khuyen_khich", 1_000_000, "v9"),
    ]
    assert sum(w["amount_vnd"] for w in winners) == 13_000_000
    assert winners[0]["unit_code"] == "U2" and winners[0]["contestant_id"] is None
    assert winners[0]["details"]["title"] == "Video v2"
    assert [c["clip_id"] for c in breakdown["clips"]][-1] == "v10"


@pytest.mark.parametrize("results", [
    {"complete": False, "pending": 0, "clips": VIDEO_CLIPS},
    {"complete": True, "pending": 0, "clips": VIDEO_CLIPS + [clip("v11", "U1", None, t(11), scored=2)]},
    {"complete": True, "pending": 0, "clips": VIDEO_CLIPS + [clip("v12", "U1", 80.0, t(12), assigned=3, scored=2)]},
])
def test_video_refused_while_a_clip_is_not_fully_scored(results):
    with pytest.raises(Conflict) as exc:
        compute.video(results, VIDEO_SLOTS, NAMES)
    assert exc.value.code == "clips_not_scored"


def test_video_without_clips(db, upstream):
    with pytest.raises(Conflict) as exc:
        workflow.compute_set(db, upstream, upstream, upstream, ORG, CONTEST, "video")
    assert exc.value.code == "no_clips"


def test_video_through_the_workflow_keeps_unit_names(db, upstream):
    upstream.clips = {"complete": True, "pending": 0, "clips": [clip("a", "SNV", 80, t(1)), clip("b", "STP", 81, t(2))]}
    result = workflow.compute_set(db, upstream, upstream, upstream, ORG, CONTEST, "video")
    assert [(w["clip_id"], w["details"]["unit_name"]) for w in result["winners"]] == [
        ("b", "Sở Tư pháp"), ("a", "Sở Nội vụ")]


# --- collective ------------------------------------------------------------------------------------

# Best clips: U7 95 (1), U1 90 (2), U6 85 (3), U3 82 (4), U2 80 (5), U4 60 (6); U5 has none.
COLLECTIVE_CLIPS = [
    clip("c1", "U1", 90.0, t(1)), clip("c1b", "U1", 70.0, t(2)),
    clip("c2", "U2", 80.0, t(3)),
    clip("c3", "U3", 82.0, t(4)),
    clip("c4", "U4", 60.0, t(5)),
    clip("c6", "U6", 85.0, t(6)),
    clip("c7", "U7", 95.0, t(7)),
]
COLLECTIVE_STATS = [
    unit_stat("U1", 10, 5, 0.8),                    # 0.5·0.5 + 0.5·0.8 = 0.65
    unit_stat("U2", 4, 4, 0.3),                     # 0.5·1.0 + 0.5·0.3 = 0.65, participation 1.0
    unit_stat("U3", 10, 10, 0.3),                   # 0.65, participation 1.0, better clip than U2
    unit_stat("U4", 10, 10, 1.0),                   # clip outside the top 5
    unit_stat("U5", 10, 3, 0.9),                    # no accepted clip
    unit_stat("U6", 10, 10, 0.9, zero_results=1),   # a counted 0
    unit_stat("U7", 10, 0, 0.0),                    # nobody took the quiz
]


def collective(weights=W50, top_units=5, stats=COLLECTIVE_STATS, clips=COLLECTIVE_CLIPS):
    return compute.collective(stats, {"complete": True, "pending": 0, "clips": clips}, NAMES, weights, COLLECTIVE_SLOTS,
                              top_units=top_units)


def test_collective_each_condition_and_the_tie_breaks():
    winners, breakdown = collective()
    # Equal weighted scores: higher participation first (U2, U3 before U1), then the better clip (U3).
    assert [(w["prize"], w["amount_vnd"], w["unit_code"]) for w in winners] == [
        ("nhat", 5_000_000, "U3"), ("nhi", 3_500_000, "U2"), ("nhi", 3_500_000, "U1")]
    units = {u["unit_code"]: u for u in breakdown["units"]}
    assert [u["unit_code"] for u in breakdown["units"][:3]] == ["U3", "U2", "U1"]
    assert [units[c]["rank"] for c in ("U3", "U2", "U1")] == [1, 2, 3]
    assert units["U1"]["best_clip_score"] == 90.0 and units["U1"]["best_clip_rank"] == 2
    assert units["U1"]["score"] == pytest.approx(0.65)
    reasons = {code: u["reasons"] for code, u in units.items() if not u["eligible"]}
    assert reasons == {
        "U4": ["Điểm video clip cao nhất (60,00) xếp thứ 6, ngoài 5 đơn vị dẫn đầu."],
        "U5": ["Không có video clip nào được chấp nhận."],
        "U6": ["Có 1 kết quả thi trắc nghiệm được tính bằng 0 điểm."],
        "U7": ["Không có người nào của đơn vị tham gia thi trắc nghiệm."],
    }
    assert units["U5"]["best_clip_rank"] is None and units["U5"]["rank"] is None
    assert breakdown["prizes_left_unawarded"] == 2  # five prizes, three eligible units


def test_collective_breakdown_and_winners_carry_scorings_headcount_flags():
    over = {"code": "over_headcount", "message": "Số người tham gia (12) nhiều hơn số CBCCVC (4)."}
    stats = [dict(row, flags=[over]) if row["unit_code"] == "U2" else row for row in COLLECTIVE_STATS]
    winners, breakdown = collective(stats=stats)
    units = {u["unit_code"]: u for u in breakdown["units"]}
    assert units["U2"]["flags"] == [over] and units["U1"]["flags"] == []
    assert next(w for w in winners if w["unit_code"] == "U2")["details"]["flags"] == [over]


def test_collective_weights_from_settings_change_the_order():
    winners, breakdown = collective(weights={"participation": 0.2, "quality": 0.8})
    # U1: 0.2·0.5 + 0.8·0.8 = 0.74; U2 and U3: 0.2·1.0 + 0.8·0.3 = 0.44.
    assert [w["unit_code"] for w in winners] == ["U1", "U3", "U2"]
    assert breakdown["weights"] == {"participation": 0.2, "quality": 0.8}


def test_collective_top_twenty_with_a_tie_at_the_edge():
    clips = [clip(f"k{i}", f"U{i}", 100.0 - i, t(i % 60)) for i in range(1, 23)]
    clips[20]["score"] = clips[19]["score"]  # U21 ties U20 for 20th place: both are in
    stats = [unit_stat(f"U{i}", 10, 5, 0.5) for i in range(1, 23)]
    _winners, breakdown = collective(top_units=compute.COLLECTIVE_TOP_UNITS, stats=stats, clips=clips)
    units = {u["unit_code"]: u for u in breakdown["units"]}
    assert units["U20"]["best_clip_rank"] == units["U21"]["best_clip_rank"] == 20
    assert units["U21"]["eligible"] and not units["U22"]["eligible"]
    assert units["U22"]["best_clip_rank"] == 22
    assert "ngoài 20 đơn vị" in units["U22"]["reasons"][0]


def test_collective_needs_final_rounds_scored_clips_and_headcounts(db, upstream):
    upstream.stats = COLLECTIVE_STATS
    upstream.clips = {"complete": True, "pending": 0, "clips": COLLECTIVE_CLIPS}
    upstream.rounds[3]["status"] = "closed"
    with pytest.raises(Conflict) as exc:
        workflow.compute_set(db, upstream, upstream, upstream, ORG, CONTEST, "collective")
    assert exc.value.code == "rounds_not_final" and "tuần 4" in exc.value.detail
    upstream.rounds[3]["status"] = "finalized"
    upstream.clips = {"complete": False, "pending": 0, "clips": COLLECTIVE_CLIPS}
    with pytest.raises(Conflict) as exc:
        workflow.compute_set(db, upstream, upstream, upstream, ORG, CONTEST, "collective")
    assert exc.value.code == "clips_not_scored"
    upstream.clips = {"complete": True, "pending": 0, "clips": COLLECTIVE_CLIPS}
    upstream.stats = [dict(s, headcount=None, participation=None) for s in COLLECTIVE_STATS]
    with pytest.raises(Conflict) as exc:
        workflow.compute_set(db, upstream, upstream, upstream, ORG, CONTEST, "collective")
    assert exc.value.code == "headcounts_unknown"
    upstream.stats = COLLECTIVE_STATS
    upstream.settings["collective_weights"] = {"participation": 0.2, "quality": 0.8}
    result = workflow.compute_set(db, upstream, upstream, upstream, ORG, CONTEST, "collective")
    # With SPEC's top 20 (not the 5 above) U4's clip counts: 0.2·1.0 + 0.8·1.0 = 1.0 leads.
    assert [w["unit_code"] for w in result["winners"]] == ["U4", "U1", "U3", "U2"]
    assert [w["prize"] for w in result["winners"]] == ["nhat", "nhi", "nhi", "ba"]
    assert result["total_vnd"] == 5_000_000 + 2 * 3_500_000 + 2_500_000
    assert result["inputs"]["collective_weights"] == {"participation": 0.2, "quality": 0.8}
    assert len(result["breakdown"]["units"]) == 7


# --- clips still being checked (issue 14, finding 3) -----------------------------------------------

@pytest.mark.parametrize("kind", ["video", "collective"])
def test_video_and_collective_wait_for_clips_still_being_checked(db, upstream, kind):
    """A clip still processing (or uploading) holds both results back, named and counted: computed
    without it, the set would leave it, or its unit, out for good once approved (SPEC 4)."""
    upstream.stats = COLLECTIVE_STATS
    upstream.clips = {"complete": True, "pending": 2, "pending_by_status": {"uploading": 1, "processing": 1},
                      "clips": COLLECTIVE_CLIPS}
    with pytest.raises(Conflict) as exc:
        workflow.compute_set(db, upstream, upstream, upstream, ORG, CONTEST, kind)
    assert exc.value.code == "clips_pending"
    assert "Còn 2 video clip" in exc.value.detail and "1 đang được kiểm tra" in exc.value.detail
    assert workflow.admin_sets(db, ORG, CONTEST) == []  # no draft was made
    # A media answer that does not say how many are pending is not trusted either.
    upstream.clips = {"complete": True, "clips": COLLECTIVE_CLIPS}
    with pytest.raises(Conflict) as exc:
        workflow.compute_set(db, upstream, upstream, upstream, ORG, CONTEST, kind)
    assert exc.value.code == "clips_pending"
    upstream.clips = {"complete": True, "pending": 0, "clips": COLLECTIVE_CLIPS}
    assert workflow.compute_set(db, upstream, upstream, upstream, ORG, CONTEST, kind)["status"] == "draft"


@pytest.mark.parametrize("kind", ["video", "collective"])
def test_approval_holds_the_draft_against_the_clips_now(db, upstream, kind):
    """A clip sent, or a score changed, between compute and approval: the draft is refused (409
    clips_pending while the clip is checked, then clips_changed) and a recompute includes it."""
    upstream.stats = COLLECTIVE_STATS
    upstream.clips = {"complete": True, "pending": 0, "clips": COLLECTIVE_CLIPS}
    draft = workflow.compute_set(db, upstream, upstream, upstream, ORG, CONTEST, kind)
    upstream.clips = {"complete": True, "pending": 1, "pending_by_status": {"uploading": 0, "processing": 1},
                      "clips": COLLECTIVE_CLIPS}
    with pytest.raises(Conflict) as exc:
        workflow.approve_set(db, upstream, ORG, draft["award_set_id"])
    assert exc.value.code == "clips_pending"
    late = clip("late", "U5", 99.0, t(59))
    upstream.clips = {"complete": True, "pending": 0, "clips": COLLECTIVE_CLIPS + [late]}
    with pytest.raises(Conflict) as exc:
        workflow.approve_set(db, upstream, ORG, draft["award_set_id"])
    assert exc.value.code == "clips_changed"
    assert workflow.admin_sets(db, ORG, CONTEST)[0]["status"] == "draft"
    fresh = workflow.compute_set(db, upstream, upstream, upstream, ORG, CONTEST, kind)
    approved = workflow.approve_set(db, upstream, ORG, fresh["award_set_id"])
    assert approved["status"] == "approved"
    if kind == "video":
        assert approved["winners"][0]["clip_id"] == "late"
    # Approving again answers the same, without asking media.
    upstream.clips = {"complete": True, "pending": 3, "clips": []}
    assert workflow.approve_set(db, upstream, ORG, fresh["award_set_id"])["status"] == "approved"
