"""Calls from one service to another with a deadline, their failures made one exception.

Nameko's RpcProxy waits forever for a reply: a silent service would hang the worker (and, in an
event handler, hold its message). `eventlet.Timeout` bounds the call; it is a BaseException that
nameko's worker does not catch, so it becomes UpstreamUnavailable, an ordinary exception: an event
handler raising it gets its message requeued (requeue_on_error), an RPC caller sees a failure the
gateway answers with 503. A domain error of the other service (NotFound, Conflict, ...) comes back as
nameko's RemoteError and is raised as it is, for the caller to interpret.
"""
import eventlet
from nameko.exceptions import MethodNotFound, RemoteError, UnknownService


class UpstreamUnavailable(Exception):
    """Another service (`args[0]`) did not answer in time or could not be reached. Not a
    DomainError: a transient fault, never a verdict on the user's input."""

    def __init__(self, service, detail=None):
        super().__init__(service, detail or f"{service} did not answer")
        self.service = service


def call(service, method, *args, timeout_s, unavailable=UpstreamUnavailable):
    """`method(*args)` (a bound RpcProxy method of `service`) within `timeout_s` seconds.

    `unavailable` is the exception class raised for silence or no connection (a subclass of
    UpstreamUnavailable a service may prefer, e.g. scoring's QuizUnavailable).
    """
    timer = eventlet.Timeout(timeout_s)
    try:
        return method(*args)
    except eventlet.Timeout as exc:
        if exc is not timer:  # someone else's deadline: not ours to translate
            raise
        raise unavailable(service, f"{service} did not answer within {timeout_s}s") from None
    except RemoteError:
        raise
    except (UnknownService, MethodNotFound) as exc:
        # Not running, or an older version without this method.
        raise unavailable(service, f"{service}: {type(exc).__name__}") from None
    finally:
        timer.cancel()
