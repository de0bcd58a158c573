"""Which contests the public sees (issue 16): the `listed` setting, GET /contests (listed only),
GET /admin/contests (every contest, staff), and GET /me/attempts naming each attempt's contest.

Run: `.venv/bin/python -m pytest -p no:pytest_nameko tests/e2e/test_contest_listing.py`.
"""
import pytest

from tests.e2e.quizclient import Ids, make_bank, open_rounds, tag

API = "/api/v1"


def public_codes(client):
    resp = client.http.get("/contests")
    assert resp.status_code == 200, resp.text
    return [c["code"] for c in resp.json()]


def staff_codes(client, headers):
    resp = client.http.get("/admin/contests", headers=headers)
    assert resp.status_code == 200, resp.text
    return [c["code"] for c in resp.json()]


def patch(client, headers, code, body):
    return client.http.patch(f"/admin/contests/{code}", json=body, headers=headers)


def audit(client, headers, code):
    resp = client.http.get("/admin/audit", params={"contest": code, "action": "contest.update"}, headers=headers)
    assert resp.status_code == 200, resp.text
    return resp.json()


def test_an_unlisted_contest_stays_off_the_public_list_but_answers_by_its_code(client, admin_headers):
    listed, hidden = f"ls-{tag()}", f"ls-test-{tag()}"
    client.setup_contest(admin_headers, listed, open_rounds(), {}, make_bank(listed, 3))
    client.setup_contest(admin_headers, hidden, open_rounds(), {"listed": False}, make_bank(hidden, 3))

    # The default is listed; the setting is kept as given.
    assert client.contest(listed).json()["settings"]["listed"] is True
    assert client.contest(hidden).json()["settings"]["listed"] is False

    public = public_codes(client)
    assert listed in public and hidden not in public
    # Still reachable by its address (staff testing), with its rounds.
    resp = client.contest(hidden)
    assert resp.status_code == 200 and [r["status"] for r in resp.json()["rounds"]][0] == "open"
    assert client.leaderboard(hidden, 1).status_code == 200
    # Staff see every contest, the unlisted too, in the same order as the public list.
    every = staff_codes(client, admin_headers)
    assert listed in every and hidden in every
    assert [c for c in every if c in public] == public
    # The public list has the same items as GET /contests/{c}.
    item = next(c for c in client.http.get("/contests").json() if c["code"] == listed)
    assert item == client.contest(listed).json()


def test_listed_changes_at_any_time_and_is_audited(client, admin_headers):
    code = f"ls-chg-{tag()}"
    # Round 1 open: the attempt's shape is locked, `listed` is not.
    client.setup_contest(admin_headers, code, open_rounds(), {"questions_per_attempt": 2}, make_bank(code, 3))
    assert code in public_codes(client)

    resp = patch(client, admin_headers, code, {"settings": {"listed": False}, "reason": "Hội thi kiểm thử"})
    assert resp.status_code == 200, resp.text
    assert resp.json()["settings"]["listed"] is False
    assert code not in public_codes(client) and code in staff_codes(client, admin_headers)
    [entry] = audit(client, admin_headers, code)
    assert entry["before"]["settings"] == {"listed": True} and entry["after"]["settings"] == {"listed": False}
    assert entry["reason"] == "Hội thi kiểm thử"

    resp = patch(client, admin_headers, code, {"settings": {"listed": True}})
    assert resp.status_code == 200 and resp.json()["settings"]["listed"] is True
    assert code in public_codes(client)
    assert len(audit(client, admin_headers, code)) == 2
    # The same value again changes nothing and records nothing.
    assert patch(client, admin_headers, code, {"settings": {"listed": True}}).status_code == 200
    assert len(audit(client, admin_headers, code)) == 2

    # Not a boolean: refused with a stable code, nothing changes.
    resp = patch(client, admin_headers, code, {"settings": {"listed": "không"}})
    assert resp.status_code == 422 and resp.json()["code"], resp.text
    assert code in public_codes(client)


def test_the_admin_list_is_for_staff_only(client):
    assert client.http.get("/admin/contests").status_code == 401
    id_number, phone = Ids.next()
    assert client.register(full_name="Nguyễn Thị Hoa", id_number=id_number, phone=phone, unit_code="SNV",
                           position="Chuyên viên", password="matkhau-123").status_code == 201
    assert client.http.get("/admin/contests", headers=client.headers(phone, "matkhau-123")).status_code == 403


def test_my_attempts_name_their_contest(client, admin_headers):
    first, second = f"ls-a-{tag()}", f"ls-b-{tag()}"
    for code in (first, second):
        client.setup_contest(admin_headers, code, open_rounds(), {"questions_per_attempt": 2}, make_bank(code, 3))
    id_number, phone = Ids.next()
    assert client.register(full_name="Trần Văn Hậu", id_number=id_number, phone=phone, unit_code="SNV",
                           position="Chuyên viên", password="matkhau-123").status_code == 201
    me = client.headers(phone, "matkhau-123")
    for code in (first, second):
        paper = client.start(me, code, 1)
        assert paper.status_code == 201, paper.text
        assert client.submit(me, paper.json()["attempt_id"], {}).status_code == 202
    resp = client.my_attempts(me)
    assert resp.status_code == 200, resp.text
    got = sorted((a["contest"], a["contest_title"], a["round"]) for a in resp.json())
    assert got == sorted((c, f"Hội thi kiểm thử {c}", 1) for c in (first, second))
