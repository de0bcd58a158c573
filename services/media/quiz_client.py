"""Calls to the quiz service with a deadline (common/upstream.py); RemoteError passes through.

Media also counts any other failure of the call itself (connection trouble on our side) as quiz
being unavailable: its callers answer 503 or requeue, never decide on a clip from it.
"""
from nameko.exceptions import RemoteError

from common import upstream
from services.media import config
from services.media.errors import UpstreamUnavailable


def call(method, *args, timeout_s=None):
    timeout_s = config.RPC_TIMEOUT_S if timeout_s is None else timeout_s
    try:
        return upstream.call("quiz", method, *args, timeout_s=timeout_s)
    except (RemoteError, UpstreamUnavailable):
        raise
    except Exception as exc:
        raise UpstreamUnavailable("quiz", type(exc).__name__) from exc
