"""Calls to the quiz service with a deadline (nameko's RpcProxy waits forever).

`eventlet.Timeout` is a BaseException nameko's worker does not catch: it becomes
UpstreamUnavailable, an ordinary exception (an event handler's message is requeued, an RPC caller
sees a failure the gateway turns into 503). Domain errors of quiz (e.g. contest not found) come back
as nameko RemoteError and are returned to the caller to interpret.
"""
import eventlet
from nameko.exceptions import RemoteError

from services.media import config
from services.media.errors import UpstreamUnavailable


def call(method, *args, timeout_s=None):
    timeout_s = config.RPC_TIMEOUT_S if timeout_s is None else timeout_s
    timer = eventlet.Timeout(timeout_s)
    try:
        return method(*args)
    except eventlet.Timeout as exc:
        if exc is not timer:
            raise
        raise UpstreamUnavailable("quiz", "timeout") from None
    except RemoteError:
        raise
    except Exception as exc:  # connection trouble on our side of the call
        raise UpstreamUnavailable("quiz", type(exc).__name__) from exc
    finally:
        timer.cancel()
