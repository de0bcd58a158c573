"""A production start refuses secrets anyone can read: .env.example's values, the built-in defaults, a
JWT secret too short for HS256, a bootstrap organizer password that fails the password rules. The
local run keeps its defaults (with a warning). No cluster: each check is called as a start calls it.
"""
import os
import types

import pytest

from common import prod_secrets
from common.settings import ROOT
from common.uow import StoreProvider
from gateway import config as gateway_config
from gateway.main import create_app
from services.quiz.domain import accounts

STRONG_JWT = "k3Y-" + "x9" * 30
STRONG_AMQP = "amqp://cchc:Qm7-rabbit-Long-Enough@rabbitmq:5672/"


def example_env():
    """.env.example as {name: value}."""
    values = {}
    with open(os.path.join(ROOT, ".env.example"), encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#") and "=" in line:
                name, value = line.split("=", 1)
                values[name] = value
    return values


def test_every_secret_of_env_example_is_known():
    secrets = {name: value for name, value in example_env().items()
               if any(word in name for word in ("PASSWORD", "SECRET", "KEY"))}
    assert secrets, ".env.example has secrets"
    assert secrets.items() <= prod_secrets.EXAMPLE_VALUES.items(), secrets


# ---- gateway ---------------------------------------------------------------------------------
@pytest.fixture
def gateway_prod(monkeypatch):
    monkeypatch.setattr(gateway_config.settings, "app_env", "production")
    monkeypatch.setattr(gateway_config.settings, "jwt_secret", STRONG_JWT)
    monkeypatch.setattr(gateway_config.settings, "amqp_uri", STRONG_AMQP)
    monkeypatch.setattr(gateway_config.settings, "rabbit_api_url", "http://cchc:Qm7-rabbit-Long-Enough@rabbitmq:15672")
    return monkeypatch


def test_gateway_accepts_strong_secrets_in_production(gateway_prod):
    gateway_config.check_secrets()


@pytest.mark.parametrize("secret", [
    example_env()["JWT_SECRET"],          # .env.example's: anyone could sign an organizer token
    gateway_config.DEV_JWT_SECRET,
    "x" * 31,                             # under 32 bytes
    "short",
])
def test_gateway_refuses_weak_jwt_secret_in_production(gateway_prod, secret):
    gateway_prod.setattr(gateway_config.settings, "jwt_secret", secret)
    with pytest.raises(RuntimeError) as exc:
        create_app()
    assert "JWT_SECRET" in str(exc.value) and secret not in str(exc.value)


@pytest.mark.parametrize("field,url", [
    ("amqp_uri", f"amqp://cchc:{example_env()['RABBITMQ_PASSWORD']}@rabbitmq:5672/"),
    ("amqp_uri", "amqp://guest:guest@rabbitmq:5672/"),
    ("rabbit_api_url", f"http://cchc:{example_env()['RABBITMQ_PASSWORD']}@rabbitmq:15672"),
])
def test_gateway_refuses_example_broker_password_in_production(gateway_prod, field, url):
    gateway_prod.setattr(gateway_config.settings, field, url)
    with pytest.raises(RuntimeError, match=field.upper()):
        gateway_config.check_secrets()


def test_local_run_keeps_the_dev_secret(monkeypatch):
    monkeypatch.setattr(gateway_config.settings, "app_env", "local")
    monkeypatch.setattr(gateway_config.settings, "jwt_secret", gateway_config.DEV_JWT_SECRET)
    gateway_config.check_secrets()  # a warning, no error


# ---- services --------------------------------------------------------------------------------
def start_store(service, amqp_uri, database_url):
    """StoreProvider.setup as nameko calls it, up to the credentials check (which comes first)."""
    provider = StoreProvider(lambda: database_url, None, None)
    provider.container = types.SimpleNamespace(service_name=service, config={"AMQP_URI": amqp_uri})
    provider.setup()


@pytest.mark.parametrize("amqp,db", [
    (f"amqp://cchc:{example_env()['RABBITMQ_PASSWORD']}@rabbitmq:5672/", "postgresql://cchc:Pg-strong-9@postgres/quiz"),
    (STRONG_AMQP, f"postgresql://cchc:{example_env()['POSTGRES_PASSWORD']}@postgres:5432/quiz"),
])
def test_services_refuse_example_credentials_in_production(monkeypatch, amqp, db):
    monkeypatch.setenv("APP_ENV", "production")
    with pytest.raises(RuntimeError) as exc:
        start_store("quiz", amqp, db)
    assert "change-me" not in str(exc.value)


def test_media_refuses_example_object_store_secret_in_production(monkeypatch):
    from services.media import config as media_config
    from services.media.storage import ObjectStorage
    monkeypatch.setenv("APP_ENV", "production")
    for secret in (example_env()["MINIO_ROOT_PASSWORD"], "minioadmin"):
        monkeypatch.setattr(media_config.settings, "s3_secret_key", secret)
        with pytest.raises(RuntimeError, match="S3_SECRET_KEY"):
            ObjectStorage(factory=lambda: None).setup()
    monkeypatch.setattr(media_config.settings, "s3_secret_key", "Mi-strong-secret-0042")
    ObjectStorage(factory=lambda: None).setup()
    monkeypatch.setenv("APP_ENV", "local")
    monkeypatch.setattr(media_config.settings, "s3_secret_key", "minioadmin")
    ObjectStorage(factory=lambda: None).setup()  # moto in `make run`


@pytest.mark.parametrize("username,password", [
    ("admin", "admin"),                                              # explicit admin/admin
    ("admin", example_env()["BOOTSTRAP_ADMIN_PASSWORD"]),            # .env.example's
    ("btc", "12345"),                                                # fails the length rule
    ("quantri", "quantri"),                                          # its own username
])
def test_quiz_refuses_weak_bootstrap_password_in_production(monkeypatch, username, password):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("BOOTSTRAP_ADMIN_USERNAME", username)
    monkeypatch.setenv("BOOTSTRAP_ADMIN_PASSWORD", password)
    with pytest.raises(RuntimeError, match="BOOTSTRAP_ADMIN_PASSWORD"):
        accounts.bootstrap_admin(None)  # refused before the database is touched
