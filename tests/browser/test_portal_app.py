"""The portal's server side without a browser or a cluster: pages render in Vietnamese, only /embed
may be framed, the server-time and metrics-summary helpers answer right and check roles."""
import datetime as dt

import pytest
from fastapi.testclient import TestClient

from gateway import auth, metrics
from gateway.main import create_app
from gateway.web import api as web_api
from gateway.web.pages import PAGES


class NoBroker:
    """The pages themselves need no service; the API calls of their scripts are not made here."""
    connected = False

    async def start(self):
        pass

    async def stop(self):
        pass


@pytest.fixture(scope="module")
def client():
    app = create_app(rpc=NoBroker())
    app.state.sessions = None  # no quiz to ask for token versions (gateway/sessions.py)
    with TestClient(app) as c:
        yield c


@pytest.mark.parametrize("path", list(PAGES) + ["/ket-qua/abc123"])
def test_every_page_renders_in_vietnamese_and_refuses_framing(client, path):
    resp = client.get(path)
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/html")
    assert '<html lang="vi">' in resp.text
    assert resp.headers["x-frame-options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in resp.headers["content-security-policy"]


def test_embed_may_be_framed_by_any_site(client):
    resp = client.get("/embed?unit=SNV")
    assert resp.status_code == 200
    assert "x-frame-options" not in resp.headers
    assert resp.headers["content-security-policy"].endswith("frame-ancestors *")
    assert 'data-unit="SNV"' in resp.text


def test_codes_from_the_address_are_never_echoed_raw(client):
    resp = client.get('/embed?unit="><script>alert(1)</script>&contest=x" onload="y')
    assert "<script>alert" not in resp.text
    assert 'data-unit=""' in resp.text and 'data-contest=""' in resp.text


def test_static_files_are_served(client):
    resp = client.get("/static/js/app.js")
    assert resp.status_code == 200
    assert "window.Portal" in resp.text


def test_server_time_is_now_in_utc(client):
    before = dt.datetime.now(dt.timezone.utc)
    body = client.get("/api/v1/time").json()
    after = dt.datetime.now(dt.timezone.utc)
    now = dt.datetime.fromisoformat(body["now"])
    assert now.utcoffset() == dt.timedelta(0)
    assert before - dt.timedelta(milliseconds=1) <= now <= after + dt.timedelta(milliseconds=1)


def test_percentile_is_the_upper_bound_of_the_bucket_holding_it():
    buckets = {0.01: 50, 0.1: 90, 1.0: 99, float("inf"): 100}  # cumulative
    assert web_api.percentile_from_buckets(buckets, 0.5) == 0.01
    assert web_api.percentile_from_buckets(buckets, 0.9) == 0.1
    assert web_api.percentile_from_buckets(buckets, 0.95) == 1.0
    assert web_api.percentile_from_buckets(buckets, 0.999) == float("inf")
    assert web_api.percentile_from_buckets({}, 0.5) is None
    assert web_api.percentile_from_buckets({0.1: 0, float("inf"): 0}, 0.5) is None


def token(role):
    return {"Authorization": "Bearer " + auth.issue_token({"id": "u1", "role": role, "unit_code": None})[0]}


def test_metrics_summary_counts_this_process_requests(client):
    first = client.get("/api/v1/admin/metrics/summary", headers=token("monitor")).json()
    client.get("/dang-nhap")
    client.get("/no-such-page")
    second = client.get("/api/v1/admin/metrics/summary", headers=token("organizer")).json()
    # The summary request itself is counted once it has finished: 3 requests in between.
    assert second["requests"] - first["requests"] == 3
    assert second["client_errors"] - first["client_errors"] == 1
    login = next(r for r in second["routes"] if r["route"] == "/dang-nhap")
    assert login["method"] == "GET" and login["requests"] >= 1 and login["mean_ms"] >= 0
    assert second["latency_ms"]["p50"] is not None


def test_metrics_summary_is_for_monitors_and_organizers_only(client):
    assert client.get("/api/v1/admin/metrics/summary").status_code == 401
    resp = client.get("/api/v1/admin/metrics/summary", headers=token("contestant"))
    assert resp.status_code == 403
    assert resp.json()["code"] == "forbidden"


def test_summary_reads_rpc_failures(monkeypatch):
    metrics.RPC_CALLS.labels("quiz", "portal_test_method", "ok").inc(3)
    metrics.RPC_CALLS.labels("quiz", "portal_test_method", "timeout").inc(2)
    row = next(r for r in web_api.summarize()["rpc"] if r["method"] == "portal_test_method")
    assert row == {"service": "quiz", "method": "portal_test_method", "calls": 5, "failures": 2}
