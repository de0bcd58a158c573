"""What each entrypoint of the media service does, step by step, across transactions, the object
store and the quiz service.

Dependencies come in as arguments (`db`: the service's common.uow.Store, `store`:
storage.ObjectStore, `quiz`: the quiz service's client, common.upstream, with `list_units()`,
`get_contest(code)`, `list_jury(contest)`), so every step can be read and tested without nameko.
Events are emitted by the domain functions and published by the store after each commit.
"""
import datetime as dt
import logging

import eventlet
from minio.error import S3Error

from common.auth import STAFF_ROLES, require
from common.time import utcnow
from services.media import probe, schemas
from services.media.config import settings
from services.media.domain import clips as clip_domain
from services.media.domain import judging, views
from services.media.errors import Conflict, Invalid, NotFound, UpstreamUnavailable, err

log = logging.getLogger(__name__)

# S3 answers meaning "these parts do not make a file": the client's fault, the upload stays open.
BAD_PARTS = {"InvalidPart", "InvalidPartOrder", "EntityTooSmall", "MalformedXML", "InvalidRequest"}


def _sign(store):
    return lambda key: store.browser_url(key, settings.clip_url_ttl_s)


def _store_call(fn, *args):
    """Run an object-store call; anything but a definite S3 answer means the store is unavailable."""
    try:
        return fn(*args)
    except S3Error:
        raise
    except Exception as exc:
        log.warning("object store call %s failed: %s", getattr(fn, "__name__", fn), exc)
        raise UpstreamUnavailable("s3", type(exc).__name__) from exc


# --- upload -------------------------------------------------------------------------------------
def create_clip(db, store, quiz, actor, contest, data):
    require(actor, *clip_domain.UPLOADERS)
    clip_domain.check_contest(contest)
    form = schemas.parse_clip(data)
    clip_domain.check_size(form.size_bytes)
    _check_contest(quiz, contest)
    if form.unit_code not in {u["code"] for u in quiz.list_units()}:
        raise err(Invalid, "unknown_unit")
    part_size, part_count = clip_domain.plan_parts(form.size_bytes)
    clip_id = clip_domain.new_clip_id()
    key = clip_domain.object_key(contest, clip_id, form.content_type)
    upload_id = _store_call(store.start_upload, key, form.content_type)
    try:
        with db.session() as session:
            clip = clip_domain.create(session, actor, contest, form, clip_id, upload_id, part_size, part_count)
            created_at = clip.created_at
    except BaseException:
        _abort_quietly(store, key, upload_id)
        raise
    return {
        "clip_id": clip_id, "status": "uploading",
        "upload": {"parts": store.part_urls(key, upload_id, part_count, settings.clip_upload_ttl_s),
                   "part_size": part_size, "part_count": part_count,
                   "expires_at": (created_at + _ttl()).isoformat()},
    }


def restart_upload(db, store, actor, clip_id, data):
    """New presigned part URLs for a clip still `uploading` (the browser's upload failed): the file
    is chosen again (`{filename, size_bytes, content_type}`), the old multipart upload is aborted."""
    require(actor, *clip_domain.UPLOADERS)
    with db.session() as session:
        clip = clip_domain.get(session, clip_id)
        status, contest, old_key, old_upload = clip.status, clip.contest, clip.object_key, clip.upload_id
        fields = {"unit_code": clip.unit_code, "title": clip.title, "category": clip.category}
    if status != "uploading":
        raise err(Conflict, "clip_not_uploading")
    if not isinstance(data, dict):
        raise err(Invalid, "invalid_input")
    form = schemas.parse_clip({**fields, **{k: data.get(k) for k in ("filename", "size_bytes", "content_type")}})
    clip_domain.check_size(form.size_bytes)
    part_size, part_count = clip_domain.plan_parts(form.size_bytes)
    key = clip_domain.object_key(contest, clip_id, form.content_type)
    upload_id = _store_call(store.start_upload, key, form.content_type)
    try:
        clip = db.run(clip_domain.restart_upload, actor, clip_id, old_upload, form, upload_id, part_size, part_count)
        created_at = clip.created_at
    except BaseException:
        _abort_quietly(store, key, upload_id)
        raise
    if old_upload:
        _abort_quietly(store, old_key, old_upload)
    return {
        "clip_id": clip_id, "status": "uploading",
        "upload": {"parts": store.part_urls(key, upload_id, part_count, settings.clip_upload_ttl_s),
                   "part_size": part_size, "part_count": part_count,
                   "expires_at": (created_at + _ttl()).isoformat()},
    }


def delete_upload(db, store, actor, clip_id):
    """Delete a clip whose upload never finished; its multipart upload is aborted afterwards (the row
    goes first, so a racing `complete` finds nothing; a store failure leaves an orphan upload that
    S3 lifecycle rules can expire)."""
    key, upload_id = db.run(clip_domain.delete_upload, actor, clip_id)
    if upload_id:
        _abort_quietly(store, key, upload_id)
    return {"clip_id": clip_id, "deleted": True}


def _ttl():
    # The part URLs live as long as the upload, up to SigV4's 7 days.
    return dt.timedelta(seconds=min(settings.clip_upload_ttl_s, 7 * 24 * 3600))


def _check_contest(quiz, contest):
    try:
        quiz.get_contest(contest)
    except NotFound:
        raise err(NotFound, "contest_not_found") from None


def _abort_quietly(store, key, upload_id):
    try:
        store.abort_upload(key, upload_id)
    except Exception:
        log.warning("could not abort upload %s of %s (the sweep will retry)", upload_id, key, exc_info=True)


def complete_clip(db, store, actor, clip_id, parts):
    """Check the reported parts against what the store holds and queue the join and the probe.

    Joining a big file can take the store a while, so it happens in the probe step; here a quick
    ListParts tells a wrong or missing part (422, the upload stays open for another try).
    Re-running it after success changes nothing.
    """
    require(actor, *clip_domain.UPLOADERS)
    with db.session() as session:
        clip = clip_domain.get(session, clip_id)
        status, key, upload_id, part_count = clip.status, clip.object_key, clip.upload_id, clip.part_count
    if status != "uploading":
        return {"clip_id": clip_id, "status": status}
    ordered = schemas.parse_parts(parts, part_count)
    try:
        held = _store_call(store.uploaded_parts, key, upload_id)
    except S3Error as exc:
        if exc.code != "NoSuchUpload":
            raise UpstreamUnavailable("s3", exc.code) from None
        # The upload is gone: joined already (a store-side completion, or a re-run) if the object
        # is there; else aborted.
        if _store_call(store.size_of, key) is None:
            raise err(Conflict, "upload_abandoned") from None
        held = None
    if held is not None:
        _check_parts(ordered, held)
    status = db.run(clip_domain.mark_processing, clip_id, ordered)
    return {"clip_id": clip_id, "status": status}


def _unquote(etag):
    return (etag or "").strip().strip('"')


def _upload_open(store, key, upload_id):
    """True while the multipart upload exists (ListParts works); False once completed or aborted."""
    try:
        store.uploaded_parts(key, upload_id)
        return True
    except S3Error as exc:
        if exc.code == "NoSuchUpload":
            return False
        raise


def _check_parts(ordered, held):
    """Every reported part is held with that etag; all but the last are >= 5 MiB (S3's rule)."""
    last = ordered[-1][0]
    for number, etag in ordered:
        if number not in held or _unquote(held[number][0]) != _unquote(etag):
            raise err(Invalid, "upload_incomplete")
        if number != last and held[number][1] < 5 * 1024 ** 2:
            raise err(Invalid, "upload_incomplete")


def join_parts(db, store, clip_id):
    """The probe's first step: CompleteMultipartUpload of the reported parts, once.

    Returns None when joined, or a rejection Verdict when the parts cannot make a file any more.
    """
    with db.session() as session:
        clip = clip_domain.get(session, clip_id)
        if clip.joined_at is not None:
            return None
        key, upload_id, parts = clip.object_key, clip.upload_id, clip.parts or []
    try:
        store.complete_upload(key, upload_id, [(n, etag) for n, etag in parts])
    except S3Error as exc:
        if exc.code in BAD_PARTS:
            return probe.Verdict(False, "Kho lưu trữ không ghép được tệp từ các phần đã tải lên. "
                                        "Vui lòng tải lên lại.")
        if exc.code != "NoSuchUpload" and _upload_open(store, key, upload_id):
            raise
        if store.size_of(key) is None:
            return probe.Verdict(False, "Phiên tải lên đã bị hủy trước khi ghép tệp. Vui lòng tải lên lại.")
    except Exception:
        # Some stores answer a completion of an aborted upload with a 500: ask whether it is open.
        if _upload_open(store, key, upload_id):
            raise
        if store.size_of(key) is None:
            return probe.Verdict(False, "Phiên tải lên đã bị hủy trước khi ghép tệp. Vui lòng tải lên lại.")
    with db.session() as session:
        clip_domain.mark_joined(session, clip_id)
    return None


# --- probe --------------------------------------------------------------------------------------
def probe_clip(db, store, clip_id):
    """Probe a `processing` clip and store the verdict. Raises on a fault of ours or of the store
    (the `clip_uploaded` message is then requeued: the clip is probed again, never stuck)."""
    with db.session() as session:
        try:
            clip = clip_domain.get(session, clip_id)
        except NotFound:
            # Can never succeed: requeueing would loop forever. Logged, dropped.
            log.error("clip_uploaded for unknown clip %s: dropped", clip_id)
            return None
        if clip.status != "processing":
            return clip.status  # a duplicate delivery: the verdict is in
        key, attempts = clip.object_key, clip.probe_attempts
    try:
        refused = join_parts(db, store, clip_id)
    except Exception:
        _pause_before_retry("could not join the parts of clip %s", clip_id)
        raise
    if refused is not None:
        return _finish(db, clip_id, refused)
    if attempts >= settings.clip_probe_max_attempts:
        return _finish(db, clip_id, probe.Verdict(
            False, f"Không kiểm tra được tệp video sau {attempts} lần thử (tệp có thể bị hỏng). "
                   "Vui lòng tải lên lại."))
    try:
        size = store.size_of(key)
    except Exception:
        _pause_before_retry("object store unreachable while probing clip %s", clip_id)
        raise
    if size is None:
        return _finish(db, clip_id, probe.Verdict(
            False, "Không tìm thấy tệp video trong kho lưu trữ. Vui lòng tải lên lại."))
    if size > settings.max_clip_bytes:
        return _finish(db, clip_id, probe.Verdict(
            False, f"Tệp video quá lớn ({size} byte), vượt quá dung lượng tối đa {settings.max_clip_bytes} byte."),
            size)
    missing = probe.tools_missing()
    if missing:
        # Our installation is broken, not the file: no try is counted, the message waits.
        _pause_before_retry("cannot probe clip %s: %s not installed (FFPROBE_BIN/FFMPEG_BIN)",
                            clip_id, ", ".join(missing))
        raise probe.ProbeFailed(f"{', '.join(missing)} not installed")
    # Counted before the work: a file that kills the process or times out every time is rejected
    # after CLIP_PROBE_MAX_ATTEMPTS tries instead of being probed forever.
    with db.session() as session:
        if clip_domain.claim_probe(session, clip_id) is None:
            return "done"
    log.info("probing clip %s (%d bytes, try %d)", clip_id, size, attempts + 1)
    if settings.probe_delay_s:
        eventlet.sleep(settings.probe_delay_s)
    url = store.internal_url(key)
    try:
        verdict = probe.judge(probe.ffprobe(url))
        thumb_key = None
        if verdict.accepted:
            jpeg = probe.thumbnail(url, verdict.duration_s)
            if jpeg is None:
                verdict.accepted = False
                verdict.reason = "Không giải mã được hình ảnh của video (tệp bị hỏng hoặc không phát được)."
            else:
                thumb_key = key.rsplit("/", 1)[0] + "/thumbnail.jpg"
                store.put_bytes(thumb_key, jpeg, "image/jpeg")
        if not verdict.accepted:
            # A refusal caused by the store going away is no verdict on the file: check it is there.
            if store.size_of(key) is None:
                raise UpstreamUnavailable("s3", "object vanished during probe")
    except Exception:
        _pause_before_retry("probe of clip %s failed", clip_id)
        raise
    return _finish(db, clip_id, verdict, size, thumb_key)


def _pause_before_retry(message, *args):
    # A requeued message comes straight back: pause so a store outage does not spin the broker.
    log.warning(message + "; will retry", *args, exc_info=True)
    eventlet.sleep(settings.clip_probe_retry_delay_s)


def _finish(db, clip_id, verdict, size=None, thumb_key=None):
    db.run(clip_domain.finish_probe, clip_id, verdict, size, thumb_key)
    status = "accepted" if verdict.accepted else "rejected"
    log.info("clip %s %s%s", clip_id, status, f": {verdict.reason}" if verdict.reason else "")
    return status


# --- housekeeping -------------------------------------------------------------------------------
def sweep(db, store):
    """Timer: clean abandoned uploads, delete rejected clips' files and multipart uploads nobody
    owns, re-queue probes without a verdict."""
    with db.session() as session:
        stale = clip_domain.abandoned(session)
    for clip_id, key, upload_id in stale:
        with db.session() as session:
            if not clip_domain.forget_abandoned(session, clip_id):
                continue
        # After the row is gone, so a racing `complete` finds nothing to complete; a store
        # failure here leaves an orphan upload (S3 lifecycle rules can expire those).
        try:
            if upload_id:
                store.abort_upload(key, upload_id)
            store.remove(key)
        except Exception:
            log.warning("abandoned clip %s: could not clean %s", clip_id, key, exc_info=True)
        log.info("abandoned upload of clip %s aborted and removed", clip_id)
    purged = _purge_rejected(db, store)
    aborted = _abort_orphan_uploads(db, store)
    db.run(clip_domain.requeue_stale_probes)
    return {"abandoned": len(stale), "purged": purged, "orphan_uploads": aborted}


def _purge_rejected(db, store):
    """Delete the files of clips rejected more than CLIP_REJECTED_TTL_S ago. Marked only once the
    store answered, so a failure is retried at the next sweep; every step is idempotent."""
    with db.session() as session:
        due = clip_domain.rejected_to_purge(session)
    done = 0
    for clip_id, key, upload_id in due:
        try:
            if upload_id:
                # A clip rejected before its parts were joined still has its upload open.
                store.abort_upload(key, upload_id)
            store.remove(key)
            store.remove(key.rsplit("/", 1)[0] + "/thumbnail.jpg")
        except Exception:
            log.warning("rejected clip %s: could not delete %s (next sweep retries)", clip_id, key, exc_info=True)
            continue
        with db.session() as session:
            if clip_domain.mark_purged(session, clip_id):
                done += 1
                log.info("rejected clip %s: file deleted from the bucket", clip_id)
    return done


def _abort_orphan_uploads(db, store):
    """Abort multipart uploads under clips/ that no clip can use any more (an abandoned upload whose
    abort failed, a clip row that was never written), once older than CLIP_UPLOAD_TTL_S: a younger
    one may belong to a clip being created right now (its upload starts before its row).

    MinIO lists open uploads only for an exact object name, so there this finds nothing: MinIO
    expires stale uploads itself (`api stale_uploads_expiry`, 24 h by default)."""
    cutoff = utcnow() - dt.timedelta(seconds=settings.clip_upload_ttl_s)
    try:
        uploads = store.open_uploads("clips/")
    except Exception:
        log.warning("could not list open multipart uploads (next sweep retries)", exc_info=True)
        return 0
    old = [(key, upload_id) for key, upload_id, initiated in uploads
           if initiated is not None and _aware(initiated) < cutoff]
    if not old:
        return 0
    with db.session() as session:
        live = clip_domain.live_upload_ids(session)
    aborted = 0
    for key, upload_id in old:
        if upload_id in live:
            continue
        try:
            store.abort_upload(key, upload_id)
            aborted += 1
            log.info("orphan multipart upload %s of %s aborted", upload_id, key)
        except Exception:
            log.warning("could not abort orphan upload %s of %s", upload_id, key, exc_info=True)
    return aborted


def _aware(moment):
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


# --- juries -------------------------------------------------------------------------------------
# Asked of quiz outside our database transactions: no transaction stays open while quiz answers.
def _jury(quiz, contest):
    """The contest's jury from quiz. A contest quiz does not know has nobody on its jury (a
    definite answer, not a guess). Quiz not answering raises UpstreamUnavailable."""
    try:
        return quiz.list_jury(contest)
    except NotFound:
        return []


def _juries(quiz, contests):
    return {code: _jury(quiz, code) for code in contests}


def _juries_or_none(quiz, contests):
    """For display only: None when quiz does not answer (progress and scores shown as unknown)."""
    try:
        return _juries(quiz, contests)
    except Exception:
        log.warning("quiz.list_jury failed; clip scores shown as unknown", exc_info=True)
        return None


def _contest_of(db, clip_id):
    with db.session() as session:
        return clip_domain.get(session, clip_id).contest


# --- reading ------------------------------------------------------------------------------------
def get_clip(db, store, quiz, actor, clip_id):
    juries = _juries_or_none(quiz, [_contest_of(db, clip_id)])
    with db.session() as session:
        return views.get_clip(session, actor, clip_id, _sign(store), juries)


def list_clips(db, store, quiz, actor, contest, status=None):
    require(actor, *STAFF_ROLES)
    clip_domain.check_contest(contest)
    juries = _juries_or_none(quiz, [contest])
    with db.session() as session:
        return views.list_clips(session, contest, _sign(store), juries, status, actor)


def judge_clips(db, store, quiz, actor, contest=None):
    """A judge's work list needs the juries for sure: which contests' clips they may score.
    Quiz not answering is UpstreamUnavailable (503), never a list of clips they cannot score."""
    require(actor, "judge")
    if contest:  # none: every contest
        clip_domain.check_contest(contest)
    with db.session() as session:
        contests = views.judge_contests(session, actor, contest)
    juries = _juries(quiz, contests)
    with db.session() as session:
        return views.judge_clips(session, actor, contest, _sign(store), juries)


def gallery(db, store, contest):
    clip_domain.check_contest(contest)
    with db.session() as session:
        return views.gallery(session, contest, _sign(store))


def clip_results(db, quiz, contest):
    """For awards: never a guess. Quiz not answering raises (awards answers 503 / retries)."""
    clip_domain.check_contest(contest)
    jury = _jury(quiz, contest)
    with db.session() as session:
        return judging.clip_results(session, contest, jury)


# --- judging and gallery ------------------------------------------------------------------------
def score_clip(db, quiz, actor, clip_id, scores):
    """Only a judge of the clip's contest jury scores it: quiz is asked first (503 when it does
    not answer; nobody's score is taken on a guess)."""
    require(actor, "judge")
    jury = _jury(quiz, _contest_of(db, clip_id))
    return db.run(judging.score_clip, actor, clip_id, scores, jury)


def publish_clip(db, store, actor, clip_id, published=True):
    with db.unit() as uow:
        clip = clip_domain.set_published(uow, actor, clip_id, published)
        return views.clip_out(clip, _sign(store))
