"""Media service skeleton: the clips bucket is created at start, stays private, and `health`
reports whether the object store is reachable."""
import time

import pytest
from minio.error import S3Error
from nameko.standalone.rpc import ServiceRpcProxy

from services.media import config
from services.media.service import MediaService
from services.media.storage import ObjectStorage, ObjectStore
from tests import s3


@pytest.fixture(scope="module")
def moto():
    proc, endpoint = s3.start_moto()
    yield endpoint
    s3.stop(proc)


def media_service(endpoint, bucket):
    class Media(MediaService):
        storage = ObjectStorage(factory=lambda: ObjectStore(bucket=bucket, endpoint=endpoint, timeout_s=1))

    return Media


def wait_for(predicate, timeout_s=15):
    deadline = time.monotonic() + timeout_s
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.1)


def test_bucket_created_at_start_and_private(container_factory, rabbit_config, sqlite_url, monkeypatch, moto):
    monkeypatch.setenv("MEDIA_DATABASE_URL", sqlite_url)
    store = ObjectStore(bucket="clips-start", endpoint=moto)
    assert not store.client.bucket_exists("clips-start")

    container = container_factory(media_service(moto, "clips-start"), rabbit_config)
    container.start()

    wait_for(lambda: store.client.bucket_exists("clips-start"))
    # Private: no bucket policy at all (anonymous reads would need one).
    with pytest.raises(S3Error) as err:
        store.client.get_bucket_policy("clips-start")
    assert err.value.code == "NoSuchBucketPolicy"

    with ServiceRpcProxy("media", rabbit_config) as media:
        report = media.health()
    assert report["service"] == "media"
    assert report["s3"] == "ok"
    assert report["database"] == "ok"
    assert report["status"] == "ok"
    assert report["bucket"] == "clips-start"


def test_ensure_bucket_is_idempotent(moto):
    one = ObjectStore(bucket="clips-twice", endpoint=moto)
    two = ObjectStore(bucket="clips-twice", endpoint=moto)
    one.ensure_bucket()
    two.ensure_bucket()  # a second instance starting later must not fail
    assert one.client.bucket_exists("clips-twice")


def test_health_reports_unreachable_store(container_factory, rabbit_config, sqlite_url, monkeypatch):
    monkeypatch.setenv("MEDIA_DATABASE_URL", sqlite_url)
    monkeypatch.setattr(config.settings, "s3_startup_wait_s", 0)
    dead = f"127.0.0.1:{s3.free_port()}"  # nothing listens there
    container = container_factory(media_service(dead, "clips-down"), rabbit_config)
    container.start()

    with ServiceRpcProxy("media", rabbit_config) as media:
        report = media.health()
    assert report["s3"].startswith("error")
    assert report["status"] == "degraded"
    assert report["database"] == "ok"


def test_health_recovers_when_store_comes_back(container_factory, rabbit_config, sqlite_url, monkeypatch):
    monkeypatch.setenv("MEDIA_DATABASE_URL", sqlite_url)
    monkeypatch.setattr(config.settings, "s3_startup_wait_s", 0)
    port = s3.free_port()
    container = container_factory(media_service(f"127.0.0.1:{port}", "clips-late"), rabbit_config)
    container.start()

    with ServiceRpcProxy("media", rabbit_config) as media:
        assert media.health()["s3"].startswith("error")
        proc, endpoint = s3.start_moto(port)
        try:
            report = media.health()
            assert report["s3"] == "ok"
            assert ObjectStore(bucket="clips-late", endpoint=endpoint).client.bucket_exists("clips-late")
        finally:
            s3.stop(proc)
