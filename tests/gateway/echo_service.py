"""A tiny real nameko service the RPC client tests call (started with `nameko run` in a subprocess)."""
import eventlet
import eventlet.event
from nameko.contextdata import ContextDataProvider
from nameko.rpc import rpc

from common.errors import EXPECTED, Conflict


# Tokens of the `remember` calls this process ran (one process, so a module-level set is enough).
REMEMBERED = set()
# `hold` calls by token: started, released (Event) and finished, so a test can tell what happened
# on the service's side of a call instead of guessing it from the time.
HELD = {}
FINISHED = set()
HOLD_CAP_S = 60  # a call nobody releases still ends (test clean-up)


class RequestId(ContextDataProvider):
    context_key = "request_id"


class EchoService:
    name = "echo"

    request_id_value = RequestId()

    @rpc
    def health(self):
        return {"service": self.name, "status": "ok"}

    @rpc
    def echo(self, *args, **kwargs):
        return {"args": list(args), "kwargs": kwargs}

    @rpc
    def hold(self, token):
        """Run until `release(token)` (at most HOLD_CAP_S); its caller is kept waiting meanwhile."""
        released = HELD.setdefault(token, eventlet.event.Event())
        with eventlet.Timeout(HOLD_CAP_S, False):
            released.wait()
        FINISHED.add(token)
        return "released"

    @rpc
    def started(self, token):
        return token in HELD

    @rpc
    def finished(self, token):
        return token in FINISHED

    @rpc
    def release(self, token):
        released = HELD.setdefault(token, eventlet.event.Event())
        if not released.ready():
            released.send(True)

    @rpc(expected_exceptions=EXPECTED)
    def fail(self, code):
        raise Conflict(code, "Xung đột trạng thái.")

    @rpc
    def remember(self, token):
        REMEMBERED.add(token)
        return token

    @rpc
    def seen(self, token):
        return token in REMEMBERED

    @rpc
    def request_id(self):
        # nameko turns the AMQP header `nameko.request_id` into this context entry.
        return self.request_id_value
