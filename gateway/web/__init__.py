"""The web portal: HTML pages served by the gateway, whose JavaScript calls /api/v1 (same origin).

`mount(app)` adds the pages, the portal's small JSON helpers (server time, metrics summary) and the
static files. No build step: Jinja2 templates and plain JavaScript/CSS under static/.
"""
import os

from fastapi.staticfiles import StaticFiles

from gateway.web import api, pages

STATIC_DIR = os.path.join(os.path.dirname(__file__), "static")


def mount(app):
    app.include_router(api.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
