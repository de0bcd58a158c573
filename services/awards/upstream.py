"""Calls to quiz, scoring and media, each with a deadline, their errors made plain.

Each call is bounded by RPC_TIMEOUT_S (common/upstream.py): silence becomes UpstreamUnavailable
(the gateway answers 503). A domain error raised by the other
service (NotFound, Conflict, ...) arrives as nameko's RemoteError and is raised again here as the
same common.errors class with its code and Vietnamese detail, so that e.g. quiz's
`contest_not_found` reaches the user as a 404.
"""
import ast

from nameko.exceptions import RemoteError

from common import errors as common_errors
from common import upstream as common_upstream
from services.awards import config
from services.awards.errors import Conflict, UpstreamUnavailable, err

_DOMAIN = {cls.__name__: cls for cls in common_errors.DomainError.__subclasses__()}
# Codes of the other services that mean something more precise for awards.
_RENAMED = {"round_not_ranked": "round_not_final"}


def _domain_error(exc):
    """The common.errors exception a RemoteError stands for, or None."""
    cls = _DOMAIN.get(exc.exc_type)
    if cls is None:
        return None
    try:
        args = ast.literal_eval(exc.value) if isinstance(exc.value, str) else None
    except (ValueError, SyntaxError):
        args = None
    if isinstance(args, tuple) and len(args) == 2 and all(isinstance(a, str) for a in args):
        code, detail = args
    else:
        code, detail = "upstream_error", str(exc.value)
    if code in _RENAMED:
        return err(Conflict, _RENAMED[code])
    return cls(code, detail)


class Upstream:
    """The inputs of the awards, asked of the services that own them."""

    def __init__(self, quiz, scoring, media, timeout_s=None):
        self.proxies = {"quiz": quiz, "scoring": scoring, "media": media}
        self.timeout_s = config.RPC_TIMEOUT_S if timeout_s is None else timeout_s

    def call(self, service, method, *args):
        try:
            return common_upstream.call(service, getattr(self.proxies[service], method), *args,
                                        timeout_s=self.timeout_s)
        except RemoteError as exc:
            if exc.exc_type == "UpstreamUnavailable":
                # That service could not get its own inputs (e.g. media waiting on quiz): as unavailable.
                raise UpstreamUnavailable(service, f"{service}.{method}: {exc.value}") from None
            domain = _domain_error(exc)
            if domain is None:
                raise
            raise domain from None

    # quiz
    def contest(self, code):
        return self.call("quiz", "get_contest", code)

    def units(self):
        return self.call("quiz", "list_units")

    def excluded(self, contest, contestant_ids):
        return self.call("quiz", "excluded_contestants", contest, list(contestant_ids))

    # scoring
    def round_ranking(self, contest, n):
        return self.call("scoring", "get_round_ranking", contest, n)

    def unit_stats(self, contest):
        return self.call("scoring", "get_unit_stats", contest)

    # media
    def clip_results(self, contest):
        return self.call("media", "list_clip_results", contest)
