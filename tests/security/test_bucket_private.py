"""The clips bucket is never public: anonymous requests to the S3 endpoint are refused.

The cluster's object store is moto's S3 server behind tests/s3verify.py, which checks SigV4
signatures, the signed host and expiry as MinIO (production) and AWS do; moto alone would accept
anything. What the platform controls is checked: the bucket the media service created has no bucket
policy and no ACL grant to everyone, an object in it is refused to an anonymous GET, anonymous
listing and anonymous writes are refused, and so are forged presigned URLs (403), while the URLs the
service signs work. The store's own refusals are tested in test_s3_signatures.py.
"""
import io
import json
import urllib.parse

import boto3
import httpx
import pytest
from minio import Minio
from minio.error import S3Error

BUCKET = "cchc-clips-e2e"  # tests/e2e/cluster.py sets S3_BUCKET
ACCESS_KEY = SECRET_KEY = "minioadmin"  # the media service's default credentials
EVERYONE = ("http://acs.amazonaws.com/groups/global/AllUsers",
            "http://acs.amazonaws.com/groups/global/AuthenticatedUsers")


@pytest.fixture(scope="module")
def store(cluster, users):  # `users`: the platform is up and media has created its bucket
    client = Minio(cluster.s3_endpoint, access_key=ACCESS_KEY, secret_key=SECRET_KEY, secure=False)
    assert client.bucket_exists(BUCKET)
    key = "clips/kiem-thu-bao-mat/video.mp4"
    client.put_object(BUCKET, key, io.BytesIO(b"\x00" * 1024), 1024, content_type="video/mp4")
    return client, key


def url(cluster, path, query=""):
    return f"http://{cluster.s3_endpoint}/{path}" + (f"?{query}" if query else "")


def test_bucket_has_no_policy(store):
    client, _key = store
    with pytest.raises(S3Error) as err:
        policy = client.get_bucket_policy(BUCKET)
        pytest.fail(f"the clips bucket has a policy: {policy}")
    assert err.value.code in ("NoSuchBucketPolicy", "NoSuchPolicy"), err.value


def test_bucket_acl_grants_nothing_to_everyone(cluster, store):
    s3 = boto3.client("s3", endpoint_url=f"http://{cluster.s3_endpoint}", region_name="us-east-1",
                      aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY)
    grants = s3.get_bucket_acl(Bucket=BUCKET)["Grants"]
    public = [g for g in grants if g["Grantee"].get("URI") in EVERYONE]
    assert not public, json.dumps(grants)


def test_anonymous_get_of_an_object_is_403(cluster, store):
    _client, key = store
    resp = httpx.get(url(cluster, f"{BUCKET}/{key}"))
    assert resp.status_code == 403, (resp.status_code, resp.text[:200])
    assert b"\x00" * 64 not in resp.content


def test_genuine_presigned_url_works(store):
    # The refusals in this file mean something only if the signed way in works.
    client, key = store
    assert httpx.get(client.presigned_get_object(BUCKET, key)).status_code == 200


def test_anonymous_list_write_and_forged_urls_are_403(cluster, store):
    client, key = store
    for method, target in (("GET", url(cluster, "")), ("GET", url(cluster, BUCKET)),
                           ("GET", url(cluster, BUCKET, "list-type=2")),
                           ("PUT", url(cluster, f"{BUCKET}/clips/anonyme.mp4")),
                           ("DELETE", url(cluster, f"{BUCKET}/{key}"))):
        resp = httpx.request(method, target, content=b"x" if method == "PUT" else None)
        assert resp.status_code == 403, (method, target, resp.status_code)
    assert client.stat_object(BUCKET, key).size == 1024  # the anonymous DELETE changed nothing
    with pytest.raises(S3Error) as err:  # ... nor did the anonymous PUT
        client.stat_object(BUCKET, "clips/anonyme.mp4")
    assert err.value.code in ("NoSuchKey", "NoSuchObject", "ResourceNotFound"), err.value
    parts = urllib.parse.urlsplit(client.presigned_get_object(BUCKET, key))
    forged = dict(urllib.parse.parse_qsl(parts.query), **{"X-Amz-Signature": "0" * 64})
    other_key = key.replace("video.mp4", "khac.mp4")
    for bad in (urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(forged))),
                urllib.parse.urlunsplit(parts._replace(path=f"/{BUCKET}/{other_key}"))):
        assert httpx.get(bad).status_code == 403, bad


def test_bucket_cors_admits_the_portal_only(cluster, store):
    """The media service set the bucket's CORS rules: the portal's pages may PUT parts and read
    their ETag; another site's pages get no CORS grant (its scripts cannot read the answers)."""
    client, key = store
    # A key being uploaded (the object exists only once its parts are joined). moto refuses any
    # unsigned request, preflights included, for an object that exists; S3 would answer it.
    target = url(cluster, f"{BUCKET}/clips/kiem-thu-bao-mat/dang-tai-len.mp4")
    ask = {"Access-Control-Request-Method": "PUT", "Access-Control-Request-Headers": "content-type"}
    resp = httpx.options(target, headers={"Origin": cluster.base_url, **ask})
    assert resp.status_code == 200, resp.text
    assert resp.headers["access-control-allow-origin"] == cluster.base_url
    assert resp.headers["access-control-expose-headers"] == "ETag"
    resp = httpx.options(target, headers={"Origin": "http://trang-la.example", **ask})
    assert "access-control-allow-origin" not in resp.headers
    resp = httpx.get(client.presigned_get_object(BUCKET, key), headers={"Origin": "http://trang-la.example"})
    assert resp.status_code in (200, 403) and "access-control-allow-origin" not in resp.headers


def test_compose_creates_the_bucket_private():
    """Production: the one-shot `mc` container removes any anonymous access to the bucket."""
    import os

    import yaml

    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    with open(os.path.join(root, "docker-compose.yml"), encoding="utf-8") as fh:
        compose = yaml.safe_load(fh)
    script = " ".join(compose["services"]["minio-init"]["command"])
    assert "mc anonymous set none" in script
    for public in ("set download", "set public", "set upload"):
        assert public not in script
