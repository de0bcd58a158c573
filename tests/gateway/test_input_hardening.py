"""Input the databases cannot store, bodies without Content-Length, the documented 422 body.

Found by the security sweep (tests/security: schemathesis, chunked uploads); each case was a 500 or
an unbounded read before.
"""
import pytest

from gateway import config
from tests.gateway.conftest import bearer


@pytest.mark.parametrize("username", ["a\\u0000b", "x\\ud800y"])  # JSON escapes, as a client sends them
def test_text_a_database_cannot_store_is_422_not_a_service_call(client, fake, username):
    resp = client.post("/api/v1/auth/token", content=('{"username": "%s", "password": "p"}' % username).encode(),
                       headers={"Content-Type": "application/json"})
    assert resp.status_code == 422, resp.text
    body = resp.json()
    assert body["code"] == "invalid_input" and "ký tự không hợp lệ" in body["detail"]
    assert "Value error" not in body["detail"]
    assert not fake.calls


def test_nested_bodies_and_dict_keys_are_checked_too(client, fake):
    resp = client.put("/api/v1/attempts/a1/answers", json={"answers": {"q\x001": "A"}},
                      headers=bearer("contestant"))
    assert resp.status_code == 422, resp.text
    assert not fake.calls


@pytest.mark.parametrize("path", ["/api/v1/contests/ab%00c", "/api/v1/contests?q=%00", "/api/v1/units?x=1%00"])
def test_nul_in_path_or_query_is_422(client, fake, path):
    resp = client.get(path)
    assert resp.status_code == 422 and resp.json()["code"] == "invalid_input"
    assert not fake.calls


def test_ordinary_vietnamese_text_passes(client, fake):
    fake.answers["quiz.authenticate"] = {"id": "u", "role": "contestant", "unit_code": "SNV"}
    resp = client.post("/api/v1/auth/token", json={"username": "Nguyễn Thị Hương 😀", "password": "mật khẩu"})
    assert resp.status_code == 200, resp.text


def test_chunked_body_past_the_cap_is_413(client, fake):
    too_much = config.settings.max_import_bytes + 128 * 1024

    def chunks():  # a generator body: sent chunked, without Content-Length
        sent = 0
        while sent < too_much:
            sent += 64 * 1024
            yield b" " * (64 * 1024)

    resp = client.post("/api/v1/auth/token", content=chunks(), headers={"Content-Type": "application/json"})
    assert resp.status_code == 413, resp.text
    assert resp.json()["code"] == "payload_too_large" and "quá lớn" in resp.json()["detail"]
    assert not fake.calls


def test_openapi_documents_the_422_body_actually_sent(client):
    schema = client.get("/openapi.json").json()["components"]["schemas"]["HTTPValidationError"]
    assert schema["properties"]["detail"]["type"] == "string"
    assert {"detail", "code"} <= set(schema["required"])


@pytest.mark.parametrize("code", ["CCHC-2023", "cchc_2023", "x", "a" * 41])
def test_a_malformed_contest_code_is_refused_in_vietnamese_before_any_call(client, fake, code):
    """The one contest-code rule (common/contest_code.py): in a path and in the contest form alike,
    with the message the organizer's form shows, never pydantic's English."""
    resp = client.get(f"/api/v1/contests/{code}")
    assert resp.status_code == 422, resp.text
    assert "Mã hội thi chỉ gồm chữ thường" in resp.json()["errors"][0]["message"]
    created = client.post("/api/v1/admin/contests", headers=bearer("organizer"), json={
        "code": code, "title": "Thử", "rounds": [{"n": 1, "opens_at": "2030-01-01T00:00:00+07:00",
                                                 "closes_at": "2030-01-08T00:00:00+07:00"}]})
    assert created.status_code == 422, created.text
    messages = {e["field"]: e["message"] for e in created.json()["errors"]}
    assert messages["code"].startswith("Mã hội thi chỉ gồm chữ thường"), messages
    assert not fake.calls
