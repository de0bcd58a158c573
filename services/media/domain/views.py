"""What callers see of clips. `sign(key)` turns an object key into a presigned browser URL (the
service passes the object store's signer); `juries` is {contest: the contest's jury from quiz}, or
None when quiz did not answer (judging progress shown as unknown)."""
from sqlalchemy import select

from common.auth import STAFF_ROLES
from common.time import iso
from services.media.domain import judging
from services.media.domain.clips import get
from services.media.errors import NotFound, err
from services.media.models import Clip


def clip_out(clip, sign, prog=None):
    prog = prog or {"judges_assigned": None, "judges_scored": None, "score": None}
    playable = clip.status == "accepted"
    return {
        "clip_id": clip.id, "contest": clip.contest, "unit_code": clip.unit_code, "title": clip.title,
        "category": clip.category, "filename": clip.filename, "content_type": clip.content_type,
        "status": clip.status, "duration_s": clip.duration_s, "reject_reason": clip.reject_reason,
        "container": clip.container, "video_codec": clip.video_codec, "width": clip.width,
        "height": clip.height, "size_bytes": clip.size_bytes,
        "playback_url": sign(clip.object_key) if playable else None,
        "thumbnail_url": sign(clip.thumbnail_key) if playable and clip.thumbnail_key else None,
        "score": prog["score"], "judges_assigned": prog["judges_assigned"],
        "judges_scored": prog["judges_scored"], "published": clip.published,
        "published_at": iso(clip.published_at), "uploaded_by": clip.uploaded_by,
        "created_at": iso(clip.created_at), "processed_at": iso(clip.processed_at),
    }


def is_staff(actor):
    return bool(actor and actor.get("id") and actor.get("role") in STAFF_ROLES)


def _blind(out):
    """What a judge sees of a clip before its contest's scores are final (SPEC 5): no final score
    and no other judge's points (their own score comes with their work list)."""
    out["score"] = None
    out.pop("scores", None)
    out["scores_locked"] = False
    return out


def get_clip(session, actor, clip_id, sign, juries):
    """Staff see any clip; anyone else only a published one (else: not found)."""
    clip = get(session, clip_id)
    if not is_staff(actor) and not (clip.published and clip.status == "accepted"):
        raise err(NotFound, "clip_not_found")
    prog = judging.progress(session, [clip], juries)[clip.id]
    out = clip_out(clip, sign, prog)
    locked = judging.scores_locked(session, clip.contest)
    if not is_staff(actor):
        # A published clip's score is public only once final (SPEC 5): before that it would tell a
        # judge (who needs no token to read it) the standings.
        return dict(_public(out), score=out["score"] if locked else None)
    if actor.get("role") == "judge" and not locked:
        return _blind(out)
    out["scores_locked"] = locked
    if prog["score"] is not None and actor.get("role") in ("organizer", "judge"):
        # The scores that make the final one (a judge taken off the jury keeps a score that no
        # longer counts: not shown).
        assigned = judging.assigned_judges(juries[clip.contest], clip.unit_code)
        out["scores"] = [s for s in judging.scores_of_clip(session, clip.id) if s["judge_id"] in assigned]
    return out


def list_clips(session, contest, sign, juries, status=None, actor=None):
    query = select(Clip).where(Clip.contest == contest).order_by(Clip.created_at, Clip.id)
    if status:
        query = query.where(Clip.status == status)
    clips = session.scalars(query).all()
    prog = judging.progress(session, clips, juries)
    out = [clip_out(c, sign, prog[c.id]) for c in clips]
    locked = judging.scores_locked(session, contest)
    for row in out:
        row["scores_locked"] = locked
    if (actor or {}).get("role") == "judge" and not locked:
        out = [_blind(row) for row in out]
    return out


def _judge_query(columns, actor, contest):
    query = select(*columns).where(Clip.status == "accepted")
    if contest:
        query = query.where(Clip.contest == contest)
    if actor.get("unit_code"):
        query = query.where(Clip.unit_code != actor["unit_code"])
    return query


def judge_contests(session, actor, contest):
    """The contests of the clips a judge might score (whose juries the work list needs)."""
    return sorted(session.scalars(_judge_query([Clip.contest], actor, contest).distinct()))


def judge_clips(session, actor, contest, sign, juries):
    """A judge's work list: accepted clips not of their unit, of the contests whose jury they sit
    on (`juries`: {contest: jury}, complete), each with their own score (or None)."""
    judge_id = str(actor["id"])
    on_jury = {code for code, jury in juries.items() if judge_id in {str(j["id"]) for j in jury}}
    query = _judge_query([Clip], actor, contest).order_by(Clip.created_at, Clip.id)
    clips = [c for c in session.scalars(query).all() if c.contest in on_jury]
    prog = judging.progress(session, clips, juries)
    mine = judging.own_scores(session, actor["id"], [c.id for c in clips])
    rubrics = {contest_code: judging.rubric_out(session, contest_code) for contest_code in {c.contest for c in clips}}
    locked = judging.locked_contests(session, rubrics)
    out = []
    for clip in clips:
        row = clip_out(clip, sign, prog[clip.id])
        if clip.contest in locked:
            row["scores_locked"] = True
        else:
            row = _blind(row)
        row["my_score"] = mine.get(clip.id)
        row["rubric"] = rubrics[clip.contest]
        out.append(row)
    return out


PUBLIC_FIELDS = ("clip_id", "contest", "unit_code", "title", "category", "status", "duration_s", "reject_reason",
                 "playback_url", "thumbnail_url", "score", "published_at", "width", "height")


def _public(out):
    # The public sees no judging progress; the score only once it is final.
    return {k: out[k] for k in PUBLIC_FIELDS}


def gallery(session, contest, sign):
    clips = session.scalars(
        select(Clip).where(Clip.contest == contest, Clip.status == "accepted", Clip.published.is_(True))
        .order_by(Clip.published_at, Clip.id)
    ).all()
    return [{k: v for k, v in _public(clip_out(c, sign)).items() if k not in ("score", "reject_reason")}
            for c in clips]
