"""Settings of the awards service: one typed field per environment variable (README lists them)."""
import os

from pydantic import Field

from common import settings as common_settings
from common.settings import ServiceSettings

SERVICE_NAME = "awards"
MIGRATIONS_DIR = os.path.join(os.path.dirname(__file__), "migrations")
FONTS_DIR = os.path.join(os.path.dirname(__file__), "fonts")


class Settings(ServiceSettings):
    # Period of the timer that publishes outbox events a crash or a broker outage left pending.
    relay_interval_s: float = Field(5, validation_alias="AWARDS_RELAY_INTERVAL_S")
    # Who issues the decision and the certificates (printed at the head of the documents).
    issuer: str = Field("Ban Tổ chức Hội thi", validation_alias="AWARDS_ISSUER")
    # The title of who signs them (printed at the foot).
    signer_title: str = Field("TRƯỞNG BAN TỔ CHỨC", validation_alias="AWARDS_SIGNER_TITLE")
    # The province named in the date line of the documents.
    province: str = Field("Thừa Thiên Huế", validation_alias="AWARDS_PROVINCE")


settings = Settings()


def database_url():
    return common_settings.database_url(SERVICE_NAME)
