"""Settings of the awards service (environment variables, defaults documented in README)."""
import os

from common import settings

SERVICE_NAME = "awards"
MIGRATIONS_DIR = os.path.join(os.path.dirname(__file__), "migrations")


def database_url():
    return settings.database_url(SERVICE_NAME)
