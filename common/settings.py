"""Configuration from environment variables, each with one documented default.

The README's configuration table lists every variable read here or in a service's config module.
"""
import os

from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def env(name, default=None):
    value = os.environ.get(name)
    return default if value in (None, "") else value


def env_int(name, default):
    return int(env(name, default))


def env_float(name, default):
    return float(env(name, default))


def env_bool(name, default=False):
    value = env(name)
    if value is None:
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


AMQP_URI = env("AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/")
# Where SQLite files live in the single-machine mode.
DATA_DIR = env("DATA_DIR", os.path.join(ROOT, "var"))
# Prometheus metrics port of a service process; 0 turns the exporter off.
METRICS_PORT = env_int("METRICS_PORT", 0)
LOG_LEVEL = env("LOG_LEVEL", "INFO")
# "production" refuses insecure defaults (bootstrap admin, JWT secret).
APP_ENV = env("APP_ENV", "local")


def database_url(service):
    """`<SERVICE>_DATABASE_URL`, else `DATABASE_URL`, else a SQLite file under DATA_DIR."""
    url = env(f"{service.upper()}_DATABASE_URL") or env("DATABASE_URL")
    if url:
        return url
    os.makedirs(DATA_DIR, exist_ok=True)
    return f"sqlite:///{os.path.join(DATA_DIR, service + '.db')}"


class ServiceSettings(BaseSettings):
    """Base of each service's typed settings (`services/<name>/config.py`): one field per
    environment variable (the upper-cased field name unless an alias says otherwise), each with its
    default and a comment saying why. Unknown variables are ignored; an empty one counts as unset,
    as `env()` has it (docker-compose passes `${VAR:-}` through as "")."""

    model_config = SettingsConfigDict(extra="ignore", case_sensitive=False, env_ignore_empty=True)

    # Seconds to wait for another service's RPC answer (common/upstream.py).
    rpc_timeout_s: float = 10
