"""Upload through presigned multipart URLs (moto's S3 server) and the probe's verdicts (ffprobe on a
presigned GET of the stored object)."""
import datetime as dt

import httpx
import pytest
from sqlalchemy import func, select, update

from common.errors import Conflict, Forbidden, Invalid, NotFound, TooLarge
from services.media import config
from services.media.errors import UpstreamUnavailable
from services.media.models import Clip
from tests.services.media.conftest import (CONTEST, EXPERT, ORG, events, form, judge, pending_outbox, probe_now,
                                           put_parts, upload, worker)


def clip_count(db):
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(Clip))


def test_four_second_clip_accepted_with_measured_duration_and_thumbnail(service, videos, store, db):
    # The form lies about nothing that matters: duration is never taken from it.
    clip_id = upload(service, videos["ok"], actor=EXPERT)
    assert [e[0] for e in events(service)] == ["clip_uploaded"]
    clip = probe_now(service, clip_id)
    assert clip["status"] == "accepted", clip
    assert clip["duration_s"] == pytest.approx(4.0, abs=0.05)
    assert clip["video_codec"] == "h264" and (clip["width"], clip["height"]) == (320, 240)
    assert clip["reject_reason"] is None and clip["score"] is None
    # Playback: a presigned GET that honours Range; the thumbnail is a JPEG in the bucket.
    resp = httpx.get(clip["playback_url"], headers={"Range": "bytes=0-99"})
    assert resp.status_code == 206 and len(resp.content) == 100
    thumb = httpx.get(clip["thumbnail_url"])
    assert thumb.status_code == 200 and thumb.content[:2] == b"\xff\xd8"
    accepted = events(service, "clip_accepted")
    assert len(accepted) == 1 and accepted[0][1]["clip_id"] == clip_id
    assert accepted[0][1]["event_id"]
    assert not pending_outbox(db)


@pytest.mark.parametrize("name, reason_part", [
    ("long", "vượt quá thời lượng tối đa 300 giây"),
    ("text", "không phải là video"),
    ("audio", "không có luồng video"),
])
def test_rejected_with_vietnamese_reason(service, videos, name, reason_part):
    clip_id = upload(service, videos[name])
    clip = probe_now(service, clip_id)
    assert clip["status"] == "rejected"
    assert reason_part in clip["reject_reason"]
    assert clip["playback_url"] is None
    rejected = events(service, "clip_rejected")
    assert len(rejected) == 1 and rejected[0][1]["reason"] == clip["reject_reason"]
    if name == "long":
        assert clip["duration_s"] == pytest.approx(301, abs=0.5)


def test_webm_accepted(service, videos):
    clip = probe_now(service, upload(service, videos["webm"], content_type="video/webm"))
    assert clip["status"] == "accepted" and clip["duration_s"] == pytest.approx(2.0, abs=0.15)


def test_parts_planned_from_declared_size(service, store, monkeypatch):
    monkeypatch.setattr(config.settings, "clip_part_size", 5 * 1024 ** 2)
    out = service.create_clip(ORG, CONTEST, form(size_bytes=12 * 1024 ** 2))
    assert out["upload"]["part_size"] == 5 * 1024 ** 2
    assert [p["part_number"] for p in out["upload"]["parts"]] == [1, 2, 3]
    url = httpx.URL(out["upload"]["parts"][1]["url"])
    assert url.params["partNumber"] == "2" and url.params["uploadId"]
    assert f"{store.bucket}/clips/{CONTEST}/{out['clip_id']}/video.mp4" in url.path
    # 2 GiB in 8 MiB parts: 256 parts; a file needing more than 10,000 parts gets bigger ones.
    from services.media.domain.clips import plan_parts

    assert plan_parts(2 * 1024 ** 3, 8 * 1024 ** 2) == (8 * 1024 ** 2, 256)
    size, count = plan_parts(100 * 1024 ** 3, 5 * 1024 ** 2)
    assert count <= 10_000 and size * count >= 100 * 1024 ** 3


def test_presigned_urls_signed_for_public_endpoint(db, moto, quiz):
    from services.media.storage import ObjectStore

    st = ObjectStore(bucket="clips-public-host", endpoint=moto, public_endpoint="media.example.vn:443")
    st.ensure_bucket()
    svc = worker(db, st, quiz)
    out = svc.create_clip(ORG, CONTEST, form())
    assert all(httpx.URL(p["url"]).host == "media.example.vn" for p in out["upload"]["parts"])
    assert all(p["url"].startswith("http://") for p in out["upload"]["parts"])


def test_public_urls_https_behind_tls_proxy(db, moto, quiz, monkeypatch):
    from services.media.storage import ObjectStore

    monkeypatch.setattr(config.settings, "s3_public_secure", True)
    st = ObjectStore(bucket="clips-tls", endpoint=moto, public_endpoint="media.example.vn")
    assert st.browser_url("a/b.mp4", 60).startswith("https://media.example.vn/clips-tls/a/b.mp4?")
    assert st.internal_url("a/b.mp4").startswith(f"http://{moto}/")


@pytest.mark.parametrize("overrides, exc, code", [
    ({"size_bytes": 2 * 1024 ** 3 + 1}, TooLarge, "clip_too_large"),
    ({"size_bytes": 0}, Invalid, "invalid_size"),
    ({"size_bytes": "10"}, Invalid, "invalid_size"),
    ({"content_type": "application/pdf"}, Invalid, "invalid_content_type"),
    ({"content_type": "video/x-flv"}, Invalid, "invalid_content_type"),
    ({"title": "   "}, Invalid, "invalid_title"),
    ({"title": None}, Invalid, "invalid_title"),
    ({"unit_code": "KHONG-CO"}, Invalid, "unknown_unit"),
    ({"filename": ""}, Invalid, "invalid_filename"),
])
def test_bad_form_refused_and_nothing_stored(service, db, overrides, exc, code):
    with pytest.raises(exc) as err:
        service.create_clip(ORG, CONTEST, form(**overrides))
    assert err.value.code == code
    assert err.value.detail != code  # a Vietnamese sentence, not the code again
    assert clip_count(db) == 0


def test_unknown_contest_and_roles(service, db):
    with pytest.raises(NotFound) as err:
        service.create_clip(ORG, "khong-co", form())
    assert err.value.code == "contest_not_found"
    for actor in (judge("j-free"), {"id": "c1", "role": "contestant", "unit_code": "SNV"}):
        with pytest.raises(Forbidden):
            service.create_clip(actor, CONTEST, form())
    assert clip_count(db) == 0


def test_quiz_down_is_upstream_failure_not_a_verdict(service, quiz, db):
    quiz.down = True
    with pytest.raises(UpstreamUnavailable):
        service.create_clip(ORG, CONTEST, form())
    assert clip_count(db) == 0


def test_complete_checks_parts_and_is_idempotent(service, videos, db):
    created = service.create_clip(ORG, CONTEST, form(videos["ok"]))
    clip_id = created["clip_id"]
    parts = put_parts(created["upload"], videos["ok"])
    for bad in ([], [{"part_number": 0, "etag": "x"}], [{"part_number": 2, "etag": "x"}],
                [{"part_number": 1}], parts + parts, "x"):
        with pytest.raises(Invalid) as err:
            service.complete_clip(ORG, clip_id, bad)
        assert err.value.code == "invalid_parts"
    # An etag the store never issued: the store refuses to join; the upload stays open.
    with pytest.raises(Invalid) as err:
        service.complete_clip(ORG, clip_id, [{"part_number": 1, "etag": '"0123456789abcdef0123456789abcdef"'}])
    assert err.value.code == "upload_incomplete"
    assert service.get_clip(ORG, clip_id)["status"] == "uploading"
    assert service.complete_clip(ORG, clip_id, parts)["status"] == "processing"
    # Again (the gateway retried, or the client did): same answer, one event only.
    assert service.complete_clip(ORG, clip_id, parts)["status"] == "processing"
    assert len(events(service, "clip_uploaded")) == 1
    with pytest.raises(NotFound):
        service.complete_clip(ORG, "khong-co", parts)


def test_complete_rerun_after_crash_before_commit(service, videos, store, db):
    """The store joined the parts but the service died before recording it: a retry finds the
    multipart upload gone and the object present, and completes the clip."""
    created = service.create_clip(ORG, CONTEST, form(videos["ok"]))
    parts = put_parts(created["upload"], videos["ok"])
    with db.session() as session:
        clip = session.get(Clip, created["clip_id"])
        key, upload_id = clip.object_key, clip.upload_id
    store.complete_upload(key, upload_id, [(p["part_number"], p["etag"]) for p in parts])
    assert service.complete_clip(ORG, created["clip_id"], parts)["status"] == "processing"


def test_probe_duplicate_delivery_changes_nothing(service, videos):
    clip_id = upload(service, videos["ok"])
    assert probe_now(service, clip_id)["status"] == "accepted"
    assert probe_now(service, clip_id)["status"] == "accepted"
    assert len(events(service, "clip_accepted")) == 1


def test_probe_with_store_down_raises_and_keeps_processing(service, videos, db, monkeypatch):
    """A store outage is no verdict: the handler raises (message requeued), the clip waits."""
    monkeypatch.setattr(config.settings, "clip_probe_retry_delay_s", 0)
    clip_id = upload(service, videos["ok"])

    def down(*args):
        raise ConnectionError("store unreachable")

    monkeypatch.setattr(service.storage, "size_of", down)
    with pytest.raises(ConnectionError):
        service.on_clip_uploaded({"clip_id": clip_id})
    monkeypatch.undo()
    assert service.get_clip(ORG, clip_id)["status"] == "processing"
    assert probe_now(service, clip_id)["status"] == "accepted"


def test_probe_crashing_every_time_ends_rejected(service, videos, db, monkeypatch):
    monkeypatch.setattr(config.settings, "clip_probe_retry_delay_s", 0)
    monkeypatch.setattr(config.settings, "clip_probe_max_attempts", 3)
    clip_id = upload(service, videos["ok"])
    from services.media import probe

    def crash(url, timeout_s=None):
        raise probe.ProbeFailed("ffprobe killed")

    monkeypatch.setattr(probe, "ffprobe", crash)
    for _ in range(3):
        with pytest.raises(probe.ProbeFailed):
            service.on_clip_uploaded({"clip_id": clip_id})
        assert service.get_clip(ORG, clip_id)["status"] == "processing"
    service.on_clip_uploaded({"clip_id": clip_id})
    clip = service.get_clip(ORG, clip_id)
    assert clip["status"] == "rejected" and "sau 3 lần thử" in clip["reject_reason"]


def test_sweep_aborts_abandoned_uploads(service, videos, store, db):
    created = service.create_clip(ORG, CONTEST, form(videos["ok"]))
    put_parts(created["upload"], videos["ok"])
    fresh = service.create_clip(ORG, CONTEST, form(videos["ok"]))["clip_id"]
    done = upload(service, videos["ok"])
    old = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=config.settings.clip_upload_ttl_s + 60)
    with db.session() as session:
        session.execute(update(Clip).where(Clip.id.in_([created["clip_id"], done])).values(created_at=old))
        key = session.get(Clip, created["clip_id"]).object_key
    assert store.client._list_multipart_uploads(store.bucket, prefix=key).uploads
    service.sweep()
    with pytest.raises(NotFound):
        service.get_clip(ORG, created["clip_id"])
    assert not store.client._list_multipart_uploads(store.bucket, prefix=key).uploads
    # A fresh upload and a completed one are left alone.
    assert service.get_clip(ORG, fresh)["status"] == "uploading"
    assert service.get_clip(ORG, done)["status"] == "processing"
    # Completing the abandoned one now: not found (the row is gone).
    with pytest.raises(NotFound):
        service.complete_clip(ORG, created["clip_id"], [{"part_number": 1, "etag": "x"}])


def test_sweep_requeues_stale_probe(service, videos, db):
    clip_id = upload(service, videos["ok"])
    old = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=config.settings.clip_probe_stale_s + 60)
    with db.session() as session:
        session.execute(update(Clip).where(Clip.id == clip_id).values(probe_requested_at=old))
    service.sweep()
    assert len(events(service, "clip_uploaded")) == 2
    service.sweep()  # requeued once per stale period, not at every tick
    assert len(events(service, "clip_uploaded")) == 2


def test_outbox_relay_publishes_what_a_crash_left(service, videos, db, monkeypatch):
    monkeypatch.setattr(db.outbox, "publish", lambda *a, **k: 0)  # the process died right after commit
    clip_id = upload(service, videos["ok"])
    assert events(service) == [] and len(pending_outbox(db)) == 1
    monkeypatch.undo()
    with db.session() as session:
        session.execute(update(outbox_model()).values(
            created_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=1)))
    service.relay()
    assert [e[1]["clip_id"] for e in events(service, "clip_uploaded")] == [clip_id]


def outbox_model():
    from services.media.models import Outbox

    return Outbox


def test_visibility_of_unpublished_and_published(service, videos):
    clip_id = upload(service, videos["ok"])
    probe_now(service, clip_id)
    with pytest.raises(NotFound):
        service.get_clip(None, clip_id)
    with pytest.raises(NotFound):
        service.get_clip({"id": "c1", "role": "contestant", "unit_code": "SNV"}, clip_id)
    assert service.gallery(CONTEST) == []
    with pytest.raises(Forbidden):
        service.publish_clip(EXPERT, clip_id)
    out = service.publish_clip(ORG, clip_id)
    assert out["published"] is True and out["published_at"]
    public = service.get_clip(None, clip_id)
    assert public["status"] == "accepted" and "uploaded_by" not in public and "judges_scored" not in public
    gallery = service.gallery(CONTEST)
    assert [g["clip_id"] for g in gallery] == [clip_id]
    assert httpx.get(gallery[0]["playback_url"], headers={"Range": "bytes=10-19"}).status_code == 206
    service.publish_clip(ORG, clip_id, False)
    assert service.gallery(CONTEST) == []


def test_only_accepted_clips_can_be_published(service, videos):
    clip_id = upload(service, videos["text"])
    with pytest.raises(Conflict) as err:
        service.publish_clip(ORG, clip_id)
    assert err.value.code == "clip_not_accepted"
    probe_now(service, clip_id)
    with pytest.raises(Conflict):
        service.publish_clip(ORG, clip_id)


def test_staff_list_and_status_filter(service, videos):
    a = upload(service, videos["ok"])
    b = upload(service, videos["text"])
    probe_now(service, a)
    probe_now(service, b)
    rows = service.list_clips(EXPERT, CONTEST)
    assert [r["clip_id"] for r in rows] == [a, b]
    assert [r["clip_id"] for r in service.list_clips(ORG, CONTEST, "rejected")] == [b]
    with pytest.raises(Forbidden):
        service.list_clips({"id": "c", "role": "contestant", "unit_code": None}, CONTEST)


def test_small_middle_part_refused_before_any_join(service, db, monkeypatch):
    """S3 wants every part but the last to be >= 5 MiB: told at once, the upload stays open."""
    monkeypatch.setattr(config.settings, "clip_part_size", 5 * 1024 ** 2)
    created = service.create_clip(ORG, CONTEST, form(size_bytes=12 * 1024 ** 2))
    parts = []
    for part in created["upload"]["parts"][:2]:
        resp = httpx.put(part["url"], content=b"x" * 1000)
        parts.append({"part_number": part["part_number"], "etag": resp.headers["ETag"]})
    with pytest.raises(Invalid) as err:
        service.complete_clip(ORG, created["clip_id"], parts)
    assert err.value.code == "upload_incomplete"
    assert service.get_clip(ORG, created["clip_id"])["status"] == "uploading"
    # Only the last part may be small: one small part alone is a whole (small) file.
    assert service.complete_clip(ORG, created["clip_id"], parts[:1])["status"] == "processing"


def test_join_happens_in_the_probe_step(service, videos, store, db):
    """complete only checks and queues; the probe joins the parts (once) and then probes."""
    clip_id = upload(service, videos["ok"])
    with db.session() as session:
        clip = session.get(Clip, clip_id)
        key, joined = clip.object_key, clip.joined_at
    assert joined is None and store.size_of(key) is None  # not joined yet
    assert probe_now(service, clip_id)["status"] == "accepted"
    with db.session() as session:
        assert session.get(Clip, clip_id).joined_at is not None
    assert store.size_of(key) == __import__("os").path.getsize(videos["ok"])


def test_upload_aborted_after_complete_is_rejected_with_reason(service, videos, store, db):
    clip_id = upload(service, videos["ok"])
    with db.session() as session:
        clip = session.get(Clip, clip_id)
        store.abort_upload(clip.object_key, clip.upload_id)
    clip = probe_now(service, clip_id)
    assert clip["status"] == "rejected" and "bị hủy" in clip["reject_reason"]


def test_probe_event_for_unknown_clip_is_dropped_not_looped(service):
    service.on_clip_uploaded({"clip_id": "khong-co"})  # returns: the message is acked, not requeued
    service.on_clip_uploaded({"nothing": 1})
    service.on_clip_uploaded("garbage")
    assert events(service) == []


def test_missing_ffprobe_is_our_fault_not_the_files(service, videos, monkeypatch):
    """Without ffprobe the clip waits (message requeued, no try counted) instead of being rejected."""
    monkeypatch.setattr(config.settings, "clip_probe_retry_delay_s", 0)
    monkeypatch.setattr(config.settings, "clip_probe_max_attempts", 1)
    monkeypatch.setattr(config.settings, "ffprobe_bin", "/nonexistent/ffprobe")
    clip_id = upload(service, videos["ok"])
    from services.media import probe

    assert probe.tools_missing() == ["ffprobe"]
    for _ in range(3):
        with pytest.raises(probe.ProbeFailed):
            service.on_clip_uploaded({"clip_id": clip_id})
    assert service.get_clip(ORG, clip_id)["status"] == "processing"
    report = service.health()
    assert report["ffprobe"].startswith("error") and report["status"] == "degraded"
    monkeypatch.setattr(config.settings, "ffprobe_bin", None)
    assert probe_now(service, clip_id)["status"] == "accepted"
    assert service.health()["ffprobe"] == "ok"
