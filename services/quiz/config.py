"""Settings of the quiz service (environment variables, defaults documented in README).

Values that tests change (bootstrap admin, seeding) are read when used, not at import.
"""
import os

from common import settings

SERVICE_NAME = "quiz"
MIGRATIONS_DIR = os.path.join(os.path.dirname(__file__), "migrations")
DATA_DIR = os.path.join(settings.ROOT, "data")  # copies of the fixtures used for seeding

# How often the sweep runs (auto-submit, outbox relay, round_closed). Read at import: nameko's
# timer takes its interval when the class is defined.
SWEEP_INTERVAL_S = settings.env_float("SWEEP_INTERVAL_S", 2)

# A submission is committed (and answered) first; its `attempt_submitted` event starts grading. During
# a rush (PUBLISH_YIELD_BACKLOG requests waiting in quiz's own queue, or PUBLISH_YIELD_RATE starts
# and submits a second reaching this instance) the event is held in memory and sent once the rush is
# over, or after PUBLISH_YIELD_MAX_S at the latest (below the outbox relay's 10 s, which sends it
# should the process die meanwhile, and leaves the events held by a live process alone). 0 turns a
# rule off.
PUBLISH_YIELD_BACKLOG = settings.env_int("PUBLISH_YIELD_BACKLOG", 20)
PUBLISH_YIELD_RATE = settings.env_int("PUBLISH_YIELD_RATE", 50)
PUBLISH_YIELD_MAX_S = settings.env_float("PUBLISH_YIELD_MAX_S", 8)


def database_url():
    return settings.database_url(SERVICE_NAME)


def seed_demo():
    return settings.env_bool("SEED_DEMO", True)


def bootstrap_admin():
    """(username, password) of the organizer created at start; None values when unset."""
    return settings.env("BOOTSTRAP_ADMIN_USERNAME"), settings.env("BOOTSTRAP_ADMIN_PASSWORD")


def app_env():
    return settings.env("APP_ENV", "local")


# Failed-login throttling: counted per account and per source address over a sliding window.
def login_window_s():
    return settings.env_int("LOGIN_WINDOW_S", 900)


def login_max_failures_per_account():
    return settings.env_int("LOGIN_MAX_FAILURES_PER_ACCOUNT", 5)


def login_max_failures_per_ip():
    return settings.env_int("LOGIN_MAX_FAILURES_PER_IP", 100)
