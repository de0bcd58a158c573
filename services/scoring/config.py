"""Settings of the scoring service (environment variables, defaults documented in README)."""
import os

from common import settings

SERVICE_NAME = "scoring"
MIGRATIONS_DIR = os.path.join(os.path.dirname(__file__), "migrations")

# Seconds to wait for an RPC answer from the quiz service (nameko's RpcProxy has no timeout).
RPC_TIMEOUT_S = settings.env_float("RPC_TIMEOUT_S", 10)
# Period of the timer that finalizes closed rounds and relays pending outbox events.
FINALIZE_INTERVAL_S = settings.env_float("FINALIZE_INTERVAL_S", 2)
# Pause before re-raising when an attempt still cannot be graded after fetching the keys, so a
# requeued message does not spin the broker and the quiz service in a tight loop.
MISSING_KEY_RETRY_DELAY_S = settings.env_float("SCORING_MISSING_KEY_RETRY_DELAY_S", 5)

# Grading is asynchronous; submissions are what people wait for. While the quiz service has at least
# GRADING_YIELD_BACKLOG requests waiting in its queue (a deadline rush on a small machine), each
# grading waits, up to GRADING_YIELD_MAX_S, so that the CPU, the database and the broker serve the
# submissions first (bench/RESULTS.md). 0 turns it off.
GRADING_YIELD_BACKLOG = settings.env_int("GRADING_YIELD_BACKLOG", 20)
GRADING_YIELD_MAX_S = settings.env_float("GRADING_YIELD_MAX_S", 15)


def database_url():
    return settings.database_url(SERVICE_NAME)
