"""Browser tests: the real platform (tests/e2e/cluster.py) and headless Chromium driven by Playwright.

Run with `.venv/bin/python -m pytest -p no:pytest_nameko tests/browser`. The browser is Debian's
`chromium` (scripts/install_browser.sh); Playwright's own browser downloads are never used.
Screenshots land in tests/artifacts/screenshots/ (gitignored); `make screenshots` (SCREENSHOTS_DIR=
docs/screenshots) refreshes the committed ones the README links to.
"""
import os

import pytest

from tests.browser import helpers
from tests.e2e.cluster import running_cluster

CHROMIUM = os.environ.get("CHROMIUM_BIN", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync",
                 "--lang=vi-VN"]  # date fields and file pickers as a Vietnamese user sees them


def pytest_collection_modifyitems(items):
    for item in items:
        item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def cluster():
    with running_cluster() as c:
        yield c


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run scripts/install_browser.sh (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        # Chromium on Linux takes its interface language (file pickers, date fields) from LANGUAGE.
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                              env={**os.environ, "LANGUAGE": "vi", "LANG": "vi_VN.UTF-8"})
        yield b
        b.close()


@pytest.fixture
def context(browser, cluster):
    """A fresh browser profile (empty sessionStorage) per test, at desktop size, Vietnamese locale."""
    ctx = browser.new_context(base_url=cluster.base_url, viewport={"width": 1280, "height": 860},
                              locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    ctx.set_default_timeout(20_000)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context):
    pg = context.new_page()
    pg.js_errors = []  # uncaught errors of the page's scripts: every test asserts there were none
    pg.on("pageerror", lambda exc: pg.js_errors.append(str(exc)))
    # ... and nothing the Content-Security-Policy refused (Chromium reports it on the console).
    pg.on("console", lambda msg: pg.js_errors.append(msg.text)
          if msg.type == "error" and "Content Security Policy" in msg.text else None)
    yield pg
    assert pg.js_errors == [], pg.js_errors


@pytest.fixture(scope="session")
def api(cluster):
    client = helpers.Api(cluster.base_url)
    yield client
    client.close()


@pytest.fixture(scope="session")
def admin(api):
    return api.headers("admin", "admin")


@pytest.fixture(scope="session")
def demo_activity(api):
    """Twenty contestants of eight units took round 1 of the demo contest (for the results pages)."""
    helpers.play_demo_round(api)
