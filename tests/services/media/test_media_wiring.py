"""The media service in a real nameko container on a throwaway vhost: RPC from outside, the probe
running in its own `clip_uploaded` handler off the request path, quiz answered by a stand-in
service over real RPC."""
import time

import pytest
from nameko.rpc import rpc
from nameko.standalone.rpc import ServiceRpcProxy

from services.media.service import MediaService
from services.media.storage import ObjectStorage, ObjectStore
from tests.services.media.conftest import CONTEST, JUDGES, ORG, UNITS, form, judge, put_parts


class FakeQuizService:
    name = "quiz"

    @rpc
    def list_units(self):
        return UNITS

    @rpc
    def get_contest(self, code):
        return {"code": code, "title": "Hội thi thử", "settings": {}, "rounds": []}

    @rpc
    def list_jury(self, contest):
        return JUDGES  # no jury named: every judge


def wait_for(check, timeout_s=30):
    deadline = time.monotonic() + timeout_s
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.2)


@pytest.fixture
def running(container_factory, rabbit_config, db_url, moto, monkeypatch):
    monkeypatch.setenv("MEDIA_DATABASE_URL", db_url)
    bucket = f"clips-wiring-{int(time.time() * 1000) % 10 ** 8}"

    class Media(MediaService):
        storage = ObjectStorage(factory=lambda: ObjectStore(bucket=bucket, endpoint=moto, public_endpoint=moto))

    for cls in (FakeQuizService, Media):
        container_factory(cls, rabbit_config).start()
    with ServiceRpcProxy("media", rabbit_config) as media:
        wait_for(lambda: media.health()["s3"] == "ok")
        yield media


def test_upload_complete_probe_score_over_rabbitmq(running, videos):
    media = running
    created = media.create_clip(ORG, CONTEST, form(videos["ok"]))
    parts = put_parts(created["upload"], videos["ok"])
    assert media.complete_clip(ORG, created["clip_id"], parts)["status"] == "processing"
    clip = wait_for(lambda: (c := media.get_clip(ORG, created["clip_id"]))["status"] != "processing" and c)
    assert clip["status"] == "accepted" and clip["duration_s"] == pytest.approx(4.0, abs=0.05)

    for j in JUDGES:
        if j["unit_code"] != "SNV":
            media.score_clip(judge(j["id"]), clip["clip_id"], {"content": 30, "message": 15,
                                                              "creativity": 15, "technique": 10})
    results = media.list_clip_results(CONTEST)
    assert results["complete"] is True and results["clips"][0]["score"] == 70


def test_rejection_over_rabbitmq(running, videos):
    media = running
    created = media.create_clip(ORG, CONTEST, form(videos["text"]))
    media.complete_clip(ORG, created["clip_id"], put_parts(created["upload"], videos["text"]))
    clip = wait_for(lambda: (c := media.get_clip(ORG, created["clip_id"]))["status"] != "processing" and c)
    assert clip["status"] == "rejected" and "không phải là video" in clip["reject_reason"]
