"""Gateway configuration: environment variables, each with one default (listed in the README).

`settings` is read once at import; tests change its attributes (monkeypatch) rather than the
environment.
"""
import ipaddress
import logging
from typing import Annotated

from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import NoDecode, SettingsConfigDict

from common import prod_secrets
from common.settings import ServiceSettings

log = logging.getLogger(__name__)

DEV_JWT_SECRET = "dev-only-insecure-jwt-secret-change-me-0123456789"

# A comma-separated variable as a list (not JSON, as pydantic-settings would read a list).
CommaList = Annotated[list[str], NoDecode]
Networks = Annotated[list[ipaddress.IPv4Network | ipaddress.IPv6Network], NoDecode]


def _split(value):
    return [part.strip() for part in value.split(",") if part.strip()] if isinstance(value, str) else value


class Settings(ServiceSettings):
    # An empty variable means its default, as for the services.
    model_config = SettingsConfigDict(env_ignore_empty=True)

    # The broker the services listen on (the path is the vhost). GATEWAY_AMQP_URI, when set, wins:
    # the gateway's own broker user (common/broker.py, scripts/broker_users.py).
    amqp_uri: str = Field("amqp://guest:guest@127.0.0.1:5672/",
                          validation_alias=AliasChoices("GATEWAY_AMQP_URI", "AMQP_URI"))
    # "production" refuses known or weak secrets (common/prod_secrets.py).
    app_env: str = "local"
    # rpc_timeout_s (ServiceSettings, RPC_TIMEOUT_S): seconds a call to a service may take before the
    # gateway answers 503; also the call's message expiration.

    # Starting and submitting an attempt: the calls a round's opening and its deadline rush queue up by
    # the thousand. The queue absorbs the spike, so these wait longer than other calls instead of
    # answering 503 for work that is queued and will be done (a start retried after a 503 would meet
    # its own attempt as `attempt_in_progress`). Unset: 3 × rpc_timeout_s.
    rush_rpc_timeout_s: float | None = None
    # Starts and submits that arrive while rpc_batch_max_in_flight batches are on their way leave
    # together, up to rpc_batch_max_items in one message (gateway/batching.py); 1 turns coalescing off.
    rpc_batch_max_items: int = 32
    rpc_batch_max_in_flight: int = 4
    # /readyz and /admin/system ask every service's `health` with this shorter timeout.
    ready_timeout_s: float = 2
    # The services behind the gateway; /readyz wants all of them.
    services: CommaList = Field(["quiz", "scoring", "media", "awards"], validation_alias="GATEWAY_SERVICES")

    # Signs the access tokens (HS256); must be set in production.
    jwt_secret: str = DEV_JWT_SECRET
    # Token lifetime in seconds (a working day).
    jwt_ttl_s: int = 28800
    # Seconds a gateway process trusts the token version it cached for an account (gateway/sessions.py);
    # quiz's `account_sessions_ended` event updates it at once, this bounds staleness if one is missed.
    token_version_ttl_s: float = Field(10.0, ge=0)

    # Largest import file (CSV/XLSX) and, with some slack, largest request body: 413 above.
    max_import_bytes: int = 5 * 1024 * 1024
    # RabbitMQ's management API: instances and queue depths for /admin/system and /metrics.
    rabbit_api_url: str = "http://guest:guest@127.0.0.1:15672"
    # Origins whose pages may call the API; "*" lets the agencies' sites embed the contest.
    cors_origins: CommaList = ["*"]
    # Who may read /metrics: networks (CIDR), e.g. the monitoring network; empty = anyone (the
    # single-machine default). docker-compose.yml sets the private ranges Prometheus scrapes from.
    metrics_allow_from: Networks = []
    # The live board of an open round (live_board: scores) shows at most this many rows: the top of
    # the round, never how many took part (SPEC 6: no public running count of an open round).
    live_board_max_rows: int = Field(10, ge=1, le=1000)

    @field_validator("services", "cors_origins", mode="before")
    @classmethod
    def _comma_list(cls, value):
        return _split(value)

    @field_validator("metrics_allow_from", mode="before")
    @classmethod
    def _networks(cls, value):
        # strict=False: "10.1.2.3/8" means 10.0.0.0/8, as an operator writing it would expect.
        return [ipaddress.ip_network(n, strict=False) if isinstance(n, str) else n for n in _split(value)]

    @model_validator(mode="after")
    def _rush_default(self):
        if self.rush_rpc_timeout_s is None:
            self.rush_rpc_timeout_s = 3 * self.rpc_timeout_s
        return self


settings = Settings()


def check_secrets():
    """Production refuses a JWT secret anyone knows or could guess (the built-in one, .env.example's,
    anything under 32 bytes) and broker credentials from .env.example; elsewhere the built-in secret
    is used with a warning (`make run` needs no configuration)."""
    if settings.app_env == "production":
        bad = prod_secrets.problems(secrets=[("JWT_SECRET", settings.jwt_secret)],
                                    urls=[("AMQP_URI", settings.amqp_uri), ("RABBIT_API_URL", settings.rabbit_api_url)])
        if len(settings.jwt_secret.encode()) < prod_secrets.MIN_JWT_SECRET_BYTES and "JWT_SECRET" not in bad:
            bad.insert(0, f"JWT_SECRET (under {prod_secrets.MIN_JWT_SECRET_BYTES} bytes)")
        if settings.jwt_secret == DEV_JWT_SECRET:
            raise RuntimeError("JWT_SECRET must be set when APP_ENV=production")
        if bad:
            raise RuntimeError("APP_ENV=production refuses the gateway's secrets: " + ", ".join(bad)
                               + " (a value from .env.example, a built-in default, or too weak; set your own)")
    elif settings.jwt_secret == DEV_JWT_SECRET:
        log.warning("JWT_SECRET is not set: using the built-in development secret (never in production)")
