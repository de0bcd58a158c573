"""The clips bucket is never public: anonymous requests to the S3 endpoint are refused.

The cluster's object store is moto's S3 server (production: MinIO). What the platform controls is
checked on any server: the bucket the media service created has no bucket policy and no ACL grant to
everyone, and an object in it is refused to an anonymous GET (403). Anonymous *listing*, anonymous
writes and forged presigned URLs are refused by MinIO and AWS for such a bucket, but moto's server
mode checks no signature and authenticates no bucket-level request, so those checks run only against
a server that does (skipped, with that reason, on moto).
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


def _authenticates_bucket_requests(cluster):
    # moto answers an unsigned ListBuckets with its listing; MinIO and AWS refuse it.
    return httpx.get(url(cluster, "")).status_code == 403


def test_anonymous_list_write_and_forged_urls_are_403(cluster, store):
    if not _authenticates_bucket_requests(cluster):
        pytest.skip("moto's S3 server checks neither signatures nor bucket-level requests; "
                    "run against MinIO (the production store) for anonymous listing and forged URLs")
    client, key = store
    for method, target in (("GET", url(cluster, BUCKET)), ("GET", url(cluster, BUCKET, "list-type=2")),
                           ("PUT", url(cluster, f"{BUCKET}/clips/anonyme.mp4"))):
        resp = httpx.request(method, target, content=b"x" if method == "PUT" else None)
        assert resp.status_code == 403, (method, target, resp.status_code)
    parts = urllib.parse.urlsplit(client.presigned_get_object(BUCKET, key))
    forged = dict(urllib.parse.parse_qsl(parts.query), **{"X-Amz-Signature": "0" * 64})
    other_key = key.replace("video.mp4", "khac.mp4")
    for bad in (urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(forged))),
                urllib.parse.urlunsplit(parts._replace(path=f"/{BUCKET}/{other_key}"))):
        assert httpx.get(bad).status_code == 403, bad


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
