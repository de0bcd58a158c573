"""Every error the gateway answers, in one place.

- Domain errors raised by a service arrive as RemoteError with `exc_type` = the class name from
  common/errors.py and `exc_args` = [code, detail] (+ an optional dict of extra body members, e.g.
  `field`); STATUS_BY_EXC_TYPE maps them to HTTP.
- A service that cannot answer (timeout, not running, broker down) → 503 `service_unavailable`;
  so does a service whose database is unreachable (DATABASE_UNAVAILABLE), or that could not reach
  another service or its object store (UNAVAILABLE_EXC_TYPES): it is transient, the portal retries
  a 503, and nothing was changed (the transaction rolled back).
- Anything else a service raises is a bug → 500 `internal_error`, logged with the request id.
- The gateway's own checks raise ApiError; FastAPI's validation, 404 and 405 are reshaped to the same
  `{"detail", "code"}` body, except a GET's 404 outside /api/ and /static/ (an address a person opened):
  the portal's HTML page "Không tìm thấy trang" (gateway/web/pages.py).
"""
import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError, ResponseValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from common import contest_code
from gateway import context
from gateway.rpc_errors import RemoteError, ServiceUnavailable

log = logging.getLogger(__name__)

# The one table: remote exception class name → HTTP status.
STATUS_BY_EXC_TYPE = {
    "BadRequest": 400,
    "Invalid": 422,
    "Unauthorized": 401,
    "Forbidden": 403,
    "NotFound": 404,
    "Conflict": 409,
    "TooLarge": 413,
    "RateLimited": 429,
}

# The service could not reach another service or a store of its own (common.errors.UpstreamUnavailable,
# exc_args = [that service, detail]) → 503 `service_unavailable`, as if the gateway had not reached it.
UNAVAILABLE_EXC_TYPES = {"UpstreamUnavailable"}

# SQLAlchemy's connection-level errors (server restarting, connection refused or cut, deadlock):
# the call did not happen, trying again later will work. Matched on the module path, not only the
# class name, so a service's own class of the same name is not mistaken for one.
DATABASE_UNAVAILABLE = {"sqlalchemy.exc.OperationalError", "sqlalchemy.exc.InterfaceError",
                        "sqlalchemy.exc.DisconnectionError"}

# Vietnamese names of the services for 503 messages.
SERVICE_NAMES_VI = {
    "quiz": "dịch vụ thi trắc nghiệm (quiz)",
    "scoring": "dịch vụ chấm điểm (scoring)",
    "media": "dịch vụ video clip (media)",
    "awards": "dịch vụ giải thưởng (awards)",
    "rabbitmq": "máy chủ hàng đợi tin nhắn (RabbitMQ)",
}


class ApiError(Exception):
    """An error the gateway itself decides (auth, size caps, ...)."""

    def __init__(self, status, code, detail, headers=None):
        super().__init__(code)
        self.status = status
        self.code = code
        self.detail = detail
        self.headers = headers


def error_body(code, detail, **extra):
    return {"detail": detail, "code": code, **extra}


def _json(status, code, detail, headers=None, **extra):
    return JSONResponse(error_body(code, detail, **extra), status_code=status, headers=headers)


def unavailable_detail(service):
    name = SERVICE_NAMES_VI.get(service, f"dịch vụ {service}")
    return f"Hệ thống đang bận hoặc {name} tạm thời không phản hồi. Vui lòng thử lại sau ít phút."


def unavailable_response(service):
    return _json(503, "service_unavailable", unavailable_detail(service), service=service)


def _upstream_of(exc: RemoteError):
    """The service an UpstreamUnavailable names, when it is one the user knows by name (quiz,
    scoring, ...); otherwise (e.g. media's object store) the service that was called."""
    named = exc.exc_args[0] if exc.exc_args else None
    return named if isinstance(named, str) and named in SERVICE_NAMES_VI else exc.service


def remote_error_response(exc: RemoteError):
    if exc.exc_type in UNAVAILABLE_EXC_TYPES:
        service = _upstream_of(exc)
        log.warning("%s.%s: %s unavailable (request %s): %s", exc.service, exc.method, service,
                    context.request_id.get(), exc.value)
        return unavailable_response(service)
    status = STATUS_BY_EXC_TYPE.get(exc.exc_type)
    if status is None and exc.exc_path in DATABASE_UNAVAILABLE:
        log.warning("%s.%s: database unavailable (request %s): %s", exc.service, exc.method,
                    context.request_id.get(), exc.value)
        return unavailable_response(exc.service)
    if status is None:
        log.error("unexpected error from %s.%s (request %s): %s %s", exc.service, exc.method,
                  context.request_id.get(), exc.exc_type, exc.value)
        return _json(500, "internal_error", "Đã xảy ra lỗi hệ thống. Vui lòng thử lại sau.")
    args = list(exc.exc_args) + [None, None, None]
    code = args[0] if isinstance(args[0], str) else "error"
    detail = args[1] if isinstance(args[1], str) else code
    # A DomainError's `extra` (third exc_arg): additive members such as `field`; never overrides
    # `detail` or `code`, and only plain string values pass.
    extra = {k: v for k, v in args[2].items() if isinstance(k, str) and k not in ("detail", "code")
             and isinstance(v, str)} if isinstance(args[2], dict) else {}
    return _json(status, code, detail, **extra)


async def _on_remote_error(request: Request, exc: RemoteError):
    return remote_error_response(exc)


async def _on_unavailable(request: Request, exc: ServiceUnavailable):
    log.warning("service %s unavailable (%s) for %s %s", exc.service, exc.reason, request.method, request.url.path)
    return unavailable_response(exc.service)


async def _on_api_error(request: Request, exc: ApiError):
    return _json(exc.status, exc.code, exc.detail, headers=exc.headers)


def _field(loc):
    # ("body", "rounds", 0, "opens_at") → "rounds.0.opens_at"
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "form")]
    return ".".join(parts) or ".".join(str(p) for p in loc)


CONTEST_CODE_MESSAGE = "Mã hội thi chỉ gồm chữ thường, chữ số và dấu gạch ngang (2–40 ký tự)."


def _message(error):
    """Pydantic's message, except for the rules a person meets in a form, which speak Vietnamese."""
    ctx = error.get("ctx") or {}
    if ctx.get("pattern") == contest_code.PATTERN or (
            error.get("type") == "string_too_long" and error.get("loc", ())[-1:] in (("contest",), ("code",))
            and ctx.get("max_length") == contest_code.MAX_LENGTH):
        return CONTEST_CODE_MESSAGE
    return error.get("msg")


async def _on_validation_error(request: Request, exc: RequestValidationError):
    errors = exc.errors()
    if any(e.get("type") == "json_invalid" for e in errors):
        return _json(422, "invalid_json", "Nội dung gửi lên không phải JSON hợp lệ.")
    fields = [{"field": _field(e.get("loc", ())), "message": _message(e), "type": e.get("type")} for e in errors]
    return _json(422, "invalid_input", "Dữ liệu gửi lên không hợp lệ: " +
                 "; ".join(f"{f['field']}: {f['message']}" for f in fields), errors=fields)


async def _on_http_exception(request: Request, exc: StarletteHTTPException):
    if exc.status_code == 404:
        from gateway.web import pages  # the portal renders its own page; imported late (no cycle)
        if request.method in ("GET", "HEAD") and pages.wants_page(request.url.path):
            return pages.not_found_page(request)  # an address a person typed: the HTML page
        return _json(404, "not_found", "Không tìm thấy đường dẫn yêu cầu.")
    if exc.status_code == 405:
        return _json(405, "method_not_allowed", "Phương thức HTTP không được hỗ trợ cho đường dẫn này.",
                     headers=exc.headers)
    if exc.status_code == 400:
        # e.g. a broken multipart body; Starlette's message is English, ours is not.
        return _json(400, "bad_request", "Yêu cầu không đúng định dạng (nội dung gửi lên bị hỏng hoặc thiếu).")
    detail = exc.detail if isinstance(exc.detail, str) else "Yêu cầu không hợp lệ."
    # Our own HTTP exceptions carry a stable code (e.g. middleware.BodyTooLarge).
    return _json(exc.status_code, getattr(exc, "code", None) or "http_error", detail, headers=exc.headers)


async def _on_response_validation(request: Request, exc: ResponseValidationError):
    # A service answered outside its contract: our bug, not the user's.
    log.error("response of %s %s does not match its schema: %s", request.method, request.url.path, exc.errors())
    return _json(500, "internal_error", "Đã xảy ra lỗi hệ thống. Vui lòng thử lại sau.")


# The body of every 422 this gateway answers (_on_validation_error), documented in place of
# FastAPI's default HTTPValidationError (`detail` as a list), which it never sends.
VALIDATION_ERROR_SCHEMA = {
    "title": "HTTPValidationError",
    "type": "object",
    "required": ["detail", "code"],
    "properties": {
        "detail": {"type": "string", "title": "Detail"},
        "code": {"type": "string", "title": "Code"},
        "errors": {"type": "array", "items": {
            "type": "object",
            "properties": {"field": {"type": "string"}, "message": {"type": "string"}, "type": {"type": "string"}},
        }},
    },
}


def _document_our_422(app: FastAPI):
    build = app.openapi

    def openapi():
        schema = build()  # FastAPI caches it: patched once
        components = schema.get("components", {}).get("schemas", {})
        if "HTTPValidationError" in components:
            components["HTTPValidationError"] = VALIDATION_ERROR_SCHEMA
            components.pop("ValidationError", None)
        return schema

    app.openapi = openapi


def install(app: FastAPI):
    _document_our_422(app)
    app.add_exception_handler(RemoteError, _on_remote_error)
    app.add_exception_handler(ServiceUnavailable, _on_unavailable)
    app.add_exception_handler(ApiError, _on_api_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_exception)
    app.add_exception_handler(ResponseValidationError, _on_response_validation)
