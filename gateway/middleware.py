"""Pure ASGI middleware: request id, metrics per route template, security headers, body size cap.

Pure ASGI (not BaseHTTPMiddleware) so streaming and the request-id context variable behave the same
in every route.
"""
import json
import logging
import re
import time
import uuid

from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException

from gateway import context, metrics
from gateway.errors import error_body
from gateway.config import settings

log = logging.getLogger(__name__)

_VALID_RID = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")
SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "SAMEORIGIN",
    "cross-origin-resource-policy": "cross-origin",
}
# Imports carry a file up to MAX_IMPORT_BYTES plus the multipart framing; nothing else needs more.
_BODY_SLACK = 64 * 1024


class GatewayMiddleware:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        rid = headers.get("x-request-id", "")
        if not _VALID_RID.match(rid):
            rid = uuid.uuid4().hex  # a client's id is kept only if it is safe to log and echo
        token = context.request_id.set(rid)
        began = time.perf_counter()
        status = {"code": 500, "started": False}

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                status["started"] = True
                out = MutableHeaders(scope=message)
                out["x-request-id"] = rid
                for name, value in SECURITY_HEADERS.items():
                    if name == "x-frame-options" and _framed_by_others(out.get("content-security-policy", "")):
                        continue  # the response lets other sites frame it (the portal's /embed page)
                    out.setdefault(name, value)
            await send(message)

        try:
            if _too_large(headers):
                await _reject_too_large(scope, send_with_headers)
            elif _has_nul(scope):
                # A NUL in a path or query value would reach a service's database and fail there.
                await _send_json(send_with_headers, 422, error_body(
                    "invalid_input", "Đường dẫn hoặc tham số chứa ký tự không hợp lệ (ký tự NUL)."))
            else:
                await self.app(scope, _capped(receive, scope), send_with_headers)
        except Exception:
            # A bug in the gateway itself: log it with the request id, answer the usual JSON body.
            log.exception("unhandled error in %s %s", scope["method"], scope["path"])
            if status["started"]:
                raise
            await _send_json(send_with_headers, 500, error_body(
                "internal_error", "Đã xảy ra lỗi hệ thống. Vui lòng thử lại sau."))
        finally:
            context.request_id.reset(token)
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            elapsed = time.perf_counter() - began
            labels = (scope["method"], template, str(status["code"]))
            metrics.HTTP_REQUESTS.labels(*labels).inc()
            metrics.HTTP_SECONDS.labels(*labels).observe(elapsed)


def _framed_by_others(csp):
    for directive in csp.split(";"):
        parts = directive.split()
        if parts and parts[0] == "frame-ancestors":
            return parts[1:] != ["'self'"]
    return False


def _has_nul(scope):
    raw = (scope.get("raw_path") or scope["path"].encode("utf-8", "surrogateescape")) + b"?" + scope.get("query_string", b"")
    return b"%00" in raw or b"\x00" in raw or "\x00" in scope["path"]


def _too_large(headers):
    try:
        length = int(headers.get("content-length") or 0)
    except ValueError:
        return False
    return length > settings.max_import_bytes + _BODY_SLACK


class BodyTooLarge(HTTPException):
    """A body without Content-Length (chunked) grew past the cap while being read. Raised from
    `receive`, so FastAPI passes it on as an HTTP error (errors.py answers 413 with `code`)."""

    def __init__(self, code):
        super().__init__(413, f"Dữ liệu gửi lên quá lớn: tối đa {settings.max_import_bytes // 1024} KiB.")
        self.code = code


def _capped(receive, scope):
    """`receive` that counts the body as it arrives: the Content-Length check above cannot see a
    chunked body, which would otherwise be read into memory whole, however large."""
    limit = settings.max_import_bytes + _BODY_SLACK
    seen = [0]

    async def receive_capped():
        message = await receive()
        if message["type"] == "http.request":
            seen[0] += len(message.get("body", b""))
            if seen[0] > limit:
                raise BodyTooLarge("file_too_large" if scope["path"].endswith("/import") else "payload_too_large")
        return message

    return receive_capped


async def _reject_too_large(scope, send):
    # Refused before reading the body, so a huge upload costs nothing.
    is_import = scope["path"].endswith("/import")
    await _send_json(send, 413, error_body(
        "file_too_large" if is_import else "payload_too_large",
        f"Dữ liệu gửi lên quá lớn: tối đa {settings.max_import_bytes // 1024} KiB.",
    ), close=True)


async def _send_json(send, status, payload, close=False):
    body = json.dumps(payload, ensure_ascii=False).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if close:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
