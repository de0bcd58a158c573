"""Request size limits (413), CORS, and the security headers of the portal's pages and the API.

The size checks talk raw HTTP over a socket: a client library would refuse to send a Content-Length
it does not mean, and a chunked body is exactly what a Content-Length check alone cannot see.
"""
import json
import os
import socket

import pytest

MAX_IMPORT_BYTES = int(os.environ.get("MAX_IMPORT_BYTES", str(5 * 1024 * 1024)))
PAGES = ["/", "/dang-ky", "/dang-nhap", "/thi", "/luot-thi", "/bang-xep-hang", "/thong-ke", "/video",
         "/quan-tri", "/quan-tri/nhap-du-lieu", "/giam-khao", "/giam-sat"]
ORIGIN = "https://sonoivu.thuathienhue.gov.vn"


def raw_request(cluster, head, body_chunks=(), chunked=False):
    """Send a request by hand; returns (status, headers, body) of the answer."""
    sock = socket.create_connection(("127.0.0.1", cluster.gateway_port), timeout=30)
    try:
        sock.sendall(head.encode("latin-1"))
        try:
            for chunk in body_chunks:
                sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk) if chunked else chunk)
            if chunked:
                sock.sendall(b"0\r\n\r\n")
        except OSError:
            pass  # the server answered and closed before reading it all: fine, that is the point
        data = b""
        while b"\r\n\r\n" not in data:
            part = sock.recv(65536)
            if not part:
                break
            data += part
        header_blob, _, rest = data.partition(b"\r\n\r\n")
        lines = header_blob.decode("latin-1").split("\r\n")
        headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        length = int(headers.get("content-length", "0"))
        while len(rest) < length:
            part = sock.recv(65536)
            if not part:
                break
            rest += part
        return int(lines[0].split()[1]), headers, rest.decode("utf-8", "replace")
    finally:
        sock.close()


def test_declared_oversized_body_is_413_before_it_is_read(cluster):
    # 1 GB announced, nothing sent: the answer comes at once, without waiting for the body.
    status, _headers, body = raw_request(
        cluster, "POST /api/v1/auth/token HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                 "Content-Length: 1000000000\r\n\r\n")
    assert status == 413, body
    assert json.loads(body)["code"] == "payload_too_large" and "quá lớn" in json.loads(body)["detail"]


def test_oversized_import_is_413_file_too_large(cluster, users):
    token = users["organizer"]["token"]
    status, _h, body = raw_request(
        cluster, "POST /api/v1/admin/units/import HTTP/1.1\r\nHost: t\r\n"
                 f"Authorization: Bearer {token}\r\nContent-Type: multipart/form-data; boundary=xyz\r\n"
                 f"Content-Length: {MAX_IMPORT_BYTES * 2}\r\n\r\n")
    assert status == 413, body
    assert json.loads(body)["code"] == "file_too_large"


@pytest.mark.parametrize("path,code", [("/api/v1/auth/token", "payload_too_large"),
                                       ("/api/v1/contestants", "payload_too_large")])
def test_chunked_body_past_the_cap_is_413_too(cluster, path, code):
    # No Content-Length: the body is counted as it arrives and refused past the cap.
    chunk = b" " * 65536
    n = (MAX_IMPORT_BYTES + 128 * 1024) // len(chunk) + 2
    status, _h, body = raw_request(
        cluster, f"POST {path} HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                 "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n", [chunk] * n, chunked=True)
    assert status == 413, body
    assert json.loads(body)["code"] == code


def test_small_chunked_body_still_works(cluster, users):
    body_bytes = ('{"username": "%s", "password": "%s"}' % (users["monitor"]["username"],
                                                            users["monitor"]["password"])).encode()
    status, _h, body = raw_request(
        cluster, "POST /api/v1/auth/token HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                 "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n", [body_bytes], chunked=True)
    assert status == 200, body


def test_cors_preflight_allows_the_api_without_credentials(cluster):
    resp = cluster.http.options("/api/v1/contests", headers={
        "Origin": ORIGIN, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type"})
    assert resp.status_code == 200
    assert resp.headers["access-control-allow-origin"] in ("*", ORIGIN)
    allowed = {m.strip() for m in resp.headers["access-control-allow-methods"].split(",")}
    assert {"GET", "POST", "PUT", "DELETE"} <= allowed
    assert "authorization" in resp.headers["access-control-allow-headers"].lower()
    # Tokens travel in a header, so cookies are never allowed cross-origin.
    assert resp.headers.get("access-control-allow-credentials") != "true"


def test_cors_simple_request_exposes_the_request_id_only(cluster):
    resp = cluster.http.get("/api/v1/contests", headers={"Origin": ORIGIN})
    assert resp.status_code == 200
    assert resp.headers["access-control-allow-origin"] in ("*", ORIGIN)
    assert resp.headers.get("access-control-allow-credentials") != "true"
    assert "x-request-id" in resp.headers.get("access-control-expose-headers", "").lower()


def test_cors_preflight_refuses_other_methods_and_headers(cluster):
    resp = cluster.http.options("/api/v1/contests", headers={
        "Origin": ORIGIN, "Access-Control-Request-Method": "TRACE"})
    assert resp.status_code == 400
    # PATCH is an API method now (PATCH /admin/contests/{c}): allowed like the others.
    resp = cluster.http.options("/api/v1/admin/contests/cchc-2023", headers={
        "Origin": ORIGIN, "Access-Control-Request-Method": "PATCH"})
    assert resp.status_code == 200
    resp = cluster.http.options("/api/v1/contests", headers={
        "Origin": ORIGIN, "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "x-admin"})
    assert resp.status_code == 400


def assert_hardened(resp, where):
    h = resp.headers
    assert h.get("x-content-type-options") == "nosniff", where
    assert h.get("referrer-policy") == "no-referrer", where
    assert h.get("x-request-id"), where
    csp = h.get("content-security-policy", "")
    # Framing: SAMEORIGIN everywhere, except a page that says itself who may frame it.
    assert h.get("x-frame-options") == "SAMEORIGIN" or "frame-ancestors" in csp, where
    assert not any(c.isdigit() for c in h.get("server", "")), where  # no version banner
    assert "x-powered-by" not in h, where


@pytest.mark.parametrize("path", PAGES)
def test_pages_carry_the_security_headers(cluster, path):
    resp = cluster.http.get(path)
    assert resp.status_code == 200, (path, resp.status_code)
    assert resp.headers["content-type"].startswith("text/html")
    assert_hardened(resp, path)
    assert resp.headers.get("x-frame-options") == "SAMEORIGIN", path
    # The pages are shells: no token, secret or personal data is rendered into them.
    assert cluster.jwt_secret not in resp.text


def csp_of(resp):
    return {d.split()[0]: d.split()[1:] for d in resp.headers["content-security-policy"].split(";") if d.strip()}


@pytest.mark.parametrize("path", PAGES)
def test_pages_allow_only_the_portal_own_scripts(cluster, path):
    """Content-Security-Policy: an injected <script> or inline handler would not run (no
    'unsafe-inline' anywhere), no plugin, no <base> hijack; clips come from the clip store only.
    The browser layer checks that the pages themselves break none of it (console errors)."""
    csp = csp_of(cluster.http.get(path))
    assert csp["default-src"] == ["'self'"] and csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"] and csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"] and csp["frame-ancestors"] == ["'self'"]
    store = f"http://{cluster.s3_endpoint}"  # where media's presigned URLs point in this cluster
    assert csp["media-src"] == ["'self'", store] and csp["connect-src"] == ["'self'", store]
    assert not any("unsafe" in v or v == "*" for values in csp.values() for v in values), csp


def test_embed_page_is_framable_by_csp_not_by_a_missing_header(cluster):
    resp = cluster.http.get("/embed")
    assert resp.status_code == 200
    assert_hardened(resp, "/embed")
    csp = csp_of(resp)
    assert csp["frame-ancestors"] == ["*"]  # PORTAL_EMBED_ANCESTORS' default: any agency site
    assert csp["script-src"] == ["'self'"] and "x-frame-options" not in resp.headers


@pytest.mark.parametrize("path", ["/api/v1/contests", "/api/v1/me", "/nope", "/api/v1/khong-co"])
def test_api_answers_and_errors_carry_the_headers_and_no_stack_trace(cluster, path):
    resp = cluster.http.get(path)
    assert_hardened(resp, path)
    # Under /api the answers are JSON; an unknown page of the portal is its HTML 404 (issue 16).
    expected = "application/json" if path.startswith("/api/") else "text/html"
    assert resp.headers["content-type"].startswith(expected), path
    assert "Traceback" not in resp.text and "File \"" not in resp.text
