"""The gateway's and the portal's settings read the environment variables the README lists, with
the same defaults (an empty variable means the default)."""
import ipaddress

import pytest

from gateway.config import DEV_JWT_SECRET, Settings
from gateway.web.config import PortalSettings

VARIABLES = ["AMQP_URI", "APP_ENV", "RPC_TIMEOUT_S", "RUSH_RPC_TIMEOUT_S", "RPC_BATCH_MAX_ITEMS",
             "RPC_BATCH_MAX_IN_FLIGHT", "READY_TIMEOUT_S", "GATEWAY_SERVICES", "JWT_SECRET", "JWT_TTL_S",
             "MAX_IMPORT_BYTES", "RABBIT_API_URL", "CORS_ORIGINS", "METRICS_ALLOW_FROM", "PORTAL_CONTEST",
             "PORTAL_EMBED_ANCESTORS", "PORTAL_MEDIA_ORIGIN", "S3_ENDPOINT", "S3_SECURE", "S3_PUBLIC_ENDPOINT",
             "S3_PUBLIC_SECURE"]


@pytest.fixture
def env(monkeypatch):
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_defaults(env):
    env.setenv("JWT_TTL_S", "")  # empty: the default
    s = Settings()
    assert (s.amqp_uri, s.app_env, s.rpc_timeout_s, s.rush_rpc_timeout_s) == (
        "amqp://guest:guest@127.0.0.1:5672/", "local", 10, 30)
    assert (s.rpc_batch_max_items, s.rpc_batch_max_in_flight, s.ready_timeout_s) == (32, 4, 2)
    assert s.services == ["quiz", "scoring", "media", "awards"]
    assert (s.jwt_secret, s.jwt_ttl_s, s.max_import_bytes) == (DEV_JWT_SECRET, 28800, 5242880)
    assert s.rabbit_api_url == "http://guest:guest@127.0.0.1:15672"
    assert (s.cors_origins, s.metrics_allow_from) == (["*"], [])
    p = PortalSettings()
    assert (p.portal_contest, p.portal_embed_ancestors, p.portal_media_origin) == ("", "*", "http://127.0.0.1:9000")


def test_every_variable_is_read(env):
    for name, value in {"AMQP_URI": "amqp://u:p@mq:5672/v", "APP_ENV": "production", "RPC_TIMEOUT_S": "4",
                        "RPC_BATCH_MAX_ITEMS": "1", "RPC_BATCH_MAX_IN_FLIGHT": "2", "READY_TIMEOUT_S": "0.5",
                        "GATEWAY_SERVICES": "quiz, media", "JWT_SECRET": "s" * 40, "JWT_TTL_S": "60",
                        "MAX_IMPORT_BYTES": "1000", "RABBIT_API_URL": "http://mq:15672",
                        "CORS_ORIGINS": "https://a.gov.vn,https://b.gov.vn",
                        "METRICS_ALLOW_FROM": "10.1.2.3/8, ::1"}.items():
        env.setenv(name, value)
    s = Settings()
    assert (s.amqp_uri, s.app_env, s.rpc_timeout_s, s.rush_rpc_timeout_s) == (
        "amqp://u:p@mq:5672/v", "production", 4, 12)
    assert (s.rpc_batch_max_items, s.rpc_batch_max_in_flight, s.ready_timeout_s) == (1, 2, 0.5)
    assert (s.services, s.jwt_secret, s.jwt_ttl_s, s.max_import_bytes) == (["quiz", "media"], "s" * 40, 60, 1000)
    assert s.rabbit_api_url == "http://mq:15672"
    assert s.cors_origins == ["https://a.gov.vn", "https://b.gov.vn"]
    assert s.metrics_allow_from == [ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("::1")]
    env.setenv("RUSH_RPC_TIMEOUT_S", "7")
    assert Settings().rush_rpc_timeout_s == 7


def test_portal_media_origin_follows_media_s_public_address(env):
    env.setenv("S3_ENDPOINT", "minio:9000")
    assert PortalSettings().portal_media_origin == "http://minio:9000"
    env.setenv("S3_SECURE", "true")
    env.setenv("S3_PUBLIC_ENDPOINT", "clips.example.vn")
    assert PortalSettings().portal_media_origin == "https://clips.example.vn"
    env.setenv("S3_PUBLIC_SECURE", "false")
    assert PortalSettings().portal_media_origin == "http://clips.example.vn"
    env.setenv("PORTAL_MEDIA_ORIGIN", "https://cdn.example.vn")
    env.setenv("PORTAL_CONTEST", "cchc-2024")
    env.setenv("PORTAL_EMBED_ANCESTORS", "https://*.gov.vn")
    p = PortalSettings()
    assert (p.portal_media_origin, p.portal_contest, p.portal_embed_ancestors) == (
        "https://cdn.example.vn", "cchc-2024", "https://*.gov.vn")
