"""A tiny real nameko service the RPC client tests call (started with `nameko run` in a subprocess)."""
import eventlet
from nameko.contextdata import ContextDataProvider
from nameko.rpc import rpc

from common.errors import EXPECTED, Conflict


# Tokens of the `remember` calls this process ran (one process, so a module-level set is enough).
REMEMBERED = set()


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
    def slow(self, seconds):
        eventlet.sleep(seconds)
        return "done"

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
