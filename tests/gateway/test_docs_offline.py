"""/docs and /redoc load nothing from outside the platform (issue 15, finding 9): an offline network
still gets the API documentation, and no third-party script runs on the portal's origin."""
import re
import urllib.parse

import pytest

ORIGIN = "http://testserver"


def _references(html):
    """Every URL the page loads or links to: src/href attributes and url(...) in styles and scripts."""
    found = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html)
    found += re.findall(r"""url\(\s*["']?([^"')]+)""", html)
    found += re.findall(r"""(?:url|spec-url)\s*:\s*["']([^"']+)["']""", html)
    found += re.findall(r"""spec-url\s*=\s*["']([^"']+)["']""", html)
    return found


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_docs_reference_no_other_origin_and_their_assets_are_served(client, path):
    resp = client.get(path)
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/html")
    html = resp.text
    refs = _references(html)
    assert refs, html
    assert not re.search(r"https?://(?!testserver)", html), "an absolute URL to another origin"
    assert not re.search(r"""["']//""", html), "a protocol-relative URL"
    for ref in refs:
        url = urllib.parse.urljoin(ORIGIN + path, ref)
        assert url.startswith(ORIGIN + "/"), ref
        if ref.startswith("/openapi.json"):
            continue
        asset = client.get(url)
        assert asset.status_code == 200 and len(asset.content) > 1000, ref
    # The browser enforces it too: nothing but the platform (and the page's own inline script).
    csp = resp.headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    for name in ("default-src", "script-src", "style-src", "connect-src", "img-src"):
        assert "http" not in directives[name] and "*" not in directives[name], (name, directives[name])
    assert "'unsafe-inline'" not in directives["script-src"]


def test_swagger_ui_is_the_bundled_one(client):
    js = client.get("/docs-assets/swagger-ui-bundle.js")
    assert js.status_code == 200 and "SwaggerUIBundle" in js.text[:5000]
    assert client.get("/docs-assets/swagger-ui.css").status_code == 200
    assert client.get("/openapi.json").status_code == 200
