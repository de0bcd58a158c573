"""The API's documentation pages, /docs (Swagger UI) and /redoc, served entirely from the platform.

FastAPI's own pages load Swagger UI, ReDoc and a favicon from public CDNs: on an offline provincial
network they stay blank, and on the portal's origin they would run third-party script without
integrity hashes. The assets come from the `fastapi-offline` wheel (MIT; Swagger UI and ReDoc
distribution files as package data; only its files are used, not its app factory), served under
ASSETS_PATH, and each page carries a Content-Security-Policy that allows nothing but the platform
(plus the hash of the one inline script that starts Swagger UI).
"""
import base64
import hashlib
import os
import re

import fastapi_offline
from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS_DIR = os.path.join(os.path.dirname(fastapi_offline.__file__), "static")
ASSETS_PATH = "/docs-assets"
DOCS_URL, REDOC_URL = "/docs", "/redoc"


def _policy(html):
    """script-src: the platform and the page's inline scripts, by hash; nothing from elsewhere."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"
        for body in re.findall(r"<script>(.*?)</script>", html, flags=re.S))
    # Swagger UI sets inline style attributes and uses data: icons; ReDoc runs a blob: worker.
    return (f"default-src 'self'; script-src 'self' {hashes}; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; "
            "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'")


def _page(response):
    html = response.body.decode()
    return HTMLResponse(html, headers={"content-security-policy": _policy(html),
                                       "cache-control": "no-cache"})


def mount(app: FastAPI):
    """Call with an app created with docs_url=None, redoc_url=None."""
    app.mount(ASSETS_PATH, StaticFiles(directory=ASSETS_DIR), name="docs-assets")
    title = app.title

    @app.get(DOCS_URL, include_in_schema=False)
    async def swagger_ui():
        return _page(get_swagger_ui_html(
            openapi_url=app.openapi_url, title=f"{title} – Swagger UI",
            swagger_js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_PATH}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS_PATH}/favicon.png",
            swagger_ui_parameters=app.swagger_ui_parameters))

    @app.get(REDOC_URL, include_in_schema=False)
    async def redoc():
        return _page(get_redoc_html(
            openapi_url=app.openapi_url, title=f"{title} – ReDoc",
            redoc_js_url=f"{ASSETS_PATH}/redoc.standalone.js",
            redoc_favicon_url=f"{ASSETS_PATH}/favicon.png", with_google_fonts=False))
