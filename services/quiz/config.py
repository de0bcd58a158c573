"""Settings of the quiz service (environment variables; the README's configuration table lists them)."""
import os

from common import settings as common_settings
from common.settings import ServiceSettings

SERVICE_NAME = "quiz"
MIGRATIONS_DIR = os.path.join(os.path.dirname(__file__), "migrations")
DATA_DIR = os.path.join(common_settings.ROOT, "data")  # copies of the fixtures used for seeding


class Settings(ServiceSettings):
    # Period of the sweep (auto-submit at the deadline, outbox relay, round closing).
    sweep_interval_s: float = 2
    # Starts and submits a second (plus requests queued in rpc-quiz) from which quiz is in a rush:
    # attempt_submitted events wait so that the next submissions are answered first. 0 = never.
    rush_calls_per_s: int = 50
    # Seed units, the question bank and demo contests into an empty database at start.
    seed_demo: bool = True
    # The organizer created at the first start (admin/admin outside production when unset).
    bootstrap_admin_username: str | None = None
    bootstrap_admin_password: str | None = None
    # "production" refuses to start without a bootstrap organizer.
    app_env: str = "local"
    # Failed-login throttling: failures counted per account and per source address over a window.
    login_window_s: int = 900
    login_max_failures_per_account: int = 5
    login_max_failures_per_ip: int = 100
    # Registration throttling (SPEC 2, fake accounts): requests to register counted per source
    # address over a window, in every registration mode. Addresses or networks listed in
    # REGISTRATION_EXEMPT_ADDRESSES (comma-separated, e.g. an agency's NAT "203.0.113.7,10.0.0.0/8")
    # are not counted.
    registration_window_s: int = 3600
    registration_max_per_address: int = 30
    registration_exempt_addresses: str = ""
    # The most rows one roster upload may hold (a province's largest unit is far below it).
    roster_max_rows: int = 20000
    # Bounds of an import file (units, question bank), checked before and while it is parsed (the
    # file is read as hostile: its own <dimension> or row numbers are never believed).
    # Largest file, bytes (the gateway's MAX_IMPORT_BYTES caps it first, for calls through it).
    import_max_bytes: int = 5 * 1024 * 1024
    # Largest unpacked XLSX (the sum of its zip members' sizes), bytes: no zip bomb.
    import_max_unpacked_bytes: int = 50 * 1024 * 1024
    # Most rows (header included), columns, and characters in one cell.
    import_max_rows: int = 20000
    import_max_columns: int = 30
    import_max_cell_chars: int = 4000
    # Broker users that may read the answer keys (quiz.get_answer_keys): scoring's, comma-separated
    # (common/broker.py; quiz's own user is always allowed, which is every user where all share one).
    answer_key_callers: str = "cchc-scoring"


# Read at import: nameko's timer and the Backpressure dependency take their values when the
# service class is defined. What tests change at run time is read through `current()`.
settings = Settings()


def answer_key_callers():
    return {name.strip() for name in current().answer_key_callers.split(",") if name.strip()}


def current():
    """The settings as the environment says now (seeding, bootstrap admin, login throttling)."""
    return Settings()


def database_url():
    return common_settings.database_url(SERVICE_NAME)
