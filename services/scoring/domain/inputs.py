"""Checks of RPC arguments, made before any query."""
from common import contest_code
from common.errors import Invalid
from services.scoring.errors import err

MAX_LIMIT = 1000


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def check_contest(contest):
    if not contest_code.is_valid(contest):
        raise err(Invalid, "invalid_contest")


def check_round(contest, n, limit=None):
    """A contest code, a round number from 1 and, when given, a row limit of 1..MAX_LIMIT."""
    check_contest(contest)
    if not _is_int(n) or n < 1:
        raise err(Invalid, "invalid_round")
    if limit is not None and (not _is_int(limit) or not 1 <= limit <= MAX_LIMIT):
        raise err(Invalid, "invalid_limit")
