"""Fixtures of the media tests: a migrated database (SQLite and PostgreSQL), moto's S3 server (behind
the SigV4-checking proxy), real video files made by ffmpeg at test time, and a MediaService worker
(nameko's worker_factory) whose
quiz answers come from a plain fake behind the real upstream client (common/upstream.py)."""
import os
import subprocess
import uuid
from unittest import mock

import httpx
import pytest

from common.db import Database
from common.errors import NotFound
from common.outbox import EventOutbox
from common.upstream import Client
from common.uow import Store
from services.media import config, probe
from services.media.models import AuditEntry, Outbox
from services.media.service import MediaService
from services.media.storage import ObjectStore
from tests import s3

ORG = {"id": "org-1", "role": "organizer", "unit_code": None}
EXPERT = {"id": "exp-1", "role": "expert", "unit_code": "SNV"}
JUDGES = [
    {"id": "j-snv", "full_name": "Giám khảo Sở Nội vụ", "unit_code": "SNV"},
    {"id": "j-stp", "full_name": "Giám khảo Sở Tư pháp", "unit_code": "STP"},
    {"id": "j-free", "full_name": "Giám khảo khách mời", "unit_code": None},
]
UNITS = [{"code": c, "name": c, "kind": None, "parent_code": None, "headcount": 10} for c in ("SNV", "STP", "UBND-HUE")]
CONTEST = "cchc-test"


def judge(judge_id):
    j = next(j for j in JUDGES if j["id"] == judge_id)
    return {"id": j["id"], "role": "judge", "unit_code": j["unit_code"]}


def ffmpeg(*args):
    subprocess.run([probe.ffmpeg_bin(), "-v", "error", "-y", *args], check=True, timeout=120)


@pytest.fixture(scope="session")
def videos(tmp_path_factory):
    """Real files: a 4 s H.264 MP4, a 301 s one (tiny, 1 fps), audio only, a text file named .mp4."""
    d = tmp_path_factory.mktemp("videos")
    paths = {k: str(d / f"{k}.{ext}") for k, ext in
             (("ok", "mp4"), ("long", "mp4"), ("audio", "mp4"), ("text", "mp4"), ("webm", "webm"))}
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=320x240:rate=25", "-t", "4", "-c:v", "libx264",
           "-pix_fmt", "yuv420p", "-preset", "ultrafast", paths["ok"])
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=32x24:rate=1", "-t", "301", "-c:v", "libx264",
           "-pix_fmt", "yuv420p", "-preset", "ultrafast", paths["long"])
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:duration=3", "-c:a", "aac", paths["audio"])
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=160x120:rate=10", "-t", "2", "-c:v", "libvpx", paths["webm"])
    with open(paths["text"], "w", encoding="utf-8") as fh:
        fh.write("Đây là một tệp văn bản, không phải video.\n" * 50)
    return paths


@pytest.fixture(scope="session")
def moto():
    """host:port of moto's S3 server behind the signature-checking proxy (tests/s3verify.py): the
    service's own calls and the URLs it signs (parts, playback, ffprobe's) must be signed right."""
    store = s3.start_store()
    yield store.endpoint
    store.stop()


@pytest.fixture
def store(moto):
    st = ObjectStore(bucket=f"clips-{uuid.uuid4().hex[:12]}", endpoint=moto, public_endpoint=moto)
    st.ensure_bucket()
    return st


@pytest.fixture
def db(db_url):
    """The service's store on a migrated database; `db.dispatch` records the published events."""
    store = Store(Database(db_url, config.MIGRATIONS_DIR), EventOutbox(Outbox), mock.Mock(), AuditEntry)
    yield store
    store.database.dispose()


class FakeQuiz:
    """Stands in for the quiz service (list_units, get_contest, list_jury); its errors are the ones
    common/upstream.py hands over (common.errors classes; anything else becomes UpstreamUnavailable).

    `judges` is every judge of the platform (a contest's jury until one is named); `juries`
    {contest: [judge]} are the named ones. Contests other than KNOWN_CONTESTS do not exist.
    """

    KNOWN_CONTESTS = (CONTEST, "other-contest")

    def __init__(self):
        self.judges = list(JUDGES)
        self.juries = {}
        self.down = False

    def _check(self):
        if self.down:
            raise ConnectionError("quiz is down")

    def list_units(self):
        self._check()
        return UNITS

    def get_contest(self, code):
        self._check()
        if code != CONTEST:
            raise NotFound("contest_not_found")
        return {"code": code, "title": "Hội thi thử", "settings": {}, "rounds": []}

    def list_jury(self, contest):
        self._check()
        if contest not in self.KNOWN_CONTESTS:
            raise NotFound("contest_not_found")
        return self.juries.get(contest, self.judges)


@pytest.fixture
def quiz():
    return FakeQuiz()


def worker(db, store, quiz):
    """A MediaService worker (nameko's worker_factory) on these dependencies."""
    from nameko.testing.services import worker_factory

    return worker_factory(MediaService, db=db, storage=store, quiz=Client("quiz", quiz, timeout_s=5))


@pytest.fixture
def service(db, store, quiz):
    """A MediaService worker with a real database and object store; `db.dispatch` records events."""
    return worker(db, store, quiz)


def events(service, event_type=None):
    return [c.args for c in service.db.dispatch.call_args_list if event_type is None or c.args[0] == event_type]


def audit(db):
    """The audit log, oldest first: [(actor_id, action, target, before, after)]."""
    from sqlalchemy import select

    with db.session() as session:
        return [(e.actor_id, e.action, e.target, e.before, e.after)
                for e in session.scalars(select(AuditEntry).order_by(AuditEntry.seq))]


def pending_outbox(db):
    """Outbox rows not published yet (the marks of what was published are flushed first)."""
    from sqlalchemy import select

    db.flush_marks()
    with db.session() as session:
        return session.scalars(select(Outbox).where(Outbox.published_at.is_(None))).all()


def form(path=None, **overrides):
    size = os.path.getsize(path) if path else 1000
    data = {"unit_code": "SNV", "title": "Cải cách hành chính ở phường Phú Hội", "category": "phóng sự",
            "filename": os.path.basename(path) if path else "clip.mp4", "size_bytes": size,
            "content_type": "video/mp4"}
    data.update(overrides)
    return data


def put_parts(upload, path):
    """PUT the file's parts to their presigned URLs as a browser would; returns [{part_number, etag}]."""
    parts = []
    with open(path, "rb") as fh:
        for part in upload["parts"]:
            chunk = fh.read(upload["part_size"])
            resp = httpx.put(part["url"], content=chunk, timeout=60)
            assert resp.status_code == 200, resp.text
            parts.append({"part_number": part["part_number"], "etag": resp.headers["ETag"]})
    return parts


def upload(service, path, content_type="video/mp4", actor=ORG, **overrides):
    """create → PUT parts → complete; returns the clip id (status `processing`)."""
    created = service.create_clip(actor, CONTEST, form(path, content_type=content_type, **overrides))
    parts = put_parts(created["upload"], path)
    assert service.complete_clip(actor, created["clip_id"], parts) == {"clip_id": created["clip_id"],
                                                                      "status": "processing"}
    return created["clip_id"]


def probe_now(service, clip_id):
    """Run the `clip_uploaded` handler as the broker would deliver it."""
    service.on_clip_uploaded({"clip_id": clip_id, "contest": CONTEST})
    return service.get_clip(ORG, clip_id)
