"""The gateway application: `uvicorn gateway.main:app`."""
import logging
import os
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from common import logs
from gateway import context, docs, errors, metrics
from gateway.config import check_secrets, settings
from gateway.middleware import GatewayMiddleware
from gateway.routes import audit, awards, contestants, identity, media, ops, quiz, results, setup
from gateway.rpc import RpcClient
from gateway.sessions import EVENT as SESSION_EVENT, SOURCE as SESSION_EVENT_SOURCE, TokenVersions
from gateway import web

log = logging.getLogger("gateway")



def create_app(rpc=None):
    """Build the app; `rpc` lets a caller (tests) supply its own client instead of a real one."""
    check_secrets()

    @asynccontextmanager
    async def lifespan(app):
        # The app starts even when the broker is down: the client keeps retrying and /readyz says 503.
        await app.state.rpc.start()
        try:
            yield
        finally:
            await app.state.rpc.stop()
            metrics.process_exited(os.getpid())  # this worker's live gauges leave the sum

    app = FastAPI(
        title="Hội thi CCHC – API cổng kết nối",
        description="Nền tảng hội thi trực tuyến tìm hiểu công tác cải cách hành chính tỉnh Thừa Thiên Huế. "
                    "Đăng nhập tại POST /api/v1/auth/token, gửi mã truy cập qua `Authorization: Bearer <token>`.",
        version="1.0.0",
        lifespan=lifespan,
        # Served by gateway/docs.py from the platform's own copies of Swagger UI and ReDoc (no CDN).
        docs_url=None,
        redoc_url=None,
    )
    if rpc is None:
        rpc = RpcClient(settings.amqp_uri, timeout=settings.rpc_timeout_s)
        if settings.rpc_batch_max_items > 1:
            # The two calls a round's opening and its deadline rush send by the thousand.
            for method in ("start_attempt", "submit_attempt"):
                rpc.coalesce("quiz", method, method + "s", settings.rpc_batch_max_items,
                             settings.rpc_batch_max_in_flight)
            # ... and the token checks of those same contestants (gateway/sessions.py), a read.
            rpc.coalesce("quiz", "token_state", "token_states", settings.rpc_batch_max_items,
                         settings.rpc_batch_max_in_flight)
    app.state.rpc = rpc
    # Ended sessions (SPEC 6): each account's token version, cached and kept current by quiz's events.
    sessions = TokenVersions(lambda user_id: rpc.call("quiz", "token_state", user_id),
                             settings.token_version_ttl_s)
    if hasattr(rpc, "subscribe"):
        rpc.subscribe(SESSION_EVENT_SOURCE, [SESSION_EVENT], sessions.on_event, on_connect=sessions.clear)
    app.state.sessions = sessions
    errors.install(app)
    for module in (identity, setup, contestants, quiz, results, media, awards, audit):
        app.include_router(module.router)
    app.include_router(ops.router)
    docs.mount(app)
    web.mount(app)  # the portal's pages and static files (after the API routes)
    # Order: added last = outermost. CORS answers preflights; ours wraps everything (ids, metrics).
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
        allow_headers=["Authorization", "Content-Type", "X-Request-ID"],
        expose_headers=["X-Request-ID"],
        # Bearer tokens travel in a header, never in cookies, so credentials stay off (allows "*").
        allow_credentials=False,
    )
    app.add_middleware(GatewayMiddleware)
    return app


class _RequestIdFilter(logging.Filter):
    """common.logs keeps the request id in a thread-local (right for eventlet workers); the
    gateway's requests share one thread, so it comes from the request's context variable."""

    def filter(self, record):
        record.request_id = context.request_id.get() or "-"
        return True


def _configure_logging():
    if logging.getLogger().handlers:
        return  # someone (pytest, an embedding app) configured logging already
    logs.configure("gateway")
    for handler in logging.getLogger().handlers:
        handler.filters[:] = [_RequestIdFilter()]


_configure_logging()
app = create_app()
