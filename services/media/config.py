"""Settings of the media service (environment variables, defaults documented in README)."""
import os

from common import settings
from common.settings import env, env_bool, env_float

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
# How long the service waits at start for the object store before it starts anyway (and retries later).
S3_STARTUP_WAIT_S = env_float("S3_STARTUP_WAIT_S", 30.0)
# Socket timeout of one S3 request, so that health answers within the gateway's RPC timeout.
S3_TIMEOUT_S = env_float("S3_TIMEOUT_S", 3.0)


def database_url():
    return settings.database_url(SERVICE_NAME)
