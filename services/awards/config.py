"""Settings of the awards service (environment variables, defaults documented in README)."""
import os

from common import settings

SERVICE_NAME = "awards"
MIGRATIONS_DIR = os.path.join(os.path.dirname(__file__), "migrations")
FONTS_DIR = os.path.join(os.path.dirname(__file__), "fonts")

# Seconds to wait for an answer of quiz, scoring or media (nameko's RpcProxy has no timeout).
RPC_TIMEOUT_S = settings.env_float("RPC_TIMEOUT_S", 10)
# Period of the timer that relays outbox events a crash or a broker outage left unpublished.
RELAY_INTERVAL_S = settings.env_float("AWARDS_RELAY_INTERVAL_S", 5)
# Who signs the decision and the certificates (printed at the foot of the documents).
ISSUER = settings.env("AWARDS_ISSUER", "Ban Tổ chức Hội thi")
SIGNER_TITLE = settings.env("AWARDS_SIGNER_TITLE", "TRƯỞNG BAN TỔ CHỨC")
PROVINCE = settings.env("AWARDS_PROVINCE", "Thừa Thiên Huế")


def database_url():
    return settings.database_url(SERVICE_NAME)
