"""Accounts (issue 13, SPEC 6) through the gateway: the staff list and changes, one-time passwords,
password changes, and sessions that end at once.

The cluster's gateways cache token versions for an hour (TOKEN_VERSION_TTL_S in tests/e2e/cluster.py),
so a token refused within seconds here was refused because quiz's `account_sessions_ended` event
reached the gateway, not because a cached entry expired.
"""
import httpx
import pytest

from tests import s3
from tests.e2e.cluster import eventually
from tests.e2e.quizclient import Client, Ids, tag

# Seconds for an event to travel quiz → broker → gateway on a busy 2-core machine.
EVENT_S = 10


@pytest.fixture(scope="module")
def api(cluster):
    client = Client(cluster.base_url)
    yield client
    client.close()


def assert_code(resp, status, code):
    assert resp.status_code == status, resp.text
    assert resp.json()["code"] == code, resp.text
    assert any(ord(ch) > 127 for ch in resp.json()["detail"]), resp.text  # Vietnamese


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def a_unit(api):
    return api.units().json()[0]["code"]


def new_staff(api, admin_headers, role="expert", unit_code=None):
    id_number, _ = Ids.next()
    username = f"cb-{tag()}"
    resp = api.create_staff(admin_headers, username=username, password="mat-khau-1", role=role,
                            full_name="Nguyễn Văn Cán Bộ", id_number=id_number, unit_code=unit_code)
    assert resp.status_code == 201, resp.text
    return resp.json(), username


def new_contestant(api):
    id_number, phone = Ids.next()
    resp = api.register(full_name="Lê Thị Mỹ Duyên", id_number=id_number, phone=phone, unit_code=a_unit(api),
                        position="Chuyên viên", password="mat-khau-1")
    assert resp.status_code == 201, resp.text
    return resp.json(), phone


def audit(api, admin_headers, action):
    resp = api.http.get("/admin/audit", params={"action": action}, headers=admin_headers)
    assert resp.status_code == 200, resp.text
    return resp.json()


def ended(api, headers):
    def check():
        assert_code(api.me(headers), 401, "session_ended")
        return True
    return eventually(check, EVENT_S)


def test_organizers_list_and_change_staff_accounts(api, admin_headers):
    unit = a_unit(api)
    judge, username = new_staff(api, admin_headers, role="judge", unit_code=unit)
    listed = api.http.get("/admin/staff", headers=admin_headers)
    assert listed.status_code == 200, listed.text
    mine = [s for s in listed.json() if s["id"] == judge["id"]]
    assert mine == [{"id": judge["id"], "username": username, "role": "judge", "full_name": "Nguyễn Văn Cán Bộ",
                     "unit_code": unit, "active": True}]

    url = f"/admin/staff/{judge['id']}"
    assert_code(api.http.patch(url, json={"unit_code": None}, headers=admin_headers), 422, "unit_required")
    assert_code(api.http.patch(url, json={"unit_code": "KHONG-CO"}, headers=admin_headers), 422, "unknown_unit")
    assert api.http.patch(url, json={"role": "khach"}, headers=admin_headers).status_code == 422
    assert_code(api.http.patch("/admin/staff/khong-co", json={"active": False}, headers=admin_headers),
                404, "user_not_found")
    resp = api.http.patch(url, json={"role": "expert", "unit_code": None, "full_name": "Nguyễn Văn Chuyên Viên",
                                     "reason": "Chuyển sang Tổ Chuyên viên"}, headers=admin_headers)
    assert resp.status_code == 200, resp.text
    assert {k: resp.json()[k] for k in ("role", "unit_code", "full_name", "active")} == {
        "role": "expert", "unit_code": None, "full_name": "Nguyễn Văn Chuyên Viên", "active": True}
    entry = next(e for e in audit(api, admin_headers, "staff.update") if e["target"] == f"user:{judge['id']}")
    assert entry["before"]["role"] == "judge" and entry["after"]["role"] == "expert"
    assert entry["reason"] == "Chuyển sang Tổ Chuyên viên" and entry["service"] == "quiz"


def test_an_organizer_cannot_deactivate_or_demote_themself(api, admin_headers):
    me = api.me(admin_headers).json()
    for change in ({"active": False}, {"role": "monitor"}):
        assert_code(api.http.patch(f"/admin/staff/{me['id']}", json=change, headers=admin_headers), 409, "own_account")
    assert api.me(admin_headers).status_code == 200


@pytest.mark.local_cluster(reason="starts a second gateway process")
def test_a_deactivated_account_is_refused_at_once_by_every_gateway(api, cluster, admin_headers):
    """Two gateway processes (as two uvicorn workers or two replicas): each has cached the token as
    valid; the deactivation reaches both through their own event queues."""
    port = s3.free_port()
    second = cluster.spawn("gateway", 2, port=port)
    other = Client(f"http://127.0.0.1:{port}")
    try:
        eventually(lambda: httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=5).status_code == 200, 60)
        # Each gateway process consumes from a queue of its own bound to quiz.events.
        eventually(lambda: len([q for q in cluster.rabbit.queues(cluster.vhost)
                                if q["name"].startswith("gateway.events-")]) >= 2, 30)
        staff, username = new_staff(api, admin_headers)
        headers = api.headers(username, "mat-khau-1")
        for client in (api, other):
            assert client.me(headers).status_code == 200  # cached as valid by both processes
        resp = api.http.patch(f"/admin/staff/{staff['id']}", json={"active": False, "reason": "Nghỉ việc"},
                              headers=admin_headers)
        assert resp.status_code == 200 and resp.json()["active"] is False, resp.text
        ended(api, headers)
        ended(other, headers)
        assert_code(api.token(username, "mat-khau-1"), 401, "account_inactive")
        listed = {s["id"]: s for s in api.http.get("/admin/staff", headers=admin_headers).json()}
        assert listed[staff["id"]]["active"] is False
        # Reactivated: a fresh login works, the old token stays ended.
        assert api.http.patch(f"/admin/staff/{staff['id']}", json={"active": True},
                              headers=admin_headers).status_code == 200
        fresh = api.headers(username, "mat-khau-1")
        assert api.me(fresh).status_code == 200 and other.me(fresh).status_code == 200
        assert_code(other.me(headers), 401, "session_ended")
    finally:
        other.close()
        s3.terminate(second)
        cluster.procs.pop(("gateway", 2), None)


def test_a_password_change_ends_every_earlier_token(api, admin_headers):
    _, phone = new_contestant(api)
    first = api.headers(phone, "mat-khau-1")
    second = api.headers(phone, "mat-khau-1")
    url = "/me/password"
    assert_code(api.http.post(url, json={"current_password": "sai", "new_password": "mat-khau-2"}, headers=first),
                422, "wrong_password")
    assert_code(api.http.post(url, json={"current_password": "mat-khau-1", "new_password": "123"}, headers=first),
                422, "invalid_password")
    assert_code(api.http.post(url, json={"current_password": "mat-khau-1", "new_password": "mat-khau-1"},
                              headers=first), 422, "same_password")
    assert api.http.post(url, json={"current_password": "mat-khau-1"}, headers=first).status_code == 422
    assert api.http.post(url, json={"current_password": "a", "new_password": "b"}).status_code == 401
    resp = api.http.post(url, json={"current_password": "mat-khau-1", "new_password": "mat-khau-2"}, headers=first)
    assert resp.status_code == 204, resp.text
    ended(api, first)
    ended(api, second)
    assert_code(api.token(phone, "mat-khau-1"), 401, "invalid_credentials")
    assert api.me(api.headers(phone, "mat-khau-2")).status_code == 200


def test_a_one_time_password_must_be_changed_before_anything_else(api, admin_headers):
    user, phone = new_contestant(api)
    old = api.headers(phone, "mat-khau-1")
    url = f"/admin/accounts/{user['id']}/password-reset"
    assert api.http.post(url, json={}, headers=admin_headers).status_code == 422  # a reason is required
    assert_code(api.http.post("/admin/accounts/khong-co/password-reset", json={"reason": "x"},
                              headers=admin_headers), 404, "user_not_found")
    resp = api.http.post(url, json={"reason": "Quên mật khẩu, đã gọi điện xác minh"}, headers=admin_headers)
    assert resp.status_code == 200, resp.text
    temporary = resp.json()["temporary_password"]
    ended(api, old)
    assert_code(api.token(phone, "mat-khau-1"), 401, "invalid_credentials")

    login = api.token(phone, temporary)
    assert login.status_code == 200 and login.json()["must_change_password"] is True, login.text
    pending = bearer(login.json()["access_token"])
    assert api.me(pending).status_code == 200
    assert_code(api.my_attempts(pending), 403, "password_change_required")
    resp = api.http.post("/me/password", json={"current_password": temporary, "new_password": "mat-khau-moi"},
                         headers=pending)
    assert resp.status_code == 204, resp.text
    ended(api, pending)
    login = api.token(phone, "mat-khau-moi")
    assert login.status_code == 200 and login.json()["must_change_password"] is False
    assert api.my_attempts(bearer(login.json()["access_token"])).status_code == 200

    entry = next(e for e in audit(api, admin_headers, "account.password_reset") if e["target"] == f"user:{user['id']}")
    assert entry["reason"] == "Quên mật khẩu, đã gọi điện xác minh"
    assert temporary not in str(entry)


def test_staff_accounts_get_one_time_passwords_too(api, admin_headers):
    staff, username = new_staff(api, admin_headers, role="monitor")
    resp = api.http.post(f"/admin/accounts/{staff['id']}/password-reset", json={"reason": "Quên mật khẩu"},
                         headers=admin_headers)
    assert resp.status_code == 200, resp.text
    login = api.token(username, resp.json()["temporary_password"])
    assert login.json()["must_change_password"] is True
    assert_code(api.http.get("/admin/system", headers=bearer(login.json()["access_token"])), 403,
                "password_change_required")
