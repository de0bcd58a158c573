"""Domain errors shared by every service.

A service raises one of these with a stable snake_case `code` and a human message (Vietnamese
first). Nameko serialises it as {exc_type, exc_args: [code, detail]}; the gateway maps exc_type to
an HTTP status through one table (gateway/errors.py). Keep the class names stable: they are wire
protocol.
"""


class DomainError(Exception):
    def __init__(self, code, detail=None):
        super().__init__(code, detail or code)
        self.code = code
        self.detail = detail or code


class BadRequest(DomainError):       # 400
    pass


class Invalid(DomainError):          # 422: malformed input
    pass


class Unauthorized(DomainError):     # 401: bad credentials
    pass


class Forbidden(DomainError):        # 403: wrong role, not yours, excluded
    pass


class NotFound(DomainError):         # 404
    pass


class Conflict(DomainError):         # 409: state conflict
    pass


class TooLarge(DomainError):         # 413
    pass


class RateLimited(DomainError):      # 429
    pass


# Every error a service may raise on purpose; RPC entrypoints list them as expected_exceptions so
# they are logged as outcomes, not crashes.
EXPECTED = (DomainError,)
