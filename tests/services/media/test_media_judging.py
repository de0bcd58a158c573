"""Judging (SPEC 5) through the service's RPC methods (worker_factory) on a real database.

Accepted clips are made directly in the database here: the upload and probe have their own tests.
"""
import datetime as dt
import uuid

import pytest

from common.errors import Conflict, Forbidden, Invalid, NotFound
from services.media.models import Clip
from tests.services.media.conftest import CONTEST, EXPERT, JUDGES, ORG, events, judge

FULL = {"content": 40, "message": 20, "creativity": 20, "technique": 20}


def make_clip(db, unit_code="SNV", status="accepted", contest=CONTEST, created_at=None):
    clip_id = uuid.uuid4().hex
    with db.session() as session:
        session.add(Clip(id=clip_id, contest=contest, unit_code=unit_code, title=f"Clip {unit_code}",
                         filename="a.mp4", content_type="video/mp4", declared_size=10, part_size=10, part_count=1,
                         object_key=f"clips/{contest}/{clip_id}/video.mp4", uploaded_by="org-1", status=status,
                         created_at=created_at or dt.datetime.now(dt.timezone.utc), probe_attempts=1,
                         duration_s=4.0 if status == "accepted" else None, published=False))
    return clip_id


def scores(content, message, creativity, technique):
    return {"content": content, "message": message, "creativity": creativity, "technique": technique}


def test_judge_never_scores_own_unit(service, db):
    clip_id = make_clip(db, unit_code="SNV")
    with pytest.raises(Forbidden) as err:
        service.score_clip(judge("j-snv"), clip_id, FULL)
    assert err.value.code == "own_unit"
    assert "đơn vị mình" in err.value.detail
    assert events(service, "clip_scored") == []


@pytest.mark.parametrize("bad", [
    scores(41, 20, 20, 20), scores(40, 20.5, 20, 20), scores(-1, 0, 0, 0), scores(10.123, 1, 1, 1),
    scores("10", 1, 1, 1), scores(True, 1, 1, 1), scores(None, 1, 1, 1), scores(float("nan"), 1, 1, 1),
    scores(float("inf"), 1, 1, 1), scores(1e308, 1, 1, 1),
    {"content": 10, "message": 10, "creativity": 10}, dict(FULL, bonus=5), [], "40",
])
def test_scores_outside_rubric_refused(service, db, bad):
    clip_id = make_clip(db, unit_code="STP")
    with pytest.raises(Invalid) as err:
        service.score_clip(judge("j-snv"), clip_id, bad)
    assert err.value.code == "invalid_scores"
    assert service.list_judge_clips(judge("j-snv"), CONTEST)[0]["my_score"] is None


def test_bounds_inclusive_and_two_decimals(service, db):
    clip_id = make_clip(db, unit_code="STP")
    out = service.score_clip(judge("j-snv"), clip_id, scores(0, 20, 12.25, 19.5))
    assert out["total"] == 51.75 and out["content"] == 0 and out["creativity"] == 12.25
    out = service.score_clip(judge("j-free"), clip_id, FULL)
    assert out["total"] == 100


def test_only_accepted_clips_and_only_judges(service, db):
    for status in ("uploading", "processing", "rejected"):
        with pytest.raises(Conflict) as err:
            service.score_clip(judge("j-free"), make_clip(db, status=status), FULL)
        assert err.value.code == "clip_not_accepted"
    with pytest.raises(NotFound):
        service.score_clip(judge("j-free"), "khong-co", FULL)
    for actor in (ORG, EXPERT):
        with pytest.raises(Forbidden) as err:
            service.score_clip(actor, make_clip(db, unit_code="STP"), FULL)
        assert err.value.code == "forbidden"


def test_rescoring_replaces(service, db):
    clip_id = make_clip(db, unit_code="UBND-HUE")
    service.score_clip(judge("j-snv"), clip_id, scores(10, 10, 10, 10))
    service.score_clip(judge("j-snv"), clip_id, scores(30, 15, 15, 15))
    mine = service.list_judge_clips(judge("j-snv"), CONTEST)
    assert mine[0]["my_score"]["total"] == 75 and mine[0]["judges_scored"] == 1
    service.score_clip(judge("j-stp"), clip_id, scores(20, 10, 10, 10))
    service.score_clip(judge("j-free"), clip_id, scores(40, 20, 20, 20))
    # (75 + 50 + 100) / 3: the first score of j-snv is gone.
    assert service.get_clip(ORG, clip_id)["score"] == pytest.approx(75.0)
    assert len(events(service, "clip_scored")) == 4


def test_final_score_only_when_every_assigned_judge_scored(service, db, quiz):
    snv = make_clip(db, unit_code="SNV")      # assigned: j-stp, j-free (not j-snv, same unit)
    hue = make_clip(db, unit_code="UBND-HUE")  # assigned: all three
    service.score_clip(judge("j-stp"), snv, scores(30, 15, 15, 15))   # 75
    clip = service.get_clip(ORG, snv)
    assert (clip["score"], clip["judges_assigned"], clip["judges_scored"]) == (None, 2, 1)
    assert "scores" not in clip
    service.score_clip(judge("j-free"), snv, scores(35.5, 18, 16, 17.25))  # 86.75
    clip = service.get_clip(ORG, snv)
    assert clip["score"] == pytest.approx((75 + 86.75) / 2) and clip["judges_scored"] == 2
    assert sorted(s["judge_id"] for s in clip["scores"]) == ["j-free", "j-stp"]

    results = service.list_clip_results(CONTEST)
    assert results["complete"] is False  # the UBND-HUE clip still waits for every judge
    by_id = {c["clip_id"]: c for c in results["clips"]}
    assert by_id[hue]["score"] is None and by_id[hue]["judges_assigned"] == 3
    for j in ("j-snv", "j-stp", "j-free"):
        service.score_clip(judge(j), hue, scores(20, 10, 10, 10))
    results = service.list_clip_results(CONTEST)
    assert results["complete"] is True
    assert {c["clip_id"]: c["score"] for c in results["clips"]} == {snv: pytest.approx(80.875), hue: 50}
    assert set(results["clips"][0]) == {"clip_id", "unit_code", "title", "status", "score", "judges_assigned",
                                        "judges_scored", "created_at"}

    # A judge added later is assigned too: the clips are incomplete again until they score.
    quiz.judges = quiz.judges + [{"id": "j-new", "full_name": "Giám khảo mới", "unit_code": "STP"}]
    results = service.list_clip_results(CONTEST)
    assert results["complete"] is False
    assert {c["clip_id"]: c["judges_assigned"] for c in results["clips"]} == {snv: 3, hue: 4}


def test_judges_cannot_see_each_other_before_complete(service, db):
    clip_id = make_clip(db, unit_code="UBND-HUE")
    service.score_clip(judge("j-snv"), clip_id, scores(40, 20, 20, 20))
    # Another judge's work list: no score of the clip, no score of j-snv, only their own (none).
    for view in (service.list_judge_clips(judge("j-stp"), CONTEST)[0], service.get_clip(judge("j-stp"), clip_id)):
        assert view["score"] is None and "scores" not in view
        assert view.get("my_score") is None
    # The clip_scored event carries no points either.
    payload = events(service, "clip_scored")[0][1]
    assert not {"content", "total", "score"} & set(payload)


def test_judge_work_list_excludes_own_unit_and_unaccepted(service, db):
    own = make_clip(db, unit_code="SNV")
    other = make_clip(db, unit_code="STP")
    make_clip(db, unit_code="STP", status="rejected")
    make_clip(db, unit_code="STP", contest="other-contest")
    listed = service.list_judge_clips(judge("j-snv"), CONTEST)
    assert [c["clip_id"] for c in listed] == [other]
    assert listed[0]["rubric"]["total"] == 100
    assert own in [c["clip_id"] for c in service.list_judge_clips(judge("j-free"), CONTEST)]
    assert len(service.list_judge_clips(judge("j-free"))) == 3  # every contest


def test_rubric_per_contest_and_locked_once_scored(service, db):
    assert service.get_rubric(CONTEST)["criteria"] == [
        {"key": "content", "label": "Nội dung", "max": 40},
        {"key": "message", "label": "Thông điệp và sức lan tỏa", "max": 20},
        {"key": "creativity", "label": "Tính sáng tạo", "max": 20},
        {"key": "technique", "label": "Kỹ thuật", "max": 20},
    ]
    with pytest.raises(Forbidden):
        service.set_rubric(EXPERT, CONTEST, {"content": 50, "message": 20, "creativity": 15, "technique": 15})
    for bad in ({"content": 50}, {"content": 0, "message": 20, "creativity": 15, "technique": 15},
                {"content": "50", "message": 20, "creativity": 15, "technique": 15}):
        with pytest.raises(Invalid) as err:
            service.set_rubric(ORG, CONTEST, bad)
        assert err.value.code == "invalid_rubric"
    out = service.set_rubric(ORG, CONTEST, {"content": 50, "message": 20, "creativity": 15, "technique": 15})
    assert out["total"] == 100 and out["criteria"][0]["max"] == 50
    assert service.get_rubric("other-contest")["criteria"][0]["max"] == 40
    clip_id = make_clip(db, unit_code="STP")
    with pytest.raises(Invalid):
        service.score_clip(judge("j-snv"), clip_id, scores(40, 20, 16, 15))  # creativity max is now 15
    service.score_clip(judge("j-snv"), clip_id, scores(50, 20, 15, 15))
    with pytest.raises(Conflict) as err:
        service.set_rubric(ORG, CONTEST, FULL)
    assert err.value.code == "rubric_locked"


def test_no_judges_means_not_complete(service, db, quiz):
    quiz.judges = []
    make_clip(db, unit_code="STP")
    results = service.list_clip_results(CONTEST)
    assert results["complete"] is False and results["clips"][0]["judges_assigned"] == 0


def test_results_list_only_accepted_in_upload_order(service, db):
    t0 = dt.datetime(2023, 7, 1, tzinfo=dt.timezone.utc)
    late = make_clip(db, unit_code="STP", created_at=t0 + dt.timedelta(hours=1))
    early = make_clip(db, unit_code="SNV", created_at=t0)
    make_clip(db, unit_code="SNV", status="rejected")
    make_clip(db, unit_code="SNV", status="processing")
    results = service.list_clip_results(CONTEST)
    assert [c["clip_id"] for c in results["clips"]] == [early, late]
    assert results["clips"][0]["created_at"].startswith("2023-07-01T00:00:00")
    assert results["received"] == 4
    # The processing clip is pending (awards wait for it, SPEC 4), and so is an upload in flight.
    assert results["pending"] == 1 and results["pending_by_status"] == {"uploading": 0, "processing": 1}
    make_clip(db, unit_code="STP", status="uploading")
    assert service.list_clip_results(CONTEST)["pending_by_status"] == {"uploading": 1, "processing": 1}
    assert service.list_clip_results("empty-contest") == {"contest": "empty-contest", "complete": True,
                                                          "received": 0, "pending": 0,
                                                          "pending_by_status": {"uploading": 0, "processing": 0},
                                                          "clips": []}


def test_results_fail_loudly_when_quiz_is_down(service, db, quiz):
    from services.media.errors import UpstreamUnavailable

    make_clip(db, unit_code="STP")
    quiz.down = True
    with pytest.raises(UpstreamUnavailable):
        service.list_clip_results(CONTEST)
    # Display paths degrade instead: counts unknown, no score.
    clip = service.list_clips(ORG, CONTEST)[0]
    assert clip["score"] is None and clip["judges_assigned"] is None


def test_mean_is_exact(service, db, quiz):
    quiz.judges = JUDGES[1:]  # j-stp, j-free
    clip_id = make_clip(db, unit_code="UBND-HUE")
    service.score_clip(judge("j-stp"), clip_id, scores(33.33, 10, 10, 10))
    service.score_clip(judge("j-free"), clip_id, scores(33.34, 10, 10, 10))
    assert service.get_clip(ORG, clip_id)["score"] == 63.335


# --- the jury of each contest (quiz.list_jury) ---------------------------------------------------
def _jury(*ids):
    return [j for j in JUDGES if j["id"] in ids]


def test_contest_jury_decides_who_scores_and_who_is_awaited(service, db, quiz):
    """Two contests: the named jury of one is not held back by judges who only sit on the other."""
    quiz.juries = {CONTEST: _jury("j-stp", "j-free")}  # other-contest keeps the default: every judge
    clip_id = make_clip(db, unit_code="UBND-HUE")
    other = make_clip(db, unit_code="UBND-HUE", contest="other-contest")

    with pytest.raises(Forbidden) as exc:
        service.score_clip(judge("j-snv"), clip_id, FULL)
    assert exc.value.code == "not_on_jury" and "Ban Giám khảo" in exc.value.detail
    assert events(service, "clip_scored") == []
    # j-snv's work list has the other contest's clip only, even when asked for every contest.
    assert [c["clip_id"] for c in service.list_judge_clips(judge("j-snv"))] == [other]
    assert service.list_judge_clips(judge("j-snv"), CONTEST) == []
    assert [c["clip_id"] for c in service.list_judge_clips(judge("j-stp"), CONTEST)] == [clip_id]

    service.score_clip(judge("j-stp"), clip_id, scores(30, 15, 15, 15))  # 75
    clip = service.get_clip(ORG, clip_id)
    assert (clip["score"], clip["judges_assigned"], clip["judges_scored"]) == (None, 2, 1)
    service.score_clip(judge("j-free"), clip_id, scores(40, 20, 20, 15))  # 95
    clip = service.get_clip(ORG, clip_id)
    assert (clip["score"], clip["judges_assigned"], clip["judges_scored"]) == (85, 2, 2)
    results = service.list_clip_results(CONTEST)
    assert results["complete"] is True and results["clips"][0]["score"] == 85
    # The other contest still waits for its whole (default) jury.
    other_results = service.list_clip_results("other-contest")
    assert other_results["complete"] is False and other_results["clips"][0]["judges_assigned"] == 3
    # list_clips (staff) agrees with get_clip.
    assert service.list_clips(ORG, CONTEST)[0]["score"] == 85


def test_jury_member_of_the_clips_unit_is_not_assigned(service, db, quiz):
    quiz.juries = {CONTEST: _jury("j-snv", "j-stp")}
    clip_id = make_clip(db, unit_code="SNV")
    with pytest.raises(Forbidden) as exc:
        service.score_clip(judge("j-snv"), clip_id, FULL)
    assert exc.value.code == "own_unit"
    service.score_clip(judge("j-stp"), clip_id, scores(20, 10, 10, 10))
    clip = service.get_clip(ORG, clip_id)
    assert (clip["score"], clip["judges_assigned"]) == (50, 1)


def test_jury_changed_after_scoring(service, db, quiz):
    """A judge taken off the jury: their score is kept but no longer counts; one put on it is awaited."""
    clip_id = make_clip(db, unit_code="UBND-HUE")
    quiz.juries = {CONTEST: _jury("j-snv", "j-stp")}
    service.score_clip(judge("j-snv"), clip_id, scores(40, 20, 20, 20))  # 100
    service.score_clip(judge("j-stp"), clip_id, scores(20, 10, 10, 10))  # 50
    assert service.get_clip(ORG, clip_id)["score"] == 75
    quiz.juries = {CONTEST: _jury("j-stp")}
    clip = service.get_clip(ORG, clip_id)
    assert (clip["score"], clip["judges_assigned"], clip["judges_scored"]) == (50, 1, 1)
    assert [(s["judge_id"], s["total"]) for s in clip["scores"]] == [("j-stp", 50)]  # only what counts
    quiz.juries = {CONTEST: _jury("j-stp", "j-free")}
    clip = service.get_clip(ORG, clip_id)
    assert (clip["score"], clip["judges_assigned"], clip["judges_scored"]) == (None, 2, 1)
    assert service.list_clip_results(CONTEST)["complete"] is False


def test_quiz_down_means_no_scoring_and_no_work_list(service, db, quiz):
    from services.media.errors import UpstreamUnavailable

    clip_id = make_clip(db, unit_code="STP")
    quiz.down = True
    with pytest.raises(UpstreamUnavailable):
        service.score_clip(judge("j-free"), clip_id, FULL)
    with pytest.raises(UpstreamUnavailable):
        service.list_judge_clips(judge("j-free"), CONTEST)
    # Non-judges are refused before quiz is asked; a missing clip is still not found.
    with pytest.raises(Forbidden):
        service.score_clip(ORG, clip_id, FULL)
    quiz.down = False
    with pytest.raises(NotFound):
        service.score_clip(judge("j-free"), "khong-co", FULL)
    assert events(service, "clip_scored") == []
    assert service.list_judge_clips(judge("j-free"), CONTEST)[0]["my_score"] is None


# --- audit log (common/uow.py) -------------------------------------------------------------------
def test_scores_rubric_and_publication_are_audited(service, db):
    from common.uow import verify_chain
    from services.media.models import AuditEntry
    from tests.services.media.conftest import audit

    maxima = {"content": 50, "message": 20, "creativity": 15, "technique": 15}
    service.set_rubric(ORG, CONTEST, maxima)
    service.set_rubric(ORG, CONTEST, maxima)  # the same again: nothing changed, nothing recorded
    clip_id = make_clip(db, unit_code="STP")
    service.score_clip(judge("j-snv"), clip_id, scores(10, 10, 10, 10))
    service.score_clip(judge("j-snv"), clip_id, scores(12.5, 10, 10, 10))
    service.publish_clip(ORG, clip_id)
    service.publish_clip(ORG, clip_id)  # already published
    service.publish_clip(ORG, clip_id, False)
    with pytest.raises(Forbidden):
        service.publish_clip(EXPERT, clip_id)  # refused: no entry
    target = f"clip:{clip_id}"
    assert audit(db) == [
        ("org-1", "rubric.set", f"rubric:{CONTEST}", FULL, maxima),
        ("j-snv", "clip.score", target, None, dict(scores(10, 10, 10, 10), total=40)),
        ("j-snv", "clip.score", target, dict(scores(10, 10, 10, 10), total=40),
         dict(scores(12.5, 10, 10, 10), total=42.5)),
        ("org-1", "clip.publish", target, {"published": False}, {"published": True}),
        ("org-1", "clip.unpublish", target, {"published": True}, {"published": False}),
    ]
    with db.session() as session:
        assert verify_chain(session, AuditEntry) is None


# --- contest codes (common/contest_code.py) ------------------------------------------------------
@pytest.mark.parametrize("code", ["CCHC-2023", "a", "x" * 41, "cchc 2023", "-cchc", "cchc_2023"])
def test_contest_code_outside_the_rule_refused_before_any_lookup(service, db, quiz, code):
    quiz.down = True  # never asked: the code alone decides
    calls = [lambda: service.create_clip(ORG, code, {}), lambda: service.list_clips(ORG, code),
             lambda: service.list_judge_clips(judge("j-free"), code), lambda: service.gallery(code),
             lambda: service.list_clip_results(code), lambda: service.get_rubric(code),
             lambda: service.set_rubric(ORG, code, FULL)]
    for call in calls:
        with pytest.raises(Invalid) as err:
            call()
        assert err.value.code == "invalid_contest" and "Mã hội thi" in err.value.detail
    # Roles are still checked first.
    with pytest.raises(Forbidden):
        service.set_rubric(EXPERT, code, FULL)
    with pytest.raises(Forbidden):
        service.create_clip(judge("j-free"), code, {})


# --- blind and final judging (SPEC 5, issue 14 finding 2) ----------------------------------------
VIDEO_APPROVED = {"award_set_id": "set-v1", "contest": CONTEST, "kind": "video", "round": None,
                  "approved_at": "2023-07-15T10:00:00+07:00", "approved_by": "org-1", "winners": [], "total_vnd": 0}


def test_judges_never_see_final_scores_or_each_other_until_the_video_set_is_approved(service, db):
    done = make_clip(db, unit_code="UBND-HUE")   # scored by all three: complete
    mine = make_clip(db, unit_code="STP")        # j-snv scores it, j-free does not yet
    for j, points in (("j-snv", scores(40, 20, 20, 20)), ("j-stp", scores(20, 10, 10, 10)),
                      ("j-free", scores(30, 15, 15, 15))):
        service.score_clip(judge(j), done, points)
    service.score_clip(judge("j-snv"), mine, scores(10, 10, 10, 10))
    assert service.get_clip(ORG, done)["score"] == 75 and len(service.get_clip(ORG, done)["scores"]) == 3

    def judge_views(j):
        listed = service.list_judge_clips(judge(j), CONTEST)
        return ([service.get_clip(judge(j), c) for c in (done, mine)] + listed
                + service.list_clips(judge(j), CONTEST))

    for view in judge_views("j-snv"):
        assert view["score"] is None and "scores" not in view and view["scores_locked"] is False, view
    own = {r["clip_id"]: r["my_score"] for r in service.list_judge_clips(judge("j-snv"), CONTEST)}
    assert own[done]["total"] == 100 and own[mine]["total"] == 40  # only their own points
    # Organizers see everything.
    assert {c["clip_id"]: c["score"] for c in service.list_clips(ORG, CONTEST)}[done] == 75

    service.on_award_set_approved(dict(VIDEO_APPROVED, kind="weekly", round=1))  # not the video set
    service.score_clip(judge("j-free"), mine, scores(20, 10, 10, 10))
    service.on_award_set_approved(VIDEO_APPROVED)
    service.on_award_set_approved(VIDEO_APPROVED)  # at least once: a duplicate changes nothing
    for points, j in ((scores(1, 1, 1, 1), "j-snv"), (scores(40, 20, 20, 20), "j-free")):
        with pytest.raises(Conflict) as err:
            service.score_clip(judge(j), done, points)
        assert err.value.code == "scores_locked" and "khóa" in err.value.detail
    assert service.get_clip(ORG, done)["score"] == 75
    # Final: the judges may now see the results.
    view = service.get_clip(judge("j-snv"), done)
    assert view["score"] == 75 and view["scores_locked"] is True and len(view["scores"]) == 3


def test_score_lock_is_audited_once(service, db):
    from tests.services.media.conftest import audit

    service.on_award_set_approved(VIDEO_APPROVED)
    service.on_award_set_approved(VIDEO_APPROVED)
    locks = [row for row in audit(db) if row[1] == "scores.lock"]
    assert locks == [(None, "scores.lock", f"contest:{CONTEST}", {"locked": False},
                      {"locked": True, "award_set_id": "set-v1", "approved_by": "org-1"})]


def test_a_published_clip_shows_its_score_to_the_public_only_once_final(service, db):
    clip_id = make_clip(db, unit_code="UBND-HUE")
    for j in ("j-snv", "j-stp", "j-free"):
        service.score_clip(judge(j), clip_id, scores(30, 15, 15, 15))
    service.publish_clip(ORG, clip_id)
    assert service.get_clip(ORG, clip_id)["score"] == 75
    # No token needed: a judge reading it as the public learns nothing before the approval.
    assert service.get_clip(None, clip_id)["score"] is None
    service.on_award_set_approved(VIDEO_APPROVED)
    assert service.get_clip(None, clip_id)["score"] == 75


VIDEO_REVOKED = {"award_set_id": "set-v1", "contest": CONTEST, "kind": "video", "round": None,
                 "revoked_at": "2023-07-16T10:00:00+07:00", "revoked_by": "org-1", "reason": "Sai sót khi chấm"}


def test_revoking_the_video_set_opens_the_scores_again(service, db):
    from tests.services.media.conftest import audit

    clip_id = make_clip(db, unit_code="UBND-HUE")
    service.score_clip(judge("j-snv"), clip_id, scores(30, 15, 15, 15))
    service.on_award_set_approved(VIDEO_APPROVED)
    with pytest.raises(Conflict):
        service.score_clip(judge("j-snv"), clip_id, scores(31, 15, 15, 15))
    service.on_award_set_revoked(dict(VIDEO_REVOKED, kind="weekly", round=1, award_set_id="w1"))  # not ours
    service.on_award_set_revoked(dict(VIDEO_REVOKED, award_set_id="set-other"))  # another set: the lock stays
    with pytest.raises(Conflict):
        service.score_clip(judge("j-snv"), clip_id, scores(31, 15, 15, 15))
    service.on_award_set_revoked(VIDEO_REVOKED)
    service.on_award_set_revoked(VIDEO_REVOKED)  # at least once: a duplicate changes nothing
    assert service.score_clip(judge("j-snv"), clip_id, scores(31, 15, 15, 15))["total"] == 76
    # Blind again until the next approval.
    view = service.get_clip(judge("j-snv"), clip_id)
    assert view["scores_locked"] is False and view["score"] is None
    # The revoked set's approval delivered late (a retry) does not lock again; a new set does.
    service.on_award_set_approved(VIDEO_APPROVED)
    service.score_clip(judge("j-snv"), clip_id, scores(32, 15, 15, 15))
    service.on_award_set_approved(dict(VIDEO_APPROVED, award_set_id="set-v2"))
    with pytest.raises(Conflict) as err:
        service.score_clip(judge("j-snv"), clip_id, scores(33, 15, 15, 15))
    assert err.value.code == "scores_locked"
    unlocks = [row for row in audit(db) if row[1] == "scores.unlock"]
    assert unlocks == [(None, "scores.unlock", f"contest:{CONTEST}", {"locked": True, "award_set_id": "set-v1"},
                        {"locked": False, "revoked_by": "org-1"})]
