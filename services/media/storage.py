"""Object storage of the clips: a MinIO/S3 client and the nameko dependency that owns it.

The bucket stays private: browsers only ever get presigned URLs (signed for S3_PUBLIC_ENDPOINT), so
no bucket policy is ever set here.
"""
import datetime as dt
import io
import logging
import time
from xml.sax.saxutils import escape

import urllib3
from minio import Minio
from minio.datatypes import Part
from minio.error import S3Error
from minio.helpers import md5sum_hash
from nameko.extensions import DependencyProvider

from common import prod_secrets
from services.media import config

log = logging.getLogger(__name__)


def make_client(endpoint, timeout_s, secure=None):
    # Short timeouts and a single retry: `health` must answer within the gateway's RPC timeout even
    # when the object store is gone (minio's default client retries for a long time).
    http = urllib3.PoolManager(
        timeout=urllib3.Timeout(connect=timeout_s, read=timeout_s),
        retries=urllib3.Retry(total=1, backoff_factor=0.2, status_forcelist=(500, 502, 503, 504)),
        maxsize=10,
    )
    return Minio(
        endpoint,
        access_key=config.settings.s3_access_key,
        secret_key=config.settings.s3_secret_key,
        secure=config.settings.s3_secure if secure is None else secure,
        # A fixed region spares a GetBucketLocation round trip and lets URLs be signed offline.
        region=config.settings.s3_region,
        http_client=http,
    )


class ObjectStore:
    """The clips bucket: `client` talks to S3, `public_client` only signs URLs for browsers."""

    def __init__(self, bucket=None, endpoint=None, public_endpoint=None, timeout_s=None):
        self.bucket = bucket or config.settings.s3_bucket
        timeout_s = config.settings.s3_timeout_s if timeout_s is None else timeout_s
        self.client = make_client(endpoint or config.settings.s3_endpoint, timeout_s)
        # Only signs (never connects): https when browsers reach the store through a TLS proxy.
        self.public_client = make_client(public_endpoint or config.settings.s3_public_endpoint, timeout_s,
                                         secure=config.settings.s3_public_secure)
        # Joining the parts of a big upload can take the store a while (it answers when done).
        self.slow_client = make_client(endpoint or config.settings.s3_endpoint,
                                       max(timeout_s, config.settings.s3_complete_timeout_s))
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
        self.set_cors()
        self.bucket_ready = True

    def set_cors(self, origins=None):
        """Let the portal's pages upload parts and read clips: the bucket's CORS configuration.

        Browsers PUT the parts straight to the store and must read each answer's ETag (the upload
        completes with them), so ETag is exposed. MinIO does not implement PutBucketCors (its own
        server-wide CORS allows every origin and exposes ETag): that answer is logged, not an error.
        Returns True if the configuration was set.
        """
        origins = config.settings.cors_origins if origins is None else origins
        if not origins:
            return False
        rule = "".join(f"<AllowedOrigin>{escape(o)}</AllowedOrigin>" for o in origins)
        rule += "".join(f"<AllowedMethod>{m}</AllowedMethod>" for m in ("GET", "PUT", "HEAD"))
        rule += ("<AllowedHeader>*</AllowedHeader><ExposeHeader>ETag</ExposeHeader>"
                 f"<MaxAgeSeconds>{int(config.settings.s3_cors_max_age_s)}</MaxAgeSeconds>")
        body = ('<CORSConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
                f"<CORSRule>{rule}</CORSRule></CORSConfiguration>").encode()
        try:
            # The SDK has no PutBucketCors (MinIO lacks it); its request layer signs this one.
            self.client._execute("PUT", self.bucket, body=body, headers={"Content-MD5": md5sum_hash(body)},
                                 query_params={"cors": ""})
        except S3Error as exc:
            if exc.code != "NotImplemented":
                raise
            log.info("object store has no per-bucket CORS (%s); relying on its own CORS settings", exc.code)
            return False
        log.info("bucket %s: CORS for %s", self.bucket, ", ".join(origins))
        return True

    def wait_ready(self, wait_s):
        """At start: try to ensure the bucket for up to `wait_s` seconds, then give up quietly.

        The object store may start after us (make run's supervisord, compose without health ordering); the
        service still starts and `health` keeps retrying and reports the store as down meanwhile.
        """
        deadline = time.monotonic() + wait_s
        while True:
            try:
                self.ensure_bucket()
                return True
            except Exception as exc:
                if time.monotonic() >= deadline:
                    log.error("object store %s unreachable at start: %s", config.settings.s3_endpoint, exc)
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


    # --- clips: presigned multipart upload -------------------------------------------------
    # The SDK's public API has no presigned UploadPart: the upload is created with the SDK's
    # (underscore) multipart calls, and each part URL is an ordinary presigned PUT whose signature
    # also covers the `uploadId` and `partNumber` query parameters.

    def start_upload(self, key, content_type):
        """Create the multipart upload; returns its upload id."""
        return self.client._create_multipart_upload(self.bucket, key, {"Content-Type": content_type})

    def part_urls(self, key, upload_id, count, expires_s):
        """Presigned PUT URLs, signed for the host browsers use (S3_PUBLIC_ENDPOINT)."""
        expires = dt.timedelta(seconds=min(expires_s, 7 * 24 * 3600))  # SigV4 allows 7 days at most
        return [
            {"part_number": n,
             "url": self.public_client.get_presigned_url(
                 "PUT", self.bucket, key, expires,
                 extra_query_params={"uploadId": upload_id, "partNumber": str(n)})}
            for n in range(1, count + 1)
        ]

    def uploaded_parts(self, key, upload_id):
        """{part_number: (etag, size)} of the parts the store holds for an upload.

        Raises S3Error NoSuchUpload when the upload was completed or aborted.
        """
        parts, marker = {}, None
        while True:
            result = self.client._list_parts(self.bucket, key, upload_id, max_parts=1000,
                                             part_number_marker=marker)
            for part in result.parts:
                parts[part.part_number] = (part.etag, part.size)
            if not result.is_truncated or not result.next_part_number_marker:
                return parts
            marker = result.next_part_number_marker

    def complete_upload(self, key, upload_id, parts):
        """Join the parts `[(part_number, etag)]`. Raises S3Error (code InvalidPart, NoSuchUpload...)."""
        ordered = [Part(int(n), etag) for n, etag in sorted(parts)]
        self.slow_client._complete_multipart_upload(self.bucket, key, upload_id, ordered)

    def abort_upload(self, key, upload_id):
        """Abort a multipart upload; one already gone is fine."""
        try:
            self.client._abort_multipart_upload(self.bucket, key, upload_id)
        except S3Error as exc:
            if exc.code != "NoSuchUpload":
                raise

    def open_uploads(self, prefix):
        """[(key, upload_id, initiated_at)] of the multipart uploads still open under `prefix`."""
        found, key_marker, id_marker = [], None, None
        while True:
            result = self.client._list_multipart_uploads(self.bucket, prefix=prefix, max_uploads=1000,
                                                         key_marker=key_marker, upload_id_marker=id_marker)
            found += [(u.object_name, u.upload_id, u.initiated_time) for u in result.uploads]
            if not result.is_truncated or not (result.next_key_marker or result.next_upload_id_marker):
                return found
            key_marker, id_marker = result.next_key_marker, result.next_upload_id_marker

    # --- objects ------------------------------------------------------------------------------
    def size_of(self, key):
        """The stored object's size in bytes, None if there is no such object.

        Any other failure (store unreachable) raises: the caller must not take it for "missing".
        """
        try:
            return self.client.stat_object(self.bucket, key).size
        except S3Error as exc:
            if exc.code in ("NoSuchKey", "NoSuchObject", "ResourceNotFound"):
                return None
            raise

    def put_bytes(self, key, data, content_type):
        self.client.put_object(self.bucket, key, io.BytesIO(data), len(data), content_type=content_type)

    def remove(self, key):
        self.client.remove_object(self.bucket, key)

    def internal_url(self, key, expires_s=3600):
        """A presigned GET for our own tools (ffprobe), on the endpoint the service reaches."""
        return self.client.presigned_get_object(self.bucket, key, dt.timedelta(seconds=expires_s))

    def browser_url(self, key, expires_s):
        """A presigned GET for browsers (playback with Range requests, thumbnails)."""
        expires = dt.timedelta(seconds=min(expires_s, 7 * 24 * 3600))
        return self.public_client.presigned_get_object(self.bucket, key, expires)


class ObjectStorage(DependencyProvider):
    """Gives each worker the service's ObjectStore; ensures the bucket when the container starts."""

    def __init__(self, factory=ObjectStore):
        self.factory = factory
        self.store = None

    def setup(self):
        prod_secrets.refuse_in_production("the object store's secret key", prod_secrets.problems(
            secrets=[("S3_SECRET_KEY", config.settings.s3_secret_key)]))
        self.store = self.factory()

    def start(self):
        # In the background, so that RPC (and `health`, which reports the store) answers at once.
        self.container.spawn_managed_thread(lambda: self.store.wait_ready(config.settings.s3_startup_wait_s))

    def get_dependency(self, worker_ctx):
        return self.store
