"""Object storage of the clips: a MinIO/S3 client and the nameko dependency that owns it.

The bucket stays private: browsers only ever get presigned URLs (signed for S3_PUBLIC_ENDPOINT), so
no bucket policy is ever set here.
"""
import logging
import time

import urllib3
from minio import Minio
from nameko.extensions import DependencyProvider

from services.media import config

log = logging.getLogger(__name__)


def make_client(endpoint, timeout_s):
    # Short timeouts and a single retry: `health` must answer within the gateway's RPC timeout even
    # when the object store is gone (minio's default client retries for a long time).
    http = urllib3.PoolManager(
        timeout=urllib3.Timeout(connect=timeout_s, read=timeout_s),
        retries=urllib3.Retry(total=1, backoff_factor=0.2, status_forcelist=(500, 502, 503, 504)),
        maxsize=10,
    )
    return Minio(
        endpoint,
        access_key=config.S3_ACCESS_KEY,
        secret_key=config.S3_SECRET_KEY,
        secure=config.S3_SECURE,
        # A fixed region spares a GetBucketLocation round trip and lets URLs be signed offline.
        region=config.S3_REGION,
        http_client=http,
    )


class ObjectStore:
    """The clips bucket: `client` talks to S3, `public_client` only signs URLs for browsers."""

    def __init__(self, bucket=None, endpoint=None, public_endpoint=None, timeout_s=None):
        self.bucket = bucket or config.S3_BUCKET
        timeout_s = config.S3_TIMEOUT_S if timeout_s is None else timeout_s
        self.client = make_client(endpoint or config.S3_ENDPOINT, timeout_s)
        self.public_client = make_client(public_endpoint or config.S3_PUBLIC_ENDPOINT, timeout_s)
        self.bucket_ready = False

    def ensure_bucket(self):
        """Create the bucket if missing (idempotent; several instances may race)."""
        if not self.client.bucket_exists(self.bucket):
            try:
                self.client.make_bucket(self.bucket)
                log.info("created bucket %s", self.bucket)
            except Exception as exc:
                # Another instance created it between our check and our call.
                if getattr(exc, "code", None) not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                    raise
        self.bucket_ready = True

    def wait_ready(self, wait_s):
        """At start: try to ensure the bucket for up to `wait_s` seconds, then give up quietly.

        The object store may start after us (honcho, compose without health ordering); the
        service still starts and `health` keeps retrying and reports the store as down meanwhile.
        """
        deadline = time.monotonic() + wait_s
        while True:
            try:
                self.ensure_bucket()
                return True
            except Exception as exc:
                if time.monotonic() >= deadline:
                    log.error("object store %s unreachable at start: %s", config.S3_ENDPOINT, exc)
                    return False
                time.sleep(1)

    def check(self):
        """'ok' or 'error: <reason>' for the health report; creates the bucket if still missing."""
        try:
            if not self.bucket_ready:
                self.ensure_bucket()
            elif not self.client.bucket_exists(self.bucket):
                self.bucket_ready = False
                return "error: bucket_missing"
            return "ok"
        except Exception as exc:  # report, don't raise: health must answer
            return f"error: {type(exc).__name__}"


class ObjectStorage(DependencyProvider):
    """Gives each worker the service's ObjectStore; ensures the bucket when the container starts."""

    def __init__(self, factory=ObjectStore):
        self.factory = factory
        self.store = None

    def setup(self):
        self.store = self.factory()

    def start(self):
        # In the background, so that RPC (and `health`, which reports the store) answers at once.
        self.container.spawn_managed_thread(lambda: self.store.wait_ready(config.S3_STARTUP_WAIT_S))

    def get_dependency(self, worker_ctx):
        return self.store
