"""Auth, role checks and the error mapping, with the RPC client replaced by a fake."""
import jwt
import pytest

from gateway import auth, config
from gateway.errors import STATUS_BY_EXC_TYPE
from gateway.main import create_app
from gateway.rpc_errors import RemoteError, ServiceUnavailable
from tests.gateway.conftest import bearer, remote, token_for

USER = {"id": "c-1", "role": "contestant", "full_name": "Nguyễn Thị Hương", "unit_code": "SNV"}
CONTEST = {"code": "cchc-2024", "title": "Hội thi", "settings": {},
           "rounds": [{"n": 1, "opens_at": "2024-06-01T00:00:00+07:00", "closes_at": "2024-06-07T23:59:59+07:00",
                       "status": "scheduled"}]}
NEW_CONTEST = {"code": "cchc-2024", "title": "Hội thi",
               "rounds": [{"opens_at": "2024-06-01T00:00:00+07:00", "closes_at": "2024-06-07T23:59:59+07:00"}]}


# ---- login ---------------------------------------------------------------------------------
def test_login_with_json_returns_a_bearer_token_for_the_user(client, fake):
    fake.answers["quiz.authenticate"] = USER
    resp = client.post("/api/v1/auth/token", json={"username": "0912345678", "password": "mật khẩu"})
    assert resp.status_code == 200
    body = resp.json()
    assert body["token_type"] == "bearer" and body["role"] == "contestant"
    assert body["expires_in"] == config.settings.jwt_ttl_s
    assert auth.decode_token(body["access_token"]) == {"id": "c-1", "role": "contestant", "unit_code": "SNV"}
    call = fake.last("quiz.authenticate")
    assert call["args"][:2] == ("0912345678", "mật khẩu")
    assert call["args"][2]  # the client's address, for throttling


def test_a_staff_token_carries_the_login_for_the_audit_log(client, fake):
    fake.answers["quiz.authenticate"] = {"id": "7", "role": "organizer", "full_name": "Ban Tổ chức",
                                         "unit_code": None, "username": "btc"}
    resp = client.post("/api/v1/auth/token", json={"username": "btc", "password": "mật khẩu"})
    assert resp.status_code == 200, resp.text
    assert auth.decode_token(resp.json()["access_token"]) == {"id": "7", "role": "organizer", "unit_code": None,
                                                              "username": "btc"}


def test_login_accepts_form_encoded_for_oauth2_clients(client, fake):
    fake.answers["quiz.authenticate"] = {**USER, "role": "organizer"}
    resp = client.post("/api/v1/auth/token", data={"grant_type": "password", "username": "admin", "password": "admin",
                                                   "scope": ""})
    assert resp.status_code == 200 and resp.json()["role"] == "organizer"
    assert fake.last("quiz.authenticate")["args"][:2] == ("admin", "admin")


def test_bad_credentials_are_401_with_the_service_code(client, fake):
    fake.answers["quiz.authenticate"] = remote("Unauthorized", "invalid_credentials", "Sai tên đăng nhập hoặc mật khẩu.")
    resp = client.post("/api/v1/auth/token", json={"username": "x", "password": "y"})
    assert resp.status_code == 401
    assert resp.json() == {"code": "invalid_credentials", "detail": "Sai tên đăng nhập hoặc mật khẩu."}


def test_throttled_login_is_429(client, fake):
    fake.answers["quiz.authenticate"] = remote("RateLimited", "too_many_attempts", "Thử lại sau 15 phút.")
    resp = client.post("/api/v1/auth/token", json={"username": "x", "password": "y"})
    assert resp.status_code == 429 and resp.json()["code"] == "too_many_attempts"


def test_login_malformed_json_and_missing_fields_are_422(client, fake):
    resp = client.post("/api/v1/auth/token", content=b"{not json", headers={"content-type": "application/json"})
    assert resp.status_code == 422 and resp.json()["code"] == "invalid_json"
    resp = client.post("/api/v1/auth/token", json={"username": "x"})
    assert resp.status_code == 422 and resp.json()["code"] == "invalid_input"
    assert resp.json()["errors"][0]["field"] == "password"
    assert fake.calls == []


# ---- tokens and roles ----------------------------------------------------------------------
def test_no_token_on_admin_route_is_401(client, fake):
    resp = client.post("/api/v1/admin/contests", json=NEW_CONTEST)
    assert resp.status_code == 401 and resp.json()["code"] == "not_authenticated"
    assert resp.headers["www-authenticate"] == "Bearer"
    assert fake.calls == []


def test_wrong_role_is_403(client, fake):
    for role in ("contestant", "expert", "judge", "monitor"):
        resp = client.post("/api/v1/admin/contests", json=NEW_CONTEST, headers=bearer(role))
        assert resp.status_code == 403, role
        assert resp.json()["code"] == "forbidden"
    assert fake.calls == []


def test_expired_token_is_401_token_expired(client, expired_headers):
    resp = client.get("/api/v1/me", headers=expired_headers)
    assert resp.status_code == 401 and resp.json()["code"] == "token_expired"


def test_tampered_tokens_are_401_invalid_token(client):
    good = token_for("contestant")
    header, payload, signature = good.split(".")
    forged_payload = jwt.utils.base64url_encode(b'{"sub":"u1","role":"organizer","exp":9999999999}').decode()
    for token in (
        f"{header}.{forged_payload}.{signature}",                      # role changed, signature kept
        jwt.encode({"sub": "u1", "role": "organizer", "exp": 9999999999}, "another-secret-of-32-bytes-length!",
                   algorithm="HS256"),                                    # signed by someone else
        jwt.encode({"sub": "u1", "role": "organizer", "exp": 9999999999}, None, algorithm="none"),
        "not-a-jwt",
    ):
        resp = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert resp.status_code == 401, token
        assert resp.json()["code"] == "invalid_token"


def test_token_with_an_unknown_role_is_refused(client):
    token = jwt.encode({"sub": "u1", "role": "superuser", "exp": 9999999999}, config.settings.jwt_secret,
                       algorithm="HS256")
    resp = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 401 and resp.json()["code"] == "invalid_token"


def test_me_asks_quiz_for_the_token_owner(client, fake):
    fake.answers["quiz.get_user"] = USER
    resp = client.get("/api/v1/me", headers=bearer("contestant", user_id="c-1"))
    assert resp.status_code == 200 and resp.json() == USER
    assert fake.last("quiz.get_user")["args"] == ("c-1",)


def test_expert_may_import_units_but_monitor_may_not(client, fake):
    fake.answers["quiz.import_units"] = {"created": 1, "updated": 0, "errors": []}
    files = {"file": ("units.csv", b"code,name,kind,parent_code,headcount\nX,Y,so,,10\n", "text/csv")}
    assert client.post("/api/v1/admin/units/import", files=files, headers=bearer("expert")).status_code == 200
    assert client.post("/api/v1/admin/units/import", files=files, headers=bearer("monitor")).status_code == 403


def test_production_refuses_the_default_jwt_secret(monkeypatch):
    monkeypatch.setattr(config.settings, "app_env", "production")
    monkeypatch.setattr(config.settings, "jwt_secret", config.DEV_JWT_SECRET)
    with pytest.raises(RuntimeError):
        create_app()


# ---- error mapping -------------------------------------------------------------------------
@pytest.mark.parametrize("exc_type,status", sorted(STATUS_BY_EXC_TYPE.items()))
def test_every_domain_error_maps_to_its_status(client, fake, exc_type, status):
    fake.answers["quiz.get_contest"] = remote(exc_type, "some_code", "Thông báo lỗi.")
    resp = client.get("/api/v1/contests/cchc-2023")
    assert resp.status_code == status
    assert resp.json() == {"detail": "Thông báo lỗi.", "code": "some_code"}


def test_unexpected_service_exception_is_500_internal_error(client, fake):
    fake.answers["quiz.get_contest"] = RemoteError("quiz", "get_contest", {
        "exc_type": "KeyError", "exc_path": "builtins.KeyError", "exc_args": ["x"], "value": "'x'"})
    resp = client.get("/api/v1/contests/cchc-2023")
    assert resp.status_code == 500 and resp.json()["code"] == "internal_error"


@pytest.mark.parametrize("reason", ["timeout", "no_route", "broker_unreachable", "connection_lost"])
def test_unreachable_service_is_503_naming_it(client, fake, reason):
    fake.answers["scoring.get_leaderboard"] = ServiceUnavailable("scoring", reason)
    resp = client.get("/api/v1/contests/cchc-2023/rounds/1/leaderboard")
    assert resp.status_code == 503
    body = resp.json()
    assert body["code"] == "service_unavailable" and "scoring" in body["detail"] and "dịch vụ" in body["detail"]


@pytest.mark.parametrize("route,key,upstream,named", [
    # awards could not get its inputs from another service: the 503 names that service
    ("/api/v1/contests/cchc-2023/awards", "awards.public_awards", "scoring", "scoring"),
    # media could not reach quiz: named; its own object store is not a service users know: media
    ("/api/v1/contests/cchc-2023/gallery", "media.gallery", "quiz", "quiz"),
    ("/api/v1/contests/cchc-2023/gallery", "media.gallery", "s3", "media"),
])
def test_a_service_that_cannot_reach_its_upstream_is_503_naming_it(client, fake, route, key, upstream, named):
    service, method = key.split(".")
    fake.answers[key] = RemoteError(service, method, {
        "exc_type": "UpstreamUnavailable", "exc_path": "common.errors.UpstreamUnavailable",
        "exc_args": [upstream, f"{upstream} did not answer"], "value": "x"})
    resp = client.get(route)
    assert resp.status_code == 503, resp.text
    body = resp.json()
    assert body["code"] == "service_unavailable" and body["service"] == named
    assert f"({named})" in body["detail"] and "Vui lòng thử lại" in body["detail"]


def test_unknown_route_is_404_json(client):
    resp = client.get("/api/v1/khong-co")
    assert resp.status_code == 404 and resp.json()["code"] == "not_found"


def test_wrong_method_is_405_json(client):
    resp = client.delete("/api/v1/units")
    assert resp.status_code == 405 and resp.json()["code"] == "method_not_allowed"
    assert "GET" in resp.headers["allow"]


def test_malformed_json_body_is_422_invalid_json(client, fake):
    resp = client.post("/api/v1/contestants", content=b'{"full_name": ', headers={"content-type": "application/json"})
    assert resp.status_code == 422 and resp.json()["code"] == "invalid_json"
    assert fake.calls == []


def test_invalid_fields_are_422_invalid_input_with_field_errors(client, fake):
    resp = client.post("/api/v1/admin/contests", headers=bearer("organizer"), json={
        "code": "cchc-2024", "title": "t", "rounds": [{"opens_at": "2024-06-01T00:00:00", "closes_at": "hôm qua"}]})
    assert resp.status_code == 422
    body = resp.json()
    assert body["code"] == "invalid_input"
    assert {e["field"] for e in body["errors"]} == {"rounds.0.opens_at", "rounds.0.closes_at"}
    assert fake.calls == []


# The one contest-code rule (common/contest_code.py): 2-40 of a-z, 0-9 and "-", not starting with "-".
MALFORMED_CODES = ["x", "CCHC-2023", "cchc_2023", "-cchc", "a" * 41, "cchc.2023"]


@pytest.mark.parametrize("code", MALFORMED_CODES)
def test_malformed_contest_code_in_a_path_is_422_before_any_service_call(client, fake, code):
    for path in (f"/api/v1/contests/{code}", f"/api/v1/contests/{code}/rounds/1/leaderboard",
                 f"/api/v1/contests/{code}/gallery"):
        resp = client.get(path)
        assert resp.status_code == 422, (path, resp.text)
        assert resp.json()["code"] == "invalid_input" and resp.json()["errors"][0]["field"] == "contest"
    resp = client.post(f"/api/v1/admin/contests/{code}/awards/compute", json={"kind": "video"},
                       headers=bearer("organizer"))
    assert resp.status_code == 422 and resp.json()["errors"][0]["field"] == "contest"
    resp = client.get("/api/v1/judge/clips", params={"contest": code}, headers=bearer("judge"))
    assert resp.status_code == 422 and resp.json()["errors"][0]["field"] == "contest"
    resp = client.post("/api/v1/admin/contests", headers=bearer("organizer"), json={
        "code": code, "title": "t", "rounds": [{"opens_at": "2024-06-01T00:00:00+07:00",
                                                "closes_at": "2024-06-08T00:00:00+07:00"}]})
    assert resp.status_code == 422 and [e["field"] for e in resp.json()["errors"]] == ["code"]
    assert fake.calls == []


def test_roles_are_checked_before_the_contest_code(client, fake):
    resp = client.post("/api/v1/admin/contests/BAD/awards/compute", json={"kind": "video"})
    assert resp.status_code == 401
    resp = client.post("/api/v1/admin/contests/BAD/awards/compute", json={"kind": "video"},
                       headers=bearer("contestant"))
    assert resp.status_code == 403


def test_a_well_formed_contest_code_reaches_the_service(client, fake):
    fake.answers["quiz.get_contest"] = {"code": "a" * 40, "title": "t", "settings": {}, "rounds": []}
    assert client.get("/api/v1/contests/" + "a" * 40).status_code == 200
    assert fake.last("quiz.get_contest")["args"] == ("a" * 40,)


def test_wrong_path_parameter_type_is_422_not_500(client, fake):
    resp = client.get("/api/v1/contests/cchc-2023/rounds/abc/leaderboard")
    assert resp.status_code == 422 and resp.json()["code"] == "invalid_input"
    resp = client.get("/api/v1/contests/cchc-2023/rounds/1/leaderboard?limit=0")
    assert resp.status_code == 422
    assert fake.calls == []


def test_body_of_the_wrong_json_type_is_422(client, fake):
    for body in (b"[]", b"42", b'"x"', b"null"):
        resp = client.post("/api/v1/contestants", content=body, headers={"content-type": "application/json"})
        assert resp.status_code == 422, body
    assert fake.calls == []


def test_broken_multipart_is_400_json(client, fake):
    resp = client.post("/api/v1/admin/units/import", content=b"garbage",
                       headers={**bearer("organizer"), "content-type": "multipart/form-data; boundary=xyz"})
    assert resp.status_code == 400 and resp.json()["code"] == "bad_request"
    assert fake.calls == []


def test_a_gateway_bug_is_500_json_with_the_request_id(app, fake):
    from fastapi.testclient import TestClient

    fake.answers["quiz.list_units"] = RuntimeError("bug")
    with TestClient(app, raise_server_exceptions=False) as client:
        resp = client.get("/api/v1/units", headers={"X-Request-ID": "bug-1"})
    assert resp.status_code == 500
    assert resp.json()["code"] == "internal_error"
    assert resp.headers["x-request-id"] == "bug-1"
