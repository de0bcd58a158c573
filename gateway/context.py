"""Per-request values the RPC client needs without threading them through every call."""
from contextvars import ContextVar

# Set by the request-id middleware; sent to services as AMQP header `nameko.request_id`.
request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
