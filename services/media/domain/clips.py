"""A clip's life in the database: uploading → processing → accepted | rejected.

Every change is a conditional UPDATE on the expected status, so two instances (or a redelivered
message) racing on one clip cannot both win; the winner emits its event in the same transaction.
"""
import datetime as dt
import math
import uuid

from sqlalchemy import delete, select, update

from common import contest_code
from common.auth import require
from common.time import utcnow
from services.media.config import MiB, settings
from services.media.errors import Conflict, Invalid, NotFound, TooLarge, err
from services.media.models import Clip
from services.media.schemas import CONTENT_TYPES

UPLOADERS = ("organizer", "expert")
S3_MAX_PARTS = 10_000


def check_contest(code):
    """A code that breaks the contest-code rule names no contest: refused before any query."""
    if not contest_code.is_valid(code):
        raise err(Invalid, "invalid_contest")


def plan_parts(size_bytes, part_size=None):
    """(part_size, part_count) for a file: the configured size, raised (in whole MiB) when the
    file would need more than S3's 10,000 parts."""
    part_size = part_size or settings.clip_part_size
    if math.ceil(size_bytes / part_size) > S3_MAX_PARTS:
        part_size = math.ceil(size_bytes / S3_MAX_PARTS / MiB) * MiB
    return part_size, max(1, math.ceil(size_bytes / part_size))


def check_size(size_bytes):
    if size_bytes > settings.max_clip_bytes:
        limit = settings.max_clip_bytes
        shown = f"{limit / 1024 ** 3:g} GiB" if limit >= 1024 ** 3 else f"{limit / MiB:g} MiB"
        raise err(TooLarge, "clip_too_large", f"Tệp video quá lớn: tối đa {shown}.")


def new_clip_id():
    return uuid.uuid4().hex


def object_key(contest, clip_id, content_type):
    return f"clips/{contest}/{clip_id}/video.{CONTENT_TYPES[content_type]}"


def create(session, actor, contest, form, clip_id, upload_id, part_size, part_count):
    """Record a clip whose multipart upload was just created in the store."""
    require(actor, *UPLOADERS)
    clip = Clip(
        id=clip_id, contest=contest, unit_code=form.unit_code, title=form.title, category=form.category,
        filename=form.filename, content_type=form.content_type, declared_size=form.size_bytes,
        part_size=part_size, part_count=part_count,
        object_key=object_key(contest, clip_id, form.content_type), upload_id=upload_id,
        uploaded_by=str(actor["id"]), status="uploading", created_at=utcnow(), probe_attempts=0,
        published=False,
    )
    session.add(clip)
    session.flush()
    return clip


def restart_upload(uow, actor, clip_id, old_upload_id, form, upload_id, part_size, part_count):
    """A clip still `uploading` (the browser's upload failed or was left) gets a new multipart upload
    for the file chosen again: new part plan, key and TTL (created_at restarts). Audited. Conditional
    on the upload the caller saw, so two retries or a racing `complete` cannot both win."""
    require(actor, *UPLOADERS)
    session = uow.session
    clip = get(session, clip_id)
    before = {"filename": clip.filename, "size_bytes": clip.declared_size, "upload_id": clip.upload_id}
    changed = session.execute(
        update(Clip).where(Clip.id == clip_id, Clip.status == "uploading", Clip.upload_id == old_upload_id)
        .values(filename=form.filename, content_type=form.content_type, declared_size=form.size_bytes,
                part_size=part_size, part_count=part_count, upload_id=upload_id, created_at=utcnow(),
                object_key=object_key(clip.contest, clip_id, form.content_type))
    ).rowcount
    if not changed:
        raise err(Conflict, "clip_not_uploading")
    session.expire(clip)
    uow.record(actor, "clip.upload_restart", f"clip:{clip_id}", before,
               {"filename": form.filename, "size_bytes": form.size_bytes, "upload_id": upload_id},
               "tải lại tệp video")
    return get(session, clip_id)


def delete_upload(uow, actor, clip_id):
    """Remove a clip whose upload never finished (still `uploading`): it no longer holds up the
    video award set (`clips_pending`). Audited. Returns (object_key, upload_id) for the store's
    clean-up; a clip already sent for checking is refused (409 clip_not_uploading)."""
    require(actor, *UPLOADERS)
    session = uow.session
    clip = get(session, clip_id)
    before = {"title": clip.title, "unit_code": clip.unit_code, "contest": clip.contest, "status": clip.status,
              "filename": clip.filename}
    key, upload_id = clip.object_key, clip.upload_id
    if not session.execute(delete(Clip).where(Clip.id == clip_id, Clip.status == "uploading")).rowcount:
        raise err(Conflict, "clip_not_uploading")
    uow.record(actor, "clip.upload_delete", f"clip:{clip_id}", before, None, "xoá lượt tải lên chưa hoàn tất")
    return key, upload_id


def get(session, clip_id, lock=False):
    query = select(Clip).where(Clip.id == str(clip_id))
    if lock and session.bind.dialect.name == "postgresql":
        query = query.with_for_update()
    clip = session.scalar(query) if clip_id else None
    if clip is None:
        raise err(NotFound, "clip_not_found")
    return clip


def mark_processing(uow, clip_id, parts):
    """uploading → processing with the reported parts, and the `clip_uploaded` event that starts
    the join and the probe. Returns the clip's status afterwards (another call may have completed
    it first: then nothing changes and nothing is emitted)."""
    session = uow.session
    now = utcnow()
    changed = session.execute(
        update(Clip).where(Clip.id == clip_id, Clip.status == "uploading")
        .values(status="processing", completed_at=now, probe_requested_at=now,
                parts=[[int(n), etag] for n, etag in parts])
    ).rowcount
    clip = get(session, clip_id)
    if changed:
        uow.emit("clip_uploaded", {"clip_id": clip_id, "contest": clip.contest})
    return clip.status


def mark_joined(session, clip_id):
    session.execute(update(Clip).where(Clip.id == clip_id, Clip.joined_at.is_(None)).values(joined_at=utcnow()))


def claim_probe(session, clip_id):
    """Count one more probe of a `processing` clip; None if it has its verdict already."""
    changed = session.execute(
        update(Clip).where(Clip.id == clip_id, Clip.status == "processing")
        .values(probe_attempts=Clip.probe_attempts + 1)
    ).rowcount
    if not changed:
        return None
    return session.get(Clip, clip_id)


def finish_probe(uow, clip_id, verdict, size_bytes=None, thumbnail_key=None):
    """processing → accepted | rejected with what the probe measured, and its event.

    Returns False when another probe of the same clip got there first (nothing changed).
    """
    session = uow.session
    values = dict(
        status="accepted" if verdict.accepted else "rejected",
        processed_at=utcnow(), reject_reason=None if verdict.accepted else verdict.reason,
        duration_s=verdict.duration_s, container=verdict.container, video_codec=verdict.video_codec,
        width=verdict.width, height=verdict.height, size_bytes=size_bytes,
        thumbnail_key=thumbnail_key if verdict.accepted else None,
    )
    changed = session.execute(
        update(Clip).where(Clip.id == clip_id, Clip.status == "processing").values(**values)
    ).rowcount
    if not changed:
        return False
    clip = session.get(Clip, clip_id)
    payload = {"clip_id": clip.id, "contest": clip.contest, "unit_code": clip.unit_code, "title": clip.title,
               "duration_s": clip.duration_s}
    if verdict.accepted:
        uow.emit("clip_accepted", payload)
    else:
        uow.emit("clip_rejected", dict(payload, reason=clip.reject_reason))
    return True


def abandoned(session, now=None, limit=100):
    """Clips still `uploading` past CLIP_UPLOAD_TTL_S: [(id, object_key, upload_id)]."""
    cutoff = (now or utcnow()) - dt.timedelta(seconds=settings.clip_upload_ttl_s)
    rows = session.execute(
        select(Clip.id, Clip.object_key, Clip.upload_id)
        .where(Clip.status == "uploading", Clip.created_at < cutoff).order_by(Clip.created_at).limit(limit)
    ).all()
    return [tuple(r) for r in rows]


def forget_abandoned(session, clip_id, now=None):
    """Delete an abandoned upload's row, unless it was completed meanwhile. True if deleted."""
    cutoff = (now or utcnow()) - dt.timedelta(seconds=settings.clip_upload_ttl_s)
    return bool(session.execute(
        delete(Clip).where(Clip.id == clip_id, Clip.status == "uploading", Clip.created_at < cutoff)
    ).rowcount)


def rejected_to_purge(session, now=None, limit=100):
    """Rejected clips whose file is still in the bucket CLIP_REJECTED_TTL_S after the verdict:
    [(id, object_key, upload_id)]."""
    cutoff = (now or utcnow()) - dt.timedelta(seconds=settings.clip_rejected_ttl_s)
    rows = session.execute(
        select(Clip.id, Clip.object_key, Clip.upload_id)
        .where(Clip.status == "rejected", Clip.purged_at.is_(None), Clip.processed_at < cutoff)
        .order_by(Clip.processed_at).limit(limit)
    ).all()
    return [tuple(r) for r in rows]


def mark_purged(session, clip_id):
    """Note that a rejected clip's file is gone; True the first time."""
    return bool(session.execute(
        update(Clip).where(Clip.id == clip_id, Clip.status == "rejected", Clip.purged_at.is_(None))
        .values(purged_at=utcnow())
    ).rowcount)


def live_upload_ids(session):
    """Multipart uploads a clip may still use: being uploaded, or waiting for the probe to join them."""
    return set(session.scalars(
        select(Clip.upload_id).where(Clip.status.in_(("uploading", "processing")), Clip.upload_id.is_not(None))
    ))


def requeue_stale_probes(uow, now=None, limit=100):
    """Queue the probe again for clips `processing` for longer than CLIP_PROBE_STALE_S.

    The requeued `clip_uploaded` message already survives a crash; this covers a message lost
    some other way (e.g. published before the handler's queue existed). Returns how many.
    """
    now = now or utcnow()
    cutoff = now - dt.timedelta(seconds=settings.clip_probe_stale_s)
    clips = uow.session.scalars(
        select(Clip).where(Clip.status == "processing", Clip.probe_requested_at < cutoff).limit(limit)
    ).all()
    for clip in clips:
        clip.probe_requested_at = now
        uow.emit("clip_uploaded", {"clip_id": clip.id, "contest": clip.contest})
    return len(clips)


def set_published(uow, actor, clip_id, published=True):
    """Organizer: show an accepted clip in the public gallery, or withdraw it (audited)."""
    require(actor, "organizer")
    clip = get(uow.session, clip_id, lock=True)
    if published and clip.status != "accepted":
        raise err(Conflict, "clip_not_accepted")
    if clip.published != published:
        clip.published = published
        clip.published_at = utcnow() if published else None
        uow.record(actor, "clip.publish" if published else "clip.unpublish", f"clip:{clip.id}",
                   {"published": not published}, {"published": published}, contest=clip.contest)
    return clip
