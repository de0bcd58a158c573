"""Login brute force: 429 after LOGIN_MAX_FAILURES_PER_ACCOUNT failures on one account; successes
are never throttled, even many from one shared address (a whole agency behind one NAT).

Every request here comes from 127.0.0.1, so this file keeps its failures far below the per-address
limit (LOGIN_MAX_FAILURES_PER_IP, 100 by default), which it cannot exceed without locking every
other test of the session out.
"""
import os
import secrets as pysecrets

from tests.e2e.quizclient import Ids

MAX_PER_ACCOUNT = int(os.environ.get("LOGIN_MAX_FAILURES_PER_ACCOUNT", "5"))


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
