"""Media service skeleton: the clips bucket is created at start, stays private, carries the
portal's CORS rules, and `health` reports whether the object store is reachable."""
import logging
import time

import httpx
import pytest
import urllib3
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


def test_bucket_cors_lets_the_portal_upload_and_read_etags(moto, monkeypatch):
    """Browsers PUT the parts to the store and read each answer's ETag: the bucket's CORS rules,
    which moto (MOTO_DISABLE_GLOBAL_CORS, tests/s3.py) applies as S3 does, must allow it."""
    portal = "http://cong-thi.example:8000"
    monkeypatch.setattr(config.settings, "s3_cors_origins", f"{portal},http://localhost:8000")
    store = ObjectStore(bucket="clips-cors", endpoint=moto, public_endpoint=moto)
    store.ensure_bucket()
    upload_id = store.start_upload("clips/a.mp4", "video/mp4")
    url = store.part_urls("clips/a.mp4", upload_id, 1, 300)[0]["url"]

    preflight = httpx.options(url, headers={"Origin": portal, "Access-Control-Request-Method": "PUT",
                                            "Access-Control-Request-Headers": "content-type"})
    assert preflight.status_code == 200, preflight.text
    assert preflight.headers["access-control-allow-origin"] == portal
    assert "PUT" in preflight.headers["access-control-allow-methods"]
    assert preflight.headers["access-control-max-age"] == str(config.settings.s3_cors_max_age_s)
    resp = httpx.put(url, content=b"x" * 10, headers={"Origin": portal})
    assert resp.status_code == 200, resp.text
    assert resp.headers["access-control-allow-origin"] == portal
    assert resp.headers["access-control-expose-headers"] == "ETag"
    other = httpx.options(url, headers={"Origin": "http://trang-khac.example",
                                        "Access-Control-Request-Method": "PUT"})
    assert "access-control-allow-origin" not in other.headers
    store.abort_upload("clips/a.mp4", upload_id)


def _refuse_cors(store, monkeypatch, code, status):
    """The store answers PutBucketCors with `code` (MinIO: 501 NotImplemented)."""
    real = store.client._execute

    def execute(method, bucket_name=None, **kwargs):
        if "cors" in (kwargs.get("query_params") or {}):
            raise S3Error(urllib3.HTTPResponse(status=status), code, "refused by the test", f"/{bucket_name}",
                          "req-1", "host-1", bucket_name=bucket_name)
        return real(method, bucket_name, **kwargs)

    monkeypatch.setattr(store.client, "_execute", execute)


def test_store_without_bucket_cors_is_logged_and_tolerated(moto, monkeypatch, caplog):
    store = ObjectStore(bucket="clips-minio-like", endpoint=moto)
    _refuse_cors(store, monkeypatch, "NotImplemented", 501)
    with caplog.at_level(logging.INFO, logger="services.media.storage"):
        store.ensure_bucket()
    assert store.bucket_ready
    assert "no per-bucket CORS" in caplog.text
    assert store.check() == "ok"


def test_other_cors_refusals_are_errors(moto, monkeypatch):
    store = ObjectStore(bucket="clips-cors-denied", endpoint=moto)
    _refuse_cors(store, monkeypatch, "AccessDenied", 403)
    with pytest.raises(S3Error):
        store.ensure_bucket()
    assert not store.bucket_ready
    assert store.check() == "error: S3Error"  # health says so; the start-up loop keeps retrying


def test_cors_origins_none_leaves_the_bucket_alone(moto, monkeypatch):
    monkeypatch.setattr(config.settings, "s3_cors_origins", "none")
    store = ObjectStore(bucket="clips-no-cors", endpoint=moto)
    _refuse_cors(store, monkeypatch, "AccessDenied", 403)  # would fail if it were called
    store.ensure_bucket()
    assert store.bucket_ready


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
