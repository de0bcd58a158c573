"""The jury's work (SPEC 5): a rubric per contest, one score per judge and clip, the final score.

Points are kept in hundredths (integers): a judge may give 35.5, sums are exact, and the final
score (mean of the judges' totals) is an exact fraction turned into a float only at the edge.
A clip's assigned judges are the judges of its contest's jury (quiz.list_jury(contest): the
jury the organizers named, or every judge when they named none) who are not of the clip's unit;
only they may score it. The final score exists only once each of them has scored, and before that
no judge sees another's.

Blind and final (SPEC 5): until the contest's video award set is approved a judge sees only their
own scores (views.py hides every final score and every other judge's points from them); once it
is approved (awards' `award_set_approved`, kept here as a ScoreLock row) the scores are final and
scoring answers 409 `scores_locked`. When that set is revoked (awards' `award_set_revoked`) the lock
is lifted: the judges score again and stay blind until the next video set is approved.
"""
import math
from fractions import Fraction
from numbers import Real

from sqlalchemy import func, select

from common.auth import require
from common.time import iso, utcnow
from services.media.domain.clips import check_contest, get
from services.media.errors import Conflict, Forbidden, Invalid, err
from services.media.models import Clip, RevokedAwardSet, Rubric, Score, ScoreLock

CRITERIA = ("content", "message", "creativity", "technique")
DEFAULT_MAXIMA = {"content": 40, "message": 20, "creativity": 20, "technique": 20}
LABELS_VI = {"content": "Nội dung", "message": "Thông điệp và sức lan tỏa",
             "creativity": "Tính sáng tạo", "technique": "Kỹ thuật"}


# --- rubric -------------------------------------------------------------------------------------
def rubric(session, contest):
    """{criterion: maximum} of a contest (SPEC 5's default when the organizers set none)."""
    row = session.get(Rubric, contest)
    return dict(row.maxima) if row else dict(DEFAULT_MAXIMA)


def rubric_out(session, contest):
    check_contest(contest)
    maxima = rubric(session, contest)
    return {"contest": contest, "total": _points(sum(_hundredths(v) for v in maxima.values())),
            "criteria": [{"key": k, "label": LABELS_VI[k], "max": maxima[k]} for k in CRITERIA]}


def set_rubric(uow, actor, contest, maxima):
    """Organizer: change the maxima, only before any clip of the contest has been scored (audited)."""
    require(actor, "organizer")
    check_contest(contest)
    session = uow.session
    if not isinstance(maxima, dict) or set(maxima) != set(CRITERIA):
        raise err(Invalid, "invalid_rubric")
    clean = {}
    for key in CRITERIA:
        value = maxima[key]
        if not _is_number(value) or value <= 0 or value > 1000 or _hundredths(value) is None:
            raise err(Invalid, "invalid_rubric")
        clean[key] = value
    scored = session.scalar(
        select(func.count()).select_from(Score).join(Clip, Clip.id == Score.clip_id).where(Clip.contest == contest))
    if scored:
        raise err(Conflict, "rubric_locked")
    before = rubric(session, contest)
    row = session.get(Rubric, contest)
    if row is None:
        session.add(Rubric(contest=contest, maxima=clean, updated_at=utcnow()))
    else:
        row.maxima, row.updated_at = clean, utcnow()
    session.flush()
    if clean != before:
        uow.record(actor, "rubric.set", f"rubric:{contest}", before, clean, contest=contest)
    return rubric_out(session, contest)


def _is_number(value):
    return isinstance(value, Real) and not isinstance(value, bool) and math.isfinite(value)


def _hundredths(value):
    """Whole hundredths of a point, or None for more than two decimals."""
    scaled = Fraction(str(value)) * 100
    return int(scaled) if scaled.denominator == 1 else None


def _points(hundredths):
    """Hundredths back to a number: 3550 → 35.5, 4000 → 40."""
    return hundredths // 100 if hundredths % 100 == 0 else hundredths / 100


# --- scoring -----------------------------------------------------------------------------------
def score_clip(uow, actor, clip_id, scores, jury):
    """A judge of the clip's contest jury (`jury`: quiz's list for that contest) scores an
    accepted clip (again: the new score replaces the old; audited). Returns the judge's score as
    shown."""
    require(actor, "judge")
    session = uow.session
    clip = get(session, clip_id)
    if clip.status != "accepted":
        raise err(Conflict, "clip_not_accepted")
    if scores_locked(session, clip.contest):
        raise err(Conflict, "scores_locked")
    if actor.get("unit_code") and actor["unit_code"] == clip.unit_code:
        raise err(Forbidden, "own_unit")
    if str(actor["id"]) not in {str(j["id"]) for j in jury}:
        raise err(Forbidden, "not_on_jury")
    maxima = rubric(session, clip.contest)
    points = _validate(scores, maxima)
    total = sum(points.values())
    judge_id = str(actor["id"])
    row = session.get(Score, (clip.id, judge_id))
    before = _points_out(row.points, row.total) if row is not None else None
    now = utcnow()
    if row is None:
        session.add(Score(clip_id=clip.id, judge_id=judge_id, judge_unit_code=actor.get("unit_code"),
                          points=points, total=total, created_at=now, updated_at=now))
    else:
        row.points, row.total, row.updated_at = points, total, now
    session.flush()
    scored = session.scalar(select(func.count()).select_from(Score).where(Score.clip_id == clip.id))
    # No points in the event: nobody learns a score from the bus before the clip is complete.
    uow.emit("clip_scored", {
        "clip_id": clip.id, "contest": clip.contest, "unit_code": clip.unit_code, "judge_id": judge_id,
        "judges_scored": scored, "scored_at": now.isoformat()})
    after = _points_out(points, total)
    if after != before:
        uow.record(actor, "clip.score", f"clip:{clip.id}", before, after, contest=clip.contest)
    return own_score_out(clip.id, points, total, now)


def _validate(scores, maxima):
    if not isinstance(scores, dict):
        raise err(Invalid, "invalid_scores")
    unknown = set(scores) - set(CRITERIA)
    if unknown:
        raise err(Invalid, "invalid_scores", f"Tiêu chí không có trong thang điểm: {', '.join(sorted(map(str, unknown)))}.")
    points = {}
    for key in CRITERIA:
        if key not in scores:
            raise err(Invalid, "invalid_scores", f"Thiếu điểm tiêu chí “{LABELS_VI[key]}” ({key}).")
        value, top = scores[key], maxima[key]
        hundredths = _hundredths(value) if _is_number(value) else None
        if hundredths is None or not 0 <= hundredths <= _hundredths(top):
            raise err(Invalid, "invalid_scores",
                      f"Điểm tiêu chí “{LABELS_VI[key]}” ({key}) phải là số từ 0 đến {top}, "
                      "tối đa hai chữ số thập phân.")
        points[key] = hundredths
    return points


def _points_out(points, total):
    """{criterion: points, ..., total} from hundredths."""
    return {**{k: _points(v) for k, v in points.items()}, "total": _points(total)}


def own_score_out(clip_id, points, total, updated_at):
    return {"clip_id": clip_id, **_points_out(points, total), "updated_at": iso(updated_at)}


# --- locking ----------------------------------------------------------------------------------
def scores_locked(session, contest):
    """True once the contest's video award set was approved (its scores are final)."""
    return session.get(ScoreLock, contest) is not None


def locked_contests(session, contests):
    contests = list(contests)
    if not contests:
        return set()
    return set(session.scalars(select(ScoreLock.contest).where(ScoreLock.contest.in_(contests))))


def lock_scores(uow, event):
    """awards' `award_set_approved`: a video set makes its contest's scores final. Idempotent (a
    duplicate event finds the lock and changes nothing); other kinds are not ours. Audited."""
    if not isinstance(event, dict) or event.get("kind") != "video" or not isinstance(event.get("contest"), str):
        return False
    session, contest = uow.session, event["contest"]
    if scores_locked(session, contest):
        return False
    award_set_id = str(event.get("award_set_id") or "")
    if award_set_id and session.get(RevokedAwardSet, award_set_id) is not None:
        return False  # a late delivery of a set already revoked: its scores stay open
    session.add(ScoreLock(contest=contest, award_set_id=award_set_id, locked_at=utcnow()))
    session.flush()
    uow.record(None, "scores.lock", f"contest:{contest}", {"locked": False},
               {"locked": True, "award_set_id": award_set_id, "approved_by": event.get("approved_by")},
               "Bộ giải video clip đã được phê duyệt: điểm chấm được khóa (SPEC 5).")
    return True


def unlock_scores(uow, event):
    """awards' `award_set_revoked`: a revoked video set no longer makes its contest's scores final;
    the judges may score again until the next video set is approved. Idempotent (the revoked set is
    kept, so a duplicate changes nothing, and an `award_set_approved` of it arriving late does not
    lock again); a lock taken by another set stays; other kinds are not ours. Audited."""
    if not isinstance(event, dict) or event.get("kind") != "video" or not isinstance(event.get("contest"), str):
        return False
    award_set_id = event.get("award_set_id")
    if not isinstance(award_set_id, str) or not award_set_id:
        return False
    session, contest = uow.session, event["contest"]
    if session.get(RevokedAwardSet, award_set_id) is not None:
        return False
    session.add(RevokedAwardSet(award_set_id=award_set_id, contest=contest, revoked_at=utcnow()))
    lock = session.get(ScoreLock, contest)
    if lock is None or lock.award_set_id != award_set_id:
        session.flush()
        return False
    session.delete(lock)
    session.flush()
    uow.record(None, "scores.unlock", f"contest:{contest}", {"locked": True, "award_set_id": award_set_id},
               {"locked": False, "revoked_by": event.get("revoked_by")},
               f"Bộ giải video clip đã bị thu hồi: điểm chấm được mở lại. Lý do thu hồi: {event.get('reason') or ''}"[:500],
               contest=contest)
    return True


# --- final scores -----------------------------------------------------------------------------
def assigned_judges(judges, unit_code):
    """Ids of the judges assigned to a clip of `unit_code`: the contest's jury (`judges`) minus
    those of that unit."""
    return {str(j["id"]) for j in judges if not (j.get("unit_code") and j.get("unit_code") == unit_code)}


def progress(session, clips, juries):
    """{clip_id: {judges_assigned, judges_scored, score}} for the given clips.

    `juries` is {contest: jury} for the clips' contests; None (quiz did not answer): counts and
    score unknown (None). `score` is the exact mean of the assigned judges' totals, None until
    every assigned judge has scored. Scores of judges no longer on the jury are kept but not
    counted.
    """
    ids = [c.id for c in clips]
    totals = {}
    if ids:
        for clip_id, judge_id, total in session.execute(
                select(Score.clip_id, Score.judge_id, Score.total).where(Score.clip_id.in_(ids))):
            totals.setdefault(clip_id, {})[judge_id] = total
    out = {}
    for clip in clips:
        judges = juries.get(clip.contest) if juries is not None else None
        if judges is None:
            out[clip.id] = {"judges_assigned": None, "judges_scored": None, "score": None}
            continue
        assigned = assigned_judges(judges, clip.unit_code)
        given = {j: t for j, t in totals.get(clip.id, {}).items() if j in assigned}
        complete = bool(assigned) and len(given) == len(assigned)
        score = float(Fraction(sum(given.values()), 100 * len(given))) if complete else None
        out[clip.id] = {"judges_assigned": len(assigned), "judges_scored": len(given), "score": score}
    return out


def scores_of_clip(session, clip_id):
    """Every judge's score of a clip (shown only once the clip is fully scored)."""
    rows = session.scalars(select(Score).where(Score.clip_id == clip_id).order_by(Score.judge_id)).all()
    return [dict(own_score_out(r.clip_id, r.points, r.total, r.updated_at), judge_id=r.judge_id) for r in rows]


def own_scores(session, judge_id, clip_ids):
    rows = session.scalars(select(Score).where(Score.judge_id == str(judge_id), Score.clip_id.in_(clip_ids))).all() \
        if clip_ids else []
    return {r.clip_id: own_score_out(r.clip_id, r.points, r.total, r.updated_at) for r in rows}


PENDING_STATUSES = ("uploading", "processing")


def clip_results(session, contest, jury):
    """For the awards service: every ACCEPTED clip of the contest with its final score (or None);
    `jury` is the contest's jury from quiz (never a guess)."""
    clips = session.scalars(
        select(Clip).where(Clip.contest == contest, Clip.status == "accepted").order_by(Clip.created_at, Clip.id)
    ).all()
    prog = progress(session, clips, {contest: jury})
    rows = [{
        "clip_id": c.id, "unit_code": c.unit_code, "title": c.title, "status": c.status,
        "score": prog[c.id]["score"], "judges_assigned": prog[c.id]["judges_assigned"],
        "judges_scored": prog[c.id]["judges_scored"], "created_at": iso(c.created_at),
    } for c in clips]
    received = session.scalar(select(func.count()).select_from(Clip).where(
        Clip.contest == contest, Clip.status.in_(("processing", "accepted", "rejected"))))
    # Clips sent but not yet decided (still uploading, or being probed): awards wait for them
    # (SPEC 4, 409 clips_pending) so that a slow check never leaves a clip out. An upload left
    # unfinished is removed after CLIP_UPLOAD_TTL_S and a stale probe is retried, so this drains.
    pending = dict(session.execute(select(Clip.status, func.count()).where(
        Clip.contest == contest, Clip.status.in_(PENDING_STATUSES)).group_by(Clip.status)).all())
    return {"contest": contest, "complete": all(r["score"] is not None for r in rows), "received": received,
            "pending": sum(pending.values()),
            "pending_by_status": {status: pending.get(status, 0) for status in PENDING_STATUSES},
            "clips": rows}

