"""The RPC arguments every entrypoint checks before any query or call to another service."""
from common import contest_code
from services.awards.domain.prizes import KINDS
from services.awards.errors import Invalid, err


def contest(code):
    if not contest_code.is_valid(code):
        raise err(Invalid, "invalid_contest")


def kind(value):
    if value not in KINDS:
        raise err(Invalid, "invalid_kind")


def round_number(value):
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise err(Invalid, "invalid_round")


def kind_round(kind_, round_n):
    """The `round_key` of a set: the round of a weekly set (required), 0 for the others (none given)."""
    kind(kind_)
    if kind_ == "weekly":
        round_number(round_n)
        return round_n
    if round_n is not None:
        raise err(Invalid, "invalid_round")
    return 0
