"""Rejected and abandoned uploads leave the bucket (issue 15, finding 9): the sweep deletes the file of
a clip rejected more than CLIP_REJECTED_TTL_S ago (the clip and its reason stay listed) and aborts
multipart uploads that no clip can use any more; run twice, it changes nothing more. Against moto's
S3 server behind the signature-checking proxy (tests/s3.py)."""
import datetime as dt
import time

from sqlalchemy import update

from services.media import config
from services.media.models import Clip
from tests.services.media.conftest import CONTEST, ORG, form, probe_now, put_parts, upload


# getattr: the same test shows the bucket as it was before the sweep deleted anything.
REJECTED_TTL_S = getattr(config.settings, "clip_rejected_ttl_s", 24 * 3600)


def _ago(seconds):
    return dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=seconds)


def _clip_row(db, clip_id):
    with db.session() as session:
        clip = session.get(Clip, clip_id)
        return clip.object_key, clip.upload_id, getattr(clip, "purged_at", None)


def _open_uploads(store):
    result = store.client._list_multipart_uploads(store.bucket, prefix="clips/", max_uploads=1000)
    return {u.upload_id for u in result.uploads}


def test_rejected_clip_file_is_deleted_after_the_ttl_once(service, videos, store, db):
    rejected = probe_now(service, upload(service, videos["text"]))["clip_id"]
    recent = probe_now(service, upload(service, videos["text"]))["clip_id"]
    accepted = probe_now(service, upload(service, videos["ok"]))["clip_id"]
    for clip_id in (rejected, recent):
        assert service.get_clip(ORG, clip_id)["status"] == "rejected"
    key, _, _ = _clip_row(db, rejected)
    assert store.size_of(key) is not None  # the rejected file is in the bucket after the verdict
    with db.session() as session:
        session.execute(update(Clip).where(Clip.id.in_([rejected, accepted]))
                        .values(processed_at=_ago(REJECTED_TTL_S + 60)))

    out = service.sweep()
    assert store.size_of(key) is None
    assert _clip_row(db, rejected)[2] is not None
    assert out["purged"] == 1
    # The clip stays listed with its reason; a recent rejection and an accepted clip keep their files.
    clip = service.get_clip(ORG, rejected)
    assert clip["status"] == "rejected" and "không phải là video" in clip["reject_reason"]
    assert store.size_of(_clip_row(db, recent)[0]) is not None
    assert store.size_of(_clip_row(db, accepted)[0]) is not None
    # Idempotent: nothing more to do, and no error for the file already gone.
    assert service.sweep()["purged"] == 0


def test_clip_rejected_before_its_parts_were_joined_has_its_upload_aborted(service, videos, store, db):
    created = service.create_clip(ORG, CONTEST, form(videos["ok"]))
    parts = put_parts(created["upload"], videos["ok"])
    clip_id = created["clip_id"]
    service.complete_clip(ORG, clip_id, parts)
    key, upload_id, _ = _clip_row(db, clip_id)
    # The probe rejects it without joining (as when S3 refuses the parts).
    from services.media import probe
    from services.media.domain import clips as clip_domain

    db.run(clip_domain.finish_probe, clip_id, probe.Verdict(False, "Kho lưu trữ không ghép được tệp."))
    assert upload_id in _open_uploads(store)
    with db.session() as session:
        session.execute(update(Clip).where(Clip.id == clip_id)
                        .values(processed_at=_ago(REJECTED_TTL_S + 60)))
    out = service.sweep()
    assert upload_id not in _open_uploads(store)
    assert out["purged"] == 1


def test_orphan_multipart_uploads_are_aborted_but_not_the_ones_in_use(service, videos, store, db, monkeypatch):
    monkeypatch.setattr(config.settings, "clip_upload_ttl_s", 2)
    # An upload no clip row knows (its row was never written, or its abort failed after the row went).
    orphan = store.start_upload(f"clips/{CONTEST}/lost/video.mp4", "video/mp4")
    # A clip uploaded and waiting for its probe to join the parts: its upload must survive.
    waiting = upload(service, videos["ok"])
    _, waiting_upload, _ = _clip_row(db, waiting)
    time.sleep(2.5)
    # A clip being uploaded right now (younger than the TTL).
    fresh = service.create_clip(ORG, CONTEST, form(videos["ok"]))["clip_id"]
    _, fresh_upload, _ = _clip_row(db, fresh)
    assert {orphan, waiting_upload, fresh_upload} <= _open_uploads(store)

    out = service.sweep()
    still_open = _open_uploads(store)
    assert orphan not in still_open
    assert waiting_upload in still_open and fresh_upload in still_open
    assert out["orphan_uploads"] == 1
    assert service.sweep()["orphan_uploads"] == 0
    # The waiting clip is still joined and accepted.
    assert probe_now(service, waiting)["status"] == "accepted"
