"""The tests' object store checks signatures as MinIO does (tests/s3verify.py in front of moto).

Every refusal the other tests rely on (test_bucket_private.py, the clusters' presigned URLs) means
something only if the store refuses what MinIO refuses and serves what MinIO serves: a presigned URL
with one character of its signature changed, an expired one, one signed for another host or another
object, anonymous reads, listings and writes, a header-signed call with the wrong secret or access
key, a body whose declared hash is not the one signed are all refused (403); the correctly signed
calls of both SDKs (minio, boto3) work, with Range reads, multipart uploads and CORS preflights.
Its own store, no cluster: `.venv/bin/python -m pytest -p no:pytest_nameko tests/security/test_s3_signatures.py`.
"""
import datetime as dt
import email.message
import hashlib
import io
import time
import urllib.parse

import boto3
import httpx
import pytest
from botocore.auth import S3SigV4Auth, S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from minio import Minio
from minio.error import S3Error

from tests import s3, s3verify

BUCKET = "kiem-thu-chu-ky"
KEY = "clips/don-vi/phong su.mp4"  # a space: the canonical path is percent-encoded
BODY = bytes(range(256)) * 4096  # 1 MiB
REGION = s3.REGION


@pytest.fixture(scope="module")
def store():
    st = s3.start_store()
    yield st
    st.stop()


@pytest.fixture(scope="module")
def client(store):
    c = Minio(store.endpoint, access_key=s3.ACCESS_KEY, secret_key=s3.SECRET_KEY, secure=False, region=REGION)
    c.make_bucket(BUCKET)
    c.put_object(BUCKET, KEY, io.BytesIO(BODY), len(BODY), content_type="video/mp4")
    return c


def minio_for(endpoint, secret=s3.SECRET_KEY, access=s3.ACCESS_KEY):
    return Minio(endpoint, access_key=access, secret_key=secret, secure=False, region=REGION)


def error_code(resp):
    assert resp.headers["content-type"] == "application/xml", resp.headers
    return resp.text.split("<Code>", 1)[1].split("</Code>", 1)[0]


# --- presigned URLs ----------------------------------------------------------------------------

def test_genuine_presigned_get_and_range(client):
    url = client.presigned_get_object(BUCKET, KEY)
    resp = httpx.get(url)
    assert resp.status_code == 200 and resp.content == BODY
    resp = httpx.get(url, headers={"Range": "bytes=1000-1999"})
    assert resp.status_code == 206, resp.text
    assert resp.content == BODY[1000:2000]
    assert resp.headers["content-range"] == f"bytes 1000-1999/{len(BODY)}"


@pytest.mark.parametrize("position", [0, 31, 63])
def test_one_character_of_the_signature_changed_is_403(client, position):
    url = client.presigned_get_object(BUCKET, KEY)
    parts = urllib.parse.urlsplit(url)
    query = dict(urllib.parse.parse_qsl(parts.query))
    sig = query["X-Amz-Signature"]
    query["X-Amz-Signature"] = sig[:position] + ("0" if sig[position] != "0" else "1") + sig[position + 1:]
    resp = httpx.get(urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query))))
    assert resp.status_code == 403
    assert error_code(resp) == "SignatureDoesNotMatch"


def test_expired_presigned_url_is_403(client):
    # Signed two hours ago for one hour: expired an hour ago (back-dated, no sleeping).
    signed_at = dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=2)
    url = client.presigned_get_object(BUCKET, KEY, dt.timedelta(hours=1), request_date=signed_at)
    resp = httpx.get(url)
    assert resp.status_code == 403
    assert error_code(resp) == "AccessDenied" and "Request has expired" in resp.text
    # The same back-dating inside its lifetime is accepted: the refusal is the expiry, nothing else.
    recent = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=30)
    assert httpx.get(client.presigned_get_object(BUCKET, KEY, dt.timedelta(hours=1),
                                                 request_date=recent)).status_code == 200


def test_url_signed_for_another_host_is_403(store, client):
    port = store.endpoint.rsplit(":", 1)[1]
    url = minio_for(f"localhost:{port}").presigned_get_object(BUCKET, KEY)
    assert url.startswith(f"http://localhost:{port}/")
    resp = httpx.get(url.replace(f"//localhost:{port}/", f"//{store.endpoint}/"))  # sent to 127.0.0.1
    assert resp.status_code == 403 and error_code(resp) == "SignatureDoesNotMatch"
    other = minio_for("s3.example.vn:9000").presigned_get_object(BUCKET, KEY)
    resp = httpx.get(other.replace("//s3.example.vn:9000/", f"//{store.endpoint}/"))
    assert resp.status_code == 403
    # Sent to the host it was signed for, the same kind of URL works.
    assert httpx.get(url).status_code == 200


def test_url_used_for_another_object_or_part_is_403(store, client):
    url = client.presigned_get_object(BUCKET, KEY)
    parts = urllib.parse.urlsplit(url)
    other = urllib.parse.quote(f"/{BUCKET}/{KEY.replace('phong su', 'khac')}")
    assert httpx.get(urllib.parse.urlunsplit(parts._replace(path=other))).status_code == 403
    # A part URL (uploadId and partNumber are signed) replayed for another part number.
    put = client.get_presigned_url("PUT", BUCKET, "clips/tai-len.mp4", dt.timedelta(minutes=5),
                                   extra_query_params={"uploadId": "u1", "partNumber": "1"})
    resp = httpx.put(put.replace("partNumber=1", "partNumber=2"), content=b"x" * 100)
    assert resp.status_code == 403 and error_code(resp) == "SignatureDoesNotMatch"


def test_url_with_a_week_and_more_of_life_or_without_host_is_refused(client):
    url = client.presigned_get_object(BUCKET, KEY)
    parts = urllib.parse.urlsplit(url)
    query = dict(urllib.parse.parse_qsl(parts.query))
    for change in ({"X-Amz-Expires": str(7 * 24 * 3600 + 1)}, {"X-Amz-SignedHeaders": "x-amz-date"}):
        forged = urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode({**query, **change})))
        assert httpx.get(forged).status_code in (400, 403), change


def test_presigned_multipart_upload_through_the_proxy(store, client):
    """The media service's way: parts PUT to presigned URLs (streamed through), then completed."""
    key = "clips/nhieu-phan.bin"
    upload_id = client._create_multipart_upload(BUCKET, key, {"Content-Type": "video/mp4"})
    part = bytes(reversed(range(256))) * (5 * 4096 + 7)  # a bit over 5 MiB: S3's smallest part
    etags = []
    for n, data in ((1, part), (2, b"cuoi")):
        url = client.get_presigned_url("PUT", BUCKET, key, dt.timedelta(minutes=5),
                                       extra_query_params={"uploadId": upload_id, "partNumber": str(n)})
        resp = httpx.put(url, content=data)
        assert resp.status_code == 200, resp.text
        assert resp.headers["etag"].strip('"') == hashlib.md5(data).hexdigest()
        etags.append(resp.headers["etag"])
    from minio.datatypes import Part

    client._complete_multipart_upload(BUCKET, key, upload_id, [Part(1, etags[0]), Part(2, etags[1])])
    assert client.stat_object(BUCKET, key).size == len(part) + 4


# --- anonymous requests ------------------------------------------------------------------------

@pytest.mark.parametrize("method,path", [
    ("GET", f"/{BUCKET}/{urllib.parse.quote(KEY)}"), ("HEAD", f"/{BUCKET}/{urllib.parse.quote(KEY)}"),
    ("GET", "/"), ("GET", f"/{BUCKET}"), ("GET", f"/{BUCKET}?list-type=2"),
    ("PUT", f"/{BUCKET}/clips/anonyme.mp4"), ("DELETE", f"/{BUCKET}/{urllib.parse.quote(KEY)}"),
    ("PUT", "/thung-moi"),
])
def test_anonymous_requests_are_403(store, client, method, path):
    resp = httpx.request(method, f"http://{store.endpoint}{path}", content=b"x" if method == "PUT" else None)
    assert resp.status_code == 403, (method, path, resp.status_code)
    if method != "HEAD":
        assert error_code(resp) == "AccessDenied"
    assert client.stat_object(BUCKET, KEY).size == len(BODY)  # nothing was deleted


def test_cors_preflight_is_unsigned_and_answered_from_the_bucket(store, client):
    boto = boto3.client("s3", endpoint_url=f"http://{store.endpoint}", region_name=REGION,
                        aws_access_key_id=s3.ACCESS_KEY, aws_secret_access_key=s3.SECRET_KEY)
    boto.put_bucket_cors(Bucket=BUCKET, CORSConfiguration={"CORSRules": [{
        "AllowedOrigins": ["http://cong-thi.example"], "AllowedMethods": ["PUT"], "AllowedHeaders": ["*"],
        "ExposeHeaders": ["ETag"]}]})
    try:
        resp = httpx.options(f"http://{store.endpoint}/{BUCKET}/clips/x.mp4",
                             headers={"Origin": "http://cong-thi.example", "Access-Control-Request-Method": "PUT"})
        assert resp.status_code == 200, resp.text
        assert resp.headers["access-control-allow-origin"] == "http://cong-thi.example"
        assert resp.headers["access-control-expose-headers"] == "ETag"
        # A browser's preflight to a presigned part URL: its query, the method OPTIONS (not the PUT
        # that was signed), no credentials of its own. It is answered from the CORS rules.
        part = client.get_presigned_url("PUT", BUCKET, "clips/x.mp4", dt.timedelta(minutes=5),
                                        extra_query_params={"uploadId": "u1", "partNumber": "1"})
        resp = httpx.options(part, headers={"Origin": "http://cong-thi.example", "Access-Control-Request-Method": "PUT",
                                            "Access-Control-Request-Headers": "content-type"})
        assert resp.status_code == 200, resp.text
        assert resp.headers["access-control-allow-origin"] == "http://cong-thi.example"
        resp = httpx.options(f"http://{store.endpoint}/{BUCKET}/clips/x.mp4",
                             headers={"Origin": "http://khac.example", "Access-Control-Request-Method": "PUT"})
        assert "access-control-allow-origin" not in resp.headers
    finally:
        boto.delete_bucket_cors(Bucket=BUCKET)


# --- header-signed calls -----------------------------------------------------------------------

def test_header_signed_calls_with_the_right_keys_work(client):
    assert client.stat_object(BUCKET, KEY).size == len(BODY)
    assert KEY in {o.object_name for o in client.list_objects(BUCKET, prefix="clips/", recursive=True)}


def test_header_signed_call_with_a_wrong_secret_is_403(store, client):
    wrong = minio_for(store.endpoint, secret="minioadmin-sai")
    with pytest.raises(S3Error) as err:
        list(wrong.list_objects(BUCKET))
    assert err.value.code == "SignatureDoesNotMatch" and err.value.response.status == 403
    with pytest.raises(S3Error) as err:
        wrong.put_object(BUCKET, "clips/gia-mao.mp4", io.BytesIO(b"x"), 1)
    assert err.value.response.status == 403
    with pytest.raises(S3Error) as err:
        wrong.stat_object(BUCKET, KEY)  # HEAD: no error body, the status says it
    assert err.value.response.status == 403
    with pytest.raises(S3Error) as err:
        list(minio_for(store.endpoint, access="ai-do").list_objects(BUCKET))
    assert err.value.code == "InvalidAccessKeyId" and err.value.response.status == 403
    with pytest.raises(S3Error):
        client.stat_object(BUCKET, "clips/gia-mao.mp4")  # the forged PUT stored nothing


def test_boto3_sigv4_client_works_and_hashes_are_checked(store, client):
    """boto3 signs payload hashes (x-amz-content-sha256 = sha256 of the body over http)."""
    boto = boto3.client("s3", endpoint_url=f"http://{store.endpoint}", region_name=REGION,
                        aws_access_key_id=s3.ACCESS_KEY, aws_secret_access_key=s3.SECRET_KEY,
                        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))
    boto.put_object(Bucket=BUCKET, Key="clips/boto.txt", Body=b"xin chao" * 1000)
    assert boto.get_object(Bucket=BUCKET, Key="clips/boto.txt")["Body"].read() == b"xin chao" * 1000
    url = boto.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": "clips/boto.txt"})
    assert httpx.get(url).status_code == 200

    # A request signed over one body's hash that declares another hash is refused.
    body = b"noi dung that"
    target = f"http://{store.endpoint}/{BUCKET}/clips/hash.txt"
    request = AWSRequest(method="PUT", url=target, data=body,
                         headers={"x-amz-content-sha256": hashlib.sha256(body).hexdigest()})
    S3SigV4Auth(Credentials(s3.ACCESS_KEY, s3.SECRET_KEY), "s3", REGION).add_auth(request)
    headers = dict(request.headers.items())
    assert httpx.put(target, content=body, headers=headers).status_code == 200
    forged = {**headers, "x-amz-content-sha256": hashlib.sha256(b"khac").hexdigest()}
    resp = httpx.put(target, content=b"khac", headers=forged)
    assert resp.status_code == 403 and error_code(resp) == "SignatureDoesNotMatch"


# --- the checks themselves, without a network ---------------------------------------------------

def _headers(items):
    """Headers as http.server hands them to the proxy (case-insensitive, repeatable)."""
    msg = email.message.Message()
    for name, value in items.items():
        msg[name] = value
    return msg


def _presign(host, path, signed_at, expires):
    request = AWSRequest(method="GET", url=f"http://{host}{path}")
    auth = S3SigV4QueryAuth(Credentials("ak", "sk"), "s3", REGION, expires=expires)
    request.context["timestamp"] = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(signed_at))
    auth._modify_request_before_signing(request)
    canonical = auth.canonical_request(request)
    auth._inject_signature_to_request(request, auth.signature(auth.string_to_sign(request, canonical), request))
    parts = urllib.parse.urlsplit(request.url)
    return parts.path + "?" + parts.query


def test_verify_expiry_and_clock_skew_bounds():
    t0 = 1_800_000_000
    target = _presign("s3.test:9000", "/b/k", t0, 60)
    check = lambda now, host="s3.test:9000": s3verify.verify("GET", target, _headers({"Host": host}),
                                                              "ak", "sk", REGION, now=now)
    assert check(t0) == "query" and check(t0 + 60) == "query"
    with pytest.raises(s3verify.Refused, match="Request has expired"):
        check(t0 + 61)
    with pytest.raises(s3verify.Refused, match="not valid yet"):
        check(t0 - 16 * 60)
    with pytest.raises(s3verify.Refused, match="SignatureDoesNotMatch"):
        check(t0, host="s3.test:9001")
    with pytest.raises(s3verify.Refused, match="InvalidAccessKeyId"):
        s3verify.verify("GET", target, _headers({"Host": "s3.test:9000"}), "other", "sk", REGION, now=t0)


def test_verify_header_signature_time_skew():
    request = AWSRequest(method="GET", url="http://s3.test:9000/b?list-type=2",
                         headers={"x-amz-content-sha256": s3verify.UNSIGNED_PAYLOAD})
    S3SigV4Auth(Credentials("ak", "sk"), "s3", REGION).add_auth(request)
    headers = _headers({"Host": "s3.test:9000", **dict(request.headers.items())})
    now = time.time()
    assert s3verify.verify("GET", "/b?list-type=2", headers, "ak", "sk", REGION, now=now) == "header"
    with pytest.raises(s3verify.Refused, match="RequestTimeTooSkewed"):
        s3verify.verify("GET", "/b?list-type=2", headers, "ak", "sk", REGION, now=now + 16 * 60)
    with pytest.raises(s3verify.Refused, match="SignatureDoesNotMatch"):
        s3verify.verify("GET", "/b?list-type=1", headers, "ak", "sk", REGION, now=now)
    with pytest.raises(s3verify.Refused, match="SignatureDoesNotMatch"):
        s3verify.verify("GET", "/b?list-type=2", headers, "ak", "wrong", REGION, now=now)
