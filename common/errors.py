"""Errors shared by every service, and how they cross a service boundary.

A service raises a DomainError subclass with a stable snake_case `code` and a human message
(Vietnamese first). Nameko serialises it as {exc_type, exc_path, exc_args: [code, detail]}, or
[code, detail, extra] when it carries extra body members (DomainError.extra):
- another nameko service calling it (common/upstream.py) gets the same class back, because every
  class here is registered with nameko's exception registry (`deserialize_to_instance`);
- the gateway maps exc_type to an HTTP status through one table (gateway/errors.py).
Keep the class names and this module's path stable: they are wire protocol.
"""
from nameko.exceptions import deserialize_to_instance


class DomainError(Exception):
    """`extra`: optional members the gateway adds to the error body beside `detail` and `code`
    (e.g. `{"field": "phone"}`); it travels as a third exc_arg, so it must be plain JSON."""

    def __init__(self, code, detail=None, extra=None):
        args = (code, detail or code) + ((dict(extra),) if extra else ())
        super().__init__(*args)
        self.code = code
        self.detail = detail or code
        self.extra = dict(extra) if extra else {}


@deserialize_to_instance
class BadRequest(DomainError):       # 400
    pass


@deserialize_to_instance
class Invalid(DomainError):          # 422: malformed input
    pass


@deserialize_to_instance
class Unauthorized(DomainError):     # 401: bad credentials
    pass


@deserialize_to_instance
class Forbidden(DomainError):        # 403: wrong role, not yours, excluded
    pass


@deserialize_to_instance
class NotFound(DomainError):         # 404
    pass


@deserialize_to_instance
class Conflict(DomainError):         # 409: state conflict
    pass


@deserialize_to_instance
class TooLarge(DomainError):         # 413
    pass


@deserialize_to_instance
class RateLimited(DomainError):      # 429
    pass


@deserialize_to_instance
class UpstreamUnavailable(Exception):
    """Another service or store (`service`) did not answer in time or could not be reached (503).
    Not a DomainError: a transient fault, never a verdict on the user's input. An event handler
    raising it gets its message requeued."""

    def __init__(self, service, detail=None):
        super().__init__(service, detail or f"{service} did not answer")
        self.service = service
        self.detail = detail or f"{service} did not answer"


# Every error a service may raise on purpose; RPC entrypoints list them as expected_exceptions so
# they are logged as outcomes, not crashes.
EXPECTED = (DomainError, UpstreamUnavailable)


def messages(catalog):
    """`err(cls, code, detail=None)` for a service's catalog {code: Vietnamese message}: one code
    always carries the same message; `detail` overrides it where the message names a number."""

    def err(cls, code, detail=None):
        return cls(code, detail or catalog.get(code, code))

    return err
