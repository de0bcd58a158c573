"""Nameko entrypoints of the media service: wiring only. The steps live in workflow.py, the logic
in domain/, the object store in storage.py, ffprobe/ffmpeg in probe.py."""
from nameko.events import EventDispatcher, event_handler
from nameko.rpc import RpcProxy, rpc
from nameko.timer import timer

from common import health
from common.errors import EXPECTED
from common.nameko_deps import DatabaseProvider, RequestContext
from services.media import config, probe, quiz_client, workflow
from services.media.domain import judging
from services.media.storage import ObjectStorage


class QuizLookups:
    """What media asks quiz, each call with a deadline (see quiz_client)."""

    def __init__(self, proxy):
        self.proxy = proxy

    def list_units(self):
        return quiz_client.call(self.proxy.list_units)

    def get_contest(self, code):
        return quiz_client.call(self.proxy.get_contest, code)

    def jury(self, contest):
        """The contest's jury `[{id, full_name, unit_code}]` (every judge when none was named)."""
        return quiz_client.call(self.proxy.list_jury, contest)


class MediaService:
    name = config.SERVICE_NAME

    db = DatabaseProvider(config.database_url, config.MIGRATIONS_DIR)
    storage = ObjectStorage()
    ctx = RequestContext()
    dispatch = EventDispatcher()
    quiz_rpc = RpcProxy("quiz")

    @property
    def quiz(self):
        return QuizLookups(self.quiz_rpc)

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

    # --- upload (organizer, expert) ---
    @rpc(expected_exceptions=EXPECTED)
    def create_clip(self, actor, contest, data):
        return workflow.create_clip(self.db, self.storage, self.quiz, actor, contest, data)

    @rpc(expected_exceptions=EXPECTED)
    def complete_clip(self, actor, clip_id, parts):
        return workflow.complete_clip(self.db, self.storage, self.dispatch, actor, clip_id, parts)

    # --- probing: off the request path, on our own event (requeued on any failure) ---
    @event_handler(config.SERVICE_NAME, "clip_uploaded", requeue_on_error=True)
    def on_clip_uploaded(self, payload):
        clip_id = payload.get("clip_id") if isinstance(payload, dict) else None
        if clip_id:
            workflow.probe_clip(self.db, self.storage, self.dispatch, clip_id)

    @timer(interval=config.CLIP_SWEEP_INTERVAL_S)
    def sweep(self):
        workflow.sweep(self.db, self.storage, self.dispatch)

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
        return workflow.score_clip(self.db, self.dispatch, self.quiz, actor, clip_id, scores)

    @rpc(expected_exceptions=EXPECTED)
    def get_rubric(self, contest):
        with self.db.session() as session:
            return judging.rubric_out(session, contest)

    @rpc(expected_exceptions=EXPECTED)
    def set_rubric(self, actor, contest, maxima):
        with self.db.session() as session:
            return judging.set_rubric(session, actor, contest, maxima)

    @rpc(expected_exceptions=EXPECTED)
    def publish_clip(self, actor, clip_id, published=True):
        return workflow.publish_clip(self.db, self.storage, actor, clip_id, published)
