"""Nameko entrypoints of the media service: wiring only. The steps live in workflow.py, the rules
in domain/, the object store in storage.py, ffprobe/ffmpeg in probe.py."""
import urllib3
from nameko.rpc import rpc
from nameko.timer import timer

from common import audit, health
from common.errors import EXPECTED
from common.nameko_deps import RequestContext
from common import retry
from common.retry import reliable_handler
from common.upstream import Upstream
from common.uow import StoreProvider
from services.media import config, probe, workflow
from services.media.config import settings
from services.media.domain import judging
from services.media.models import AuditEntry, Outbox
from services.media.storage import ObjectStorage


class MediaService(retry.DeadLetterRpc):
    name = config.SERVICE_NAME

    db = StoreProvider(config.database_url, config.MIGRATIONS_DIR, Outbox, audit_model=AuditEntry)
    storage = ObjectStorage()
    ctx = RequestContext()
    quiz = Upstream("quiz", settings.rpc_timeout_s)

    @rpc
    def health(self):
        report = health.check(self.name, self.db)
        report["s3"] = self.storage.check()
        report["bucket"] = self.storage.bucket
        missing = probe.tools_missing()
        report["ffprobe"] = "ok" if not missing else f"error: {', '.join(missing)} missing"
        if report["s3"] != "ok" or missing:
            report["status"] = "degraded"
        return report

    # audit log (SPEC 6): read by the gateway from every service that keeps one
    @rpc(expected_exceptions=EXPECTED)
    def audit_log(self, actor, filters=None):
        return self.db.read(audit.list_entries, self.name, AuditEntry, actor, filters)

    @rpc(expected_exceptions=EXPECTED)
    def audit_verify(self, actor):
        return self.db.read(audit.verify, self.name, AuditEntry, actor)

    # --- upload (organizer, expert) ---
    @rpc(expected_exceptions=EXPECTED)
    def create_clip(self, actor, contest, data):
        return workflow.create_clip(self.db, self.storage, self.quiz, actor, contest, data)

    @rpc(expected_exceptions=EXPECTED)
    def complete_clip(self, actor, clip_id, parts):
        return workflow.complete_clip(self.db, self.storage, actor, clip_id, parts)

    @rpc(expected_exceptions=EXPECTED)
    def restart_upload(self, actor, clip_id, data):
        return workflow.restart_upload(self.db, self.storage, actor, clip_id, data)

    @rpc(expected_exceptions=EXPECTED)
    def delete_upload(self, actor, clip_id):
        return workflow.delete_upload(self.db, self.storage, actor, clip_id)

    # --- probing: off the request path, on our own event (retried with backoff, common/retry.py) ---
    # The object store unreachable is not the clip's fault: retried without limit, never dead-lettered.
    @reliable_handler(config.SERVICE_NAME, "clip_uploaded", transient=(urllib3.exceptions.HTTPError,))
    def on_clip_uploaded(self, payload):
        clip_id = payload.get("clip_id") if isinstance(payload, dict) else None
        if clip_id:
            workflow.probe_clip(self.db, self.storage, clip_id)

    # --- scores become final when the video award set is approved, open again if it is revoked (SPEC 5) ---
    @reliable_handler("awards", "award_set_approved")
    def on_award_set_approved(self, payload):
        self.db.run(judging.lock_scores, payload)

    @reliable_handler("awards", "award_set_revoked")
    def on_award_set_revoked(self, payload):
        self.db.run(judging.unlock_scores, payload)

    # --- housekeeping ---
    @timer(interval=settings.clip_sweep_interval_s)
    def relay(self):
        self.db.relay()

    @timer(interval=settings.clip_sweep_interval_s)
    def sweep(self):
        return workflow.sweep(self.db, self.storage)

    # --- reading ---
    @rpc(expected_exceptions=EXPECTED)
    def get_clip(self, actor, clip_id):
        return workflow.get_clip(self.db, self.storage, self.quiz, actor, clip_id)

    @rpc(expected_exceptions=EXPECTED)
    def list_clips(self, actor, contest, status=None):
        return workflow.list_clips(self.db, self.storage, self.quiz, actor, contest, status)

    @rpc(expected_exceptions=EXPECTED)
    def list_judge_clips(self, actor, contest=None):
        return workflow.judge_clips(self.db, self.storage, self.quiz, actor, contest)

    @rpc(expected_exceptions=EXPECTED)
    def gallery(self, contest):
        return workflow.gallery(self.db, self.storage, contest)

    @rpc(expected_exceptions=EXPECTED)
    def list_clip_results(self, contest):
        return workflow.clip_results(self.db, self.quiz, contest)

    # --- judging, gallery ---
    @rpc(expected_exceptions=EXPECTED)
    def score_clip(self, actor, clip_id, scores):
        return workflow.score_clip(self.db, self.quiz, actor, clip_id, scores)

    @rpc(expected_exceptions=EXPECTED)
    def get_rubric(self, contest):
        return self.db.read(judging.rubric_out, contest)

    @rpc(expected_exceptions=EXPECTED)
    def set_rubric(self, actor, contest, maxima):
        return self.db.run(judging.set_rubric, actor, contest, maxima)

    @rpc(expected_exceptions=EXPECTED)
    def publish_clip(self, actor, clip_id, published=True):
        return workflow.publish_clip(self.db, self.storage, actor, clip_id, published)
