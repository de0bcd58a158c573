"""Settings of the scoring service (environment variables, defaults documented in README)."""
import os

from pydantic import AliasChoices, Field

from common import settings as common_settings
from common.settings import ServiceSettings

SERVICE_NAME = "scoring"
MIGRATIONS_DIR = os.path.join(os.path.dirname(__file__), "migrations")


class Settings(ServiceSettings):
    # Period of the timer that ranks the closed rounds whose last grade is in (a grade normally
    # does it at once; the timer catches what an event order or a crash left) and relays pending
    # events. FINALIZE_INTERVAL_S is its former name, still read.
    ranking_interval_s: float = Field(2, validation_alias=AliasChoices("RANKING_INTERVAL_S", "FINALIZE_INTERVAL_S"))
    # Pause before re-raising when an attempt still cannot be graded after fetching the keys, so a
    # requeued message does not spin the broker and the quiz service in a tight loop.
    missing_key_retry_delay_s: float = Field(5, validation_alias="SCORING_MISSING_KEY_RETRY_DELAY_S")


settings = Settings()


def database_url():
    return common_settings.database_url(SERVICE_NAME)
