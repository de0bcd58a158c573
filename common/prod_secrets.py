"""What a production start refuses: secrets everyone knows.

`.env.example` is published with the code, so a deploy that copied it without changing a value has a
secret anyone can read (with its JWT_SECRET anyone signs an organizer token). The built-in defaults
(the dev JWT secret, guest/guest, minioadmin) are just as public. In production (APP_ENV=production)
the gateway and every service refuse to start with one of them; elsewhere (`make run`, tests) the
local defaults stay, with the warnings the callers already log.

tests/security/test_prod_secrets.py checks that EXAMPLE_VALUES holds every secret of .env.example,
so the two cannot drift apart (the file itself is not read at run time: an image need not ship it).
"""
from urllib.parse import urlsplit

from common.settings import env

# The secret values .env.example ships, by variable.
EXAMPLE_VALUES = {
    "BOOTSTRAP_ADMIN_PASSWORD": "change-me-please",
    "JWT_SECRET": "change-me-to-a-long-random-string-of-at-least-32-characters",
    "POSTGRES_PASSWORD": "change-me-postgres",
    "RABBITMQ_PASSWORD": "change-me-rabbitmq",
    "MINIO_ROOT_PASSWORD": "change-me-minio-secret",
    "GRAFANA_ADMIN_PASSWORD": "change-me-grafana",
    # One broker user per process (scripts/broker_users.py).
    **{f"BROKER_{name}_PASSWORD": f"change-me-broker-{name.lower()}"
       for name in ("GATEWAY", "QUIZ", "SCORING", "MEDIA", "AWARDS")},
}
# Defaults built into the code or into the servers' images (RabbitMQ, MinIO, PostgreSQL).
BUILTIN_DEFAULTS = {"dev-only-insecure-jwt-secret-change-me-0123456789", "guest", "minioadmin", "postgres",
                    "admin", "password"} | {
    # make run's broker users (scripts/supervise.py): fine on 127.0.0.1, never in production.
    f"local-{name}" for name in ("gateway", "quiz", "scoring", "media", "awards")}
KNOWN_VALUES = frozenset(EXAMPLE_VALUES.values()) | BUILTIN_DEFAULTS

# HS256 wants a key at least as long as its output (RFC 7518 3.2).
MIN_JWT_SECRET_BYTES = 32


def is_production():
    """Read at call time (tests set APP_ENV per test)."""
    return (env("APP_ENV", "local") or "").strip().lower() == "production"


def known_secret(value):
    """True for a value published in .env.example or a built-in default; `change-me` anywhere too."""
    return value is not None and (value in KNOWN_VALUES or "change-me" in value.lower())


def url_password(url):
    """The password inside a URL (amqp://user:pass@host/, postgresql://...), None if it has none."""
    try:
        return urlsplit(url).password if url else None
    except ValueError:
        return None


def problems(secrets=(), urls=()):
    """Names of the settings holding a known secret: `secrets` as (name, value), `urls` as (name, url)."""
    bad = [name for name, value in secrets if known_secret(value)]
    bad += [name for name, url in urls if known_secret(url_password(url))]
    return bad


def refuse_in_production(what, bad):
    """Raise when `bad` names anything and this is production; the message names each setting, never
    its value (the log must not carry a secret, even a weak one)."""
    if bad and is_production():
        raise RuntimeError(f"APP_ENV=production refuses {what}: " + ", ".join(bad)
                           + " (a value from .env.example, a built-in default, or too weak; set your own)")


def check_service(service, amqp_uri, database_url):
    """A service's start: its broker and database credentials."""
    refuse_in_production(f"the {service} service's credentials",
                         problems(urls=[("AMQP_URI", amqp_uri), (f"{service.upper()}_DATABASE_URL", database_url)]))
