"""Login brute force: 429 after LOGIN_MAX_FAILURES_PER_ACCOUNT failures on one account, and after
LOGIN_MAX_FAILURES_PER_IP failures from one address spread over many accounts (password spraying);
successes are never counted, even many from one shared address (a whole agency behind one NAT).

The other tests' requests come from 127.0.0.1 and keep far below the per-address limit; the spraying
test is a caller on another loopback address (127.0.0.0/8 all reaches the gateway on 127.0.0.1), so
locking that address out locks no other test out.
"""
import os
import random
import secrets as pysecrets

import pytest

from tests.e2e.quizclient import Client, Ids

MAX_PER_ACCOUNT = int(os.environ.get("LOGIN_MAX_FAILURES_PER_ACCOUNT", "5"))
MAX_PER_IP = int(os.environ.get("LOGIN_MAX_FAILURES_PER_IP", "100"))


def new_staff(api, users, unit_code, secrets):
    username = f"secbf{pysecrets.token_hex(4)}"
    password = "Mk-" + pysecrets.token_urlsafe(18)
    secrets[f"password:{username}"] = password
    id_number, _ = Ids.next()
    resp = api.create_staff(users["organizer"]["headers"], username=username, password=password, role="expert",
                            full_name="Cán bộ thử dò mật khẩu", id_number=id_number, unit_code=unit_code)
    assert resp.status_code == 201, resp.text
    return username, password


def test_account_locked_with_429_after_repeated_failures(api, users, unit_code, secrets):
    username, password = new_staff(api, users, unit_code, secrets)
    for i in range(MAX_PER_ACCOUNT):
        resp = api.token(username, f"sai-{i}")
        assert resp.status_code == 401, resp.text
        assert resp.json()["code"] == "invalid_credentials"
    # Now even the right password is refused: the attacker cannot tell when they hit it.
    for attempt in (f"sai-{MAX_PER_ACCOUNT}", password):
        resp = api.token(username, attempt)
        assert resp.status_code == 429, resp.text
        body = resp.json()
        assert body["code"] == "too_many_attempts" and "quá nhiều" in body["detail"], body


def test_unknown_usernames_are_throttled_the_same_way(api):
    ghost = f"khongcoai{pysecrets.token_hex(4)}"
    codes = [api.token(ghost, f"sai-{i}").status_code for i in range(MAX_PER_ACCOUNT + 1)]
    assert codes == [401] * MAX_PER_ACCOUNT + [429], codes


def test_a_locked_account_does_not_lock_others_on_the_same_address(api, users, unit_code, secrets):
    victim, _ = new_staff(api, users, unit_code, secrets)
    for i in range(MAX_PER_ACCOUNT + 1):
        api.token(victim, f"sai-{i}")
    assert api.token(victim, "sai").status_code == 429
    other = users["monitor"]
    resp = api.token(other["username"], other["password"])
    assert resp.status_code == 200, resp.text


def test_successes_from_one_address_are_never_throttled(api, users, unit_code, secrets):
    username, password = new_staff(api, users, unit_code, secrets)
    # Far more successes than any failure limit, interleaved with failures that stay under it:
    # a success clears the account's failures, so the user is never locked out by their own typos.
    for round_ in range(4):
        for i in range(MAX_PER_ACCOUNT - 1):
            assert api.token(username, f"go-nham-{round_}-{i}").status_code == 401
        assert api.token(username, password).status_code == 200
    for _ in range(3 * MAX_PER_ACCOUNT):
        resp = api.token(users["contestant"]["username"], users["contestant"]["password"])
        assert resp.status_code == 200, resp.text


@pytest.fixture
def other_address(cluster):
    """A client whose connections come from another loopback address than every other test's."""
    address = f"127.0.{random.randint(1, 254)}.{random.randint(2, 254)}"
    client = Client(cluster.base_url, timeout=60, local_address=address)
    yield client
    client.close()


def test_password_spraying_from_one_address_is_throttled(api, other_address, users):
    # Fewer failures per account than locks an account, on as many accounts as the address needs.
    per_account = MAX_PER_ACCOUNT - 1
    failures = 0
    while failures < MAX_PER_IP:
        ghost = f"phun{pysecrets.token_hex(4)}"
        for i in range(min(per_account, MAX_PER_IP - failures)):
            resp = other_address.token(ghost, f"sai-{i}")
            assert resp.status_code == 401, (failures, resp.text)
            failures += 1
    # The address is now refused, on a fresh account and even with the right password...
    contestant = users["contestant"]
    for username, password in ((f"phun{pysecrets.token_hex(4)}", "sai"),
                               (contestant["username"], contestant["password"])):
        resp = other_address.token(username, password)
        assert resp.status_code == 429, resp.text
        assert resp.json()["code"] == "too_many_attempts"
    # ...while the same account still logs in from every other address.
    resp = api.token(contestant["username"], contestant["password"])
    assert resp.status_code == 200, resp.text


def test_hammering_from_one_address_does_not_lock_the_owner_out(api, other_address, users, unit_code, secrets):
    # Anyone could otherwise lock the organizer out forever: five wrong passwords every 15 minutes.
    username, password = new_staff(api, users, unit_code, secrets)
    for i in range(MAX_PER_ACCOUNT):
        assert other_address.token(username, f"sai-{i}").status_code == 401
    resp = other_address.token(username, password)
    assert resp.status_code == 429 and resp.json()["code"] == "too_many_attempts", resp.text
    # The owner, from their own address, logs in.
    resp = api.token(username, password)
    assert resp.status_code == 200, resp.text
    # Still locked from the hammering address until an organizer unlocks the account.
    assert other_address.token(username, password).status_code == 429
    me = api.me({"Authorization": f"Bearer {resp.json()['access_token']}"}).json()
    resp = api.http.post(f"/admin/accounts/{me['id']}/unlock", headers=users["organizer"]["headers"],
                         json={"reason": "Chủ tài khoản gọi điện xác nhận"})
    assert resp.status_code == 200, resp.text
    assert resp.json() == {"id": me["id"], "cleared": MAX_PER_ACCOUNT}
    resp = other_address.token(username, password)
    assert resp.status_code == 200, resp.text


def test_unlock_needs_an_organizer_and_an_existing_account(api, users):
    contestant = users["contestant"]
    resp = api.http.post(f"/admin/accounts/{contestant['id']}/unlock", headers=users["monitor"]["headers"])
    assert resp.status_code == 403, resp.text
    resp = api.http.post("/admin/accounts/khong-ton-tai/unlock", headers=users["organizer"]["headers"])
    assert resp.status_code == 404 and resp.json()["code"] == "user_not_found", resp.text


def test_forwarded_for_counts_only_from_the_trusted_proxy(api, other_address, users, unit_code, secrets):
    """FORWARDED_ALLOW_IPS (127.0.0.1 here) is the proxy: its X-Forwarded-For is the client; anyone
    else's header is ignored, so an attacker cannot pick a fresh address for each guess."""
    username, password = new_staff(api, users, unit_code, secrets)
    for i in range(MAX_PER_ACCOUNT):
        resp = other_address.http.post("/auth/token", json={"username": username, "password": f"sai-{i}"},
                                       headers={"X-Forwarded-For": f"198.51.100.{i + 1}"})
        assert resp.status_code == 401, resp.text
    resp = other_address.http.post("/auth/token", json={"username": username, "password": password},
                                   headers={"X-Forwarded-For": "198.51.100.200"})
    assert resp.status_code == 429, resp.text
    # Through the trusted proxy: one client hammers, another client behind the same proxy logs in.
    victim, victim_password = new_staff(api, users, unit_code, secrets)
    for i in range(MAX_PER_ACCOUNT):
        resp = api.http.post("/auth/token", json={"username": victim, "password": f"sai-{i}"},
                             headers={"X-Forwarded-For": "203.0.113.7"})
        assert resp.status_code == 401, resp.text
    resp = api.http.post("/auth/token", json={"username": victim, "password": victim_password},
                         headers={"X-Forwarded-For": "203.0.113.7"})
    assert resp.status_code == 429, resp.text
    resp = api.http.post("/auth/token", json={"username": victim, "password": victim_password},
                         headers={"X-Forwarded-For": "203.0.113.8"})
    assert resp.status_code == 200, resp.text
