"""A SigV4-verifying reverse proxy in front of moto's S3 server, for tests.

moto's server mode accepts any signature, any expiry and anonymous requests, so a test against it
cannot tell a correctly signed URL from a forged one. This proxy checks every request the way MinIO
and AWS do before passing it on to moto unchanged:

* header-signed requests (`Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=...,
  Signature=...`): the signature is recomputed with botocore's SigV4 signer over the method, path,
  query, the headers the client declared as signed (with the values it actually sent: the `Host` it
  signed must be the `Host` it sent to) and the payload hash it declared in `x-amz-content-sha256`
  (bodies are streamed, never hashed here); `x-amz-date` must be within 15 minutes of now;
* presigned URLs (`X-Amz-Signature` in the query): the same over the query without the signature
  and `UNSIGNED-PAYLOAD`; `host` must be among `X-Amz-SignedHeaders`, and the URL is refused once
  `X-Amz-Date` + `X-Amz-Expires` has passed (or before `X-Amz-Date`);
* anonymous requests (no signature at all) are refused, except `OPTIONS`: CORS preflights are
  unsigned by design (also those to a presigned URL, whose signature is for the PUT or GET that
  follows) and moto answers them from the bucket's CORS configuration.

A refusal is an S3 XML error with status 403 (`SignatureDoesNotMatch`, `AccessDenied`,
`InvalidAccessKeyId`, `RequestTimeTooSkewed`), or 400 for a malformed authorization. Accepted
requests and moto's answers are streamed through (uploads of hundreds of MB, Range playback) over
HTTP/1.1 keep-alive; moto is told its own host so that it keeps serving path-style buckets.

Run: `python -m tests.s3verify --port 9100 --upstream 127.0.0.1:9000` (tests/s3.py starts it).
"""
import argparse
import calendar
import hmac
import http.client
import http.server
import logging
import re
import sys
import time
import urllib.parse
import uuid
from xml.sax.saxutils import escape

from botocore.auth import S3SigV4Auth, S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.compat import HTTPHeaders
from botocore.credentials import Credentials

log = logging.getLogger("s3verify")

ALGORITHM = "AWS4-HMAC-SHA256"
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
MAX_SKEW_S = 15 * 60            # what S3 and MinIO allow between x-amz-date and their clock
MAX_EXPIRES_S = 7 * 24 * 3600   # SigV4 presigned URLs live at most 7 days
CHUNK = 256 * 1024
# Not forwarded in either direction (hop-by-hop), besides Host, which is rewritten for moto.
HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding",
              "upgrade", "expect"}
_AUTH_RE = re.compile(r"^AWS4-HMAC-SHA256\s+(.*)$", re.S)


class Refused(Exception):
    def __init__(self, status, code, message):
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message = status, code, message


def _signer(cls, access_key, secret_key, region, declared_headers, payload_hash):
    """A botocore signer that signs exactly the headers the client declared, over its declared hash."""

    class Verifier(cls):
        def headers_to_sign(self, request):
            return declared_headers

        def payload(self, request):
            return payload_hash

    return Verifier(Credentials(access_key, secret_key), "s3", region)


def _amz_time(value):
    try:
        return calendar.timegm(time.strptime(value, "%Y%m%dT%H%M%SZ"))
    except (TypeError, ValueError):
        raise Refused(403, "AccessDenied", "X-Amz-Date must be in the ISO8601 basic format (yyyyMMdd'T'HHmmss'Z').")


def _split_target(target):
    """(canonical path, [(name, value)] decoded query pairs) of a request target."""
    path, _, query = target.partition("?")
    pairs = []
    for item in query.split("&") if query else ():
        name, _, value = item.partition("=")
        pairs.append((urllib.parse.unquote(name), urllib.parse.unquote(value)))
    # S3 canonical URI: every path segment URI-encoded once (decode what the client encoded first).
    return urllib.parse.quote(urllib.parse.unquote(path), safe="/~"), pairs


def _check_scope(credential, access_key, region, amz_date):
    parts = credential.split("/")
    if len(parts) != 5 or parts[4] != "aws4_request" or parts[3] != "s3":
        raise Refused(400, "AuthorizationHeaderMalformed", f"malformed credential scope {credential!r}")
    if parts[0] != access_key:
        raise Refused(403, "InvalidAccessKeyId",
                      "The Access Key Id you provided does not exist in our records.")
    if parts[2] != region:
        raise Refused(400, "AuthorizationHeaderMalformed",
                      f"the region '{parts[2]}' is wrong; expecting '{region}'")
    if parts[1] != amz_date[:8]:
        raise Refused(403, "SignatureDoesNotMatch", "credential date does not match X-Amz-Date")


def _declared_headers(names, headers):
    """The headers the client says it signed, with the values it sent (missing ones fail)."""
    declared = HTTPHeaders()
    for name in names:
        values = headers.get_all(name) if hasattr(headers, "get_all") else None
        if values is None:
            value = headers.get(name)
            values = [value] if value is not None else []
        if not values:
            raise Refused(403, "SignatureDoesNotMatch", f"signed header {name!r} is not in the request")
        for value in values:
            declared[name] = value
    return declared


def verify(method, target, headers, access_key, secret_key, region, now=None):
    """Check one request's SigV4 signature; return 'header', 'query' or 'preflight', or raise Refused.

    `target` is the request line's path?query as sent, `headers` a case-insensitive mapping of the
    headers as received (`Host` included)."""
    if method == "OPTIONS":
        # CORS preflights carry no credentials, even to a presigned URL (the browser sends its query
        # but not its method): S3 and MinIO answer them from the CORS rules before any signature check.
        return "preflight"
    now = time.time() if now is None else now
    path, pairs = _split_target(target)
    query = dict(pairs)
    authorization = headers.get("Authorization")
    if authorization:
        match = _AUTH_RE.match(authorization.strip())
        if not match:
            raise Refused(400, "AuthorizationHeaderMalformed", "only AWS4-HMAC-SHA256 signatures are accepted")
        fields = dict(f.strip().split("=", 1) for f in match.group(1).split(",") if "=" in f)
        try:
            credential, signed, signature = fields["Credential"], fields["SignedHeaders"], fields["Signature"]
        except KeyError as exc:
            raise Refused(400, "AuthorizationHeaderMalformed", f"missing {exc.args[0]}")
        amz_date = headers.get("x-amz-date")
        if not amz_date:
            raise Refused(403, "AccessDenied", "AWS authentication requires a valid Date or x-amz-date header")
        payload_hash = headers.get("x-amz-content-sha256")
        if not payload_hash:
            raise Refused(400, "InvalidRequest", "Missing required header for this request: x-amz-content-sha256")
        _check_scope(credential, access_key, region, amz_date)
        if abs(now - _amz_time(amz_date)) > MAX_SKEW_S:
            raise Refused(403, "RequestTimeTooSkewed",
                          "The difference between the request time and the server's time is too large.")
        names = signed.split(";")
        params, cls, mode = pairs, S3SigV4Auth, "header"
    elif "X-Amz-Signature" in query or "X-Amz-Credential" in query:
        if query.get("X-Amz-Algorithm") != ALGORITHM:
            raise Refused(400, "AuthorizationQueryParametersError", "X-Amz-Algorithm only supports AWS4-HMAC-SHA256")
        try:
            credential, amz_date = query["X-Amz-Credential"], query["X-Amz-Date"]
            expires, signed, signature = int(query["X-Amz-Expires"]), query["X-Amz-SignedHeaders"], query["X-Amz-Signature"]
        except (KeyError, ValueError) as exc:
            raise Refused(400, "AuthorizationQueryParametersError", f"missing or bad query parameter {exc}")
        if not 0 <= expires <= MAX_EXPIRES_S:
            raise Refused(400, "AuthorizationQueryParametersError",
                          "X-Amz-Expires must be non-negative and less than a week (in seconds)")
        _check_scope(credential, access_key, region, amz_date)
        signed_at = _amz_time(amz_date)
        if now < signed_at - MAX_SKEW_S:
            raise Refused(403, "AccessDenied", "Request is not valid yet")
        if now > signed_at + expires:
            raise Refused(403, "AccessDenied", "Request has expired")
        names = signed.split(";")
        if "host" not in names:
            raise Refused(400, "AuthorizationQueryParametersError", "host must be a signed header")
        payload_hash = query.get("X-Amz-Content-Sha256", UNSIGNED_PAYLOAD)
        params = [(k, v) for k, v in pairs if k != "X-Amz-Signature"]
        cls, mode = S3SigV4QueryAuth, "query"
    else:
        raise Refused(403, "AccessDenied", "Access Denied.")

    if names != sorted(n.lower() for n in names) or "host" not in names:
        raise Refused(403, "SignatureDoesNotMatch", "SignedHeaders must be lower-case, sorted and include host")
    declared = _declared_headers(names, headers)
    signer = _signer(cls, access_key, secret_key, region, declared, payload_hash)
    request = AWSRequest(method=method, url="http://" + headers.get("Host", "") + path, params=params,
                         headers=declared)
    request.context["timestamp"] = amz_date
    canonical = signer.canonical_request(request)
    expected = signer.signature(signer.string_to_sign(request, canonical), request)
    if not hmac.compare_digest(expected, signature.lower()):
        raise Refused(403, "SignatureDoesNotMatch",
                      "The request signature we calculated does not match the signature you provided. "
                      "Check your key and signing method.")
    return mode


def error_body(code, message, resource):
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{escape(code)}</Code>'
            f"<Message>{escape(message)}</Message><Resource>{escape(resource)}</Resource>"
            f"<RequestId>{uuid.uuid4().hex[:16].upper()}</RequestId></Error>").encode()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "s3verify"
    timeout = 300  # an idle keep-alive connection gives its thread back after this
    # Set by serve(): access_key, secret_key, region, upstream ("host:port").
    config = None

    def log_message(self, fmt, *args):  # refusals are logged on their own; no line per request
        pass

    def _any(self):
        cfg = self.config
        try:
            verify(self.command, self.path, self.headers, cfg["access_key"], cfg["secret_key"], cfg["region"])
        except Refused as exc:
            log.warning("refused %s %s: %s %s", self.command, self.path.partition("?")[0], exc.code, exc.message)
            return self._refuse(exc)
        try:
            self._forward()
        except (ConnectionError, TimeoutError, http.client.HTTPException) as exc:
            log.warning("%s %s: %r", self.command, self.path.partition("?")[0], exc)
            self.close_connection = True

    do_GET = do_HEAD = do_PUT = do_POST = do_DELETE = do_OPTIONS = do_PATCH = _any

    def _refuse(self, exc):
        # Read a small body so that the client sees the answer rather than a reset connection.
        length = int(self.headers.get("Content-Length") or 0)
        if length <= 16 * 1024 * 1024 and "chunked" not in (self.headers.get("Transfer-Encoding") or ""):
            while length > 0:
                data = self.rfile.read(min(CHUNK, length))
                length = length - len(data) if data else 0
        else:
            self.close_connection = True
        body = b"" if self.command == "HEAD" else error_body(exc.code, exc.message, self.path.partition("?")[0])
        self.send_response(exc.status)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def _forward(self):
        host, _, port = self.config["upstream"].rpartition(":")
        upstream = http.client.HTTPConnection(host, int(port), timeout=600)
        try:
            upstream.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
            upstream.putheader("Host", self.config["upstream"])
            chunked = "chunked" in (self.headers.get("Transfer-Encoding") or "").lower()
            for name, value in self.headers.items():
                if name.lower() not in HOP_BY_HOP and name.lower() != "host":
                    upstream.putheader(name, value)
            if chunked:
                upstream.putheader("Transfer-Encoding", "chunked")
            upstream.endheaders()
            if chunked:
                self._copy_chunked(upstream)
            else:
                length = int(self.headers.get("Content-Length") or 0)
                while length > 0:
                    data = self.rfile.read(min(CHUNK, length))
                    if not data:
                        raise ConnectionError("client closed the request body early")
                    upstream.send(data)
                    length -= len(data)
            resp = upstream.getresponse()
            self.send_response_only(resp.status, resp.reason)
            length = resp.getheader("Content-Length")
            for name, value in resp.getheaders():
                if name.lower() not in HOP_BY_HOP:
                    self.send_header(name, value)
            no_body = self.command == "HEAD" or resp.status in (204, 304) or resp.status < 200
            if not no_body and length is None:
                self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            if no_body:
                return
            while True:
                data = resp.read(CHUNK)
                if not data:
                    break
                self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data) if length is None else data)
            if length is None:
                self.wfile.write(b"0\r\n\r\n")
        finally:
            upstream.close()

    def _copy_chunked(self, upstream):
        """Pass a chunked request body on as it came (sizes, data, trailer)."""
        while True:
            line = self.rfile.readline(65537)
            upstream.send(line)
            size = int(line.split(b";", 1)[0].strip() or b"0", 16)
            if size == 0:
                while True:
                    trailer = self.rfile.readline(65537)
                    upstream.send(trailer)
                    if trailer in (b"\r\n", b"\n", b""):
                        return
            remaining = size + 2  # the data and its CRLF
            while remaining > 0:
                data = self.rfile.read(min(CHUNK, remaining))
                if not data:
                    raise ConnectionError("client closed the request body early")
                upstream.send(data)
                remaining -= len(data)


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128


def make_server(port, upstream, access_key, secret_key, region, host="127.0.0.1"):
    handler = type("BoundHandler", (Handler,), {"config": {
        "upstream": upstream, "access_key": access_key, "secret_key": secret_key, "region": region}})
    return Server((host, port), handler)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--upstream", required=True, help="host:port of moto's S3 server")
    parser.add_argument("--access-key", default="minioadmin")
    parser.add_argument("--secret-key", default="minioadmin")
    parser.add_argument("--region", default="us-east-1")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s s3verify %(message)s")
    server = make_server(args.port, args.upstream, args.access_key, args.secret_key, args.region, args.host)
    log.info("verifying SigV4 on %s:%s for %s", args.host, args.port, args.upstream)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
