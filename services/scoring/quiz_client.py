"""Calls to the quiz service with a deadline.

Nameko's RpcProxy waits forever for a reply; a quiz outage would then hang our worker (and, in an
event handler, hold its message). `eventlet.Timeout` is a BaseException that nameko's worker does
not catch, so it is turned into QuizUnavailable, an ordinary exception: an event handler raising
it gets its message requeued, an RPC caller sees a failure.
"""
import eventlet

from services.scoring import config
from services.scoring.errors import QuizUnavailable


def call(method, *args, timeout_s=None):
    timeout_s = config.RPC_TIMEOUT_S if timeout_s is None else timeout_s
    timer = eventlet.Timeout(timeout_s)
    try:
        return method(*args)
    except eventlet.Timeout as exc:
        if exc is not timer:  # someone else's deadline: not ours to translate
            raise
        raise QuizUnavailable(f"quiz did not answer within {timeout_s}s") from None
    finally:
        timer.cancel()
