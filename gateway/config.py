"""Gateway configuration: environment variables, each with one default (listed in the README)."""
import ipaddress
import logging

from common import settings
from common.settings import env, env_float, env_int

log = logging.getLogger(__name__)

AMQP_URI = settings.AMQP_URI
APP_ENV = settings.APP_ENV
# Seconds a call to a service may take before the gateway answers 503.
RPC_TIMEOUT_S = env_float("RPC_TIMEOUT_S", 10)
# Starting and submitting an attempt: the calls a round's opening and its deadline rush queue up by
# the thousand. The queue absorbs the spike, so these wait longer than other calls instead of
# answering 503 for work that is queued and will be done (a start retried after a 503 would meet
# its own attempt as `attempt_in_progress`). Default: 3 × RPC_TIMEOUT_S.
RUSH_RPC_TIMEOUT_S = env_float("RUSH_RPC_TIMEOUT_S", 3 * RPC_TIMEOUT_S)
# Starts and submits that arrive while RPC_BATCH_MAX_IN_FLIGHT batches are on their way leave
# together, up to RPC_BATCH_MAX_ITEMS in one message (gateway/batching.py); 1 turns coalescing off.
RPC_BATCH_MAX_ITEMS = env_int("RPC_BATCH_MAX_ITEMS", 32)
RPC_BATCH_MAX_IN_FLIGHT = env_int("RPC_BATCH_MAX_IN_FLIGHT", 4)
# /readyz and /admin/system ask every service's `health` with this shorter timeout.
READY_TIMEOUT_S = env_float("READY_TIMEOUT_S", 2)
# The services behind the gateway; /readyz wants all of them.
SERVICES = [s.strip() for s in env("GATEWAY_SERVICES", "quiz,scoring,media,awards").split(",") if s.strip()]

DEV_JWT_SECRET = "dev-only-insecure-jwt-secret-change-me-0123456789"
JWT_SECRET = env("JWT_SECRET", DEV_JWT_SECRET)
JWT_TTL_S = env_int("JWT_TTL_S", 28800)

MAX_IMPORT_BYTES = env_int("MAX_IMPORT_BYTES", 5 * 1024 * 1024)
RABBIT_API_URL = env("RABBIT_API_URL", "http://guest:guest@127.0.0.1:15672")
# Comma-separated origins; "*" lets the agencies' sites embed the contest.
CORS_ORIGINS = [o.strip() for o in env("CORS_ORIGINS", "*").split(",") if o.strip()]
# Who may read /metrics: comma-separated networks (CIDR), e.g. the monitoring network; empty = anyone
# (the single-machine default). docker-compose.yml sets the private ranges Prometheus scrapes from.
METRICS_ALLOW_FROM = [ipaddress.ip_network(n.strip(), strict=False)
                      for n in env("METRICS_ALLOW_FROM", "").split(",") if n.strip()]


def check_secrets():
    """Refuse the dev JWT secret in production; warn about it anywhere else."""
    if JWT_SECRET == DEV_JWT_SECRET:
        if APP_ENV == "production":
            raise RuntimeError("JWT_SECRET must be set when APP_ENV=production")
        log.warning("JWT_SECRET is not set: using the built-in development secret (never in production)")
