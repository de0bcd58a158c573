"""Registration, staff accounts, exclusion, login and its throttling, bootstrap organizer."""
import datetime as dt
import unicodedata

import pytest
from sqlalchemy import func, select

from common.errors import Conflict, Forbidden, Invalid, NotFound, RateLimited, Unauthorized
from services.quiz.domain import accounts, contests
from services.quiz.models import AuditEntry, LoginFailure, User
from tests.services.quiz.conftest import ORG, make_contest, register

BASE = {"full_name": "Trần Thị Bình", "id_number": "046123456789", "phone": "+84 912 345 678",
        "unit_code": "SNV", "position": "Chuyên viên", "password": "matkhau1",
        "email": "binh@example.vn", "date_of_birth": "1990-05-01"}


def test_register_normalizes_and_hashes(with_units):
    db = with_units
    data = dict(BASE, full_name=unicodedata.normalize("NFD", "Trần Thị Bình"))
    user = db.run(accounts.register_contestant, data)
    assert user["full_name"] == unicodedata.normalize("NFC", "Trần Thị Bình")
    with db.session() as s:
        row = s.get(User, user["id"])
        assert row.phone == "0912345678"
        assert row.password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert db.read(accounts.get_user, user["id"]) == {
        "id": user["id"], "role": "contestant", "full_name": user["full_name"], "unit_code": "SNV"}


@pytest.mark.parametrize("field,value,code", [
    ("id_number", "04612345678", "invalid_id_number"),
    ("id_number", "04612345678a", "invalid_id_number"),
    ("phone", "0212345678", "invalid_phone"),
    ("phone", "091234567", "invalid_phone"),
    ("phone", "+1 912 345 678", "invalid_phone"),
    ("unit_code", "NOPE", "unknown_unit"),
    ("password", "12345", "invalid_password"),
    ("full_name", "  ", "invalid_input"),
    ("date_of_birth", "01/05/1990", "invalid_input"),
])
def test_register_rejects_malformed_input(with_units, field, value, code):
    with pytest.raises(Invalid) as exc:
        with_units.run(accounts.register_contestant, dict(BASE, **{field: value}))
    assert exc.value.code == code
    with with_units.session() as s:
        assert s.scalar(select(func.count()).select_from(User)) == 0


def test_phone_prefixes_accepted(with_units):
    with_units.run(accounts.register_contestant, dict(BASE, phone="84 98 765 4321"))
    with with_units.session() as s:
        assert s.scalar(select(User.phone)) == "0987654321"


def test_duplicate_cccd_or_phone_conflict(with_units):
    with_units.run(accounts.register_contestant, BASE)
    # `field` (issue 16): which one is taken, so the form says it beside that field.
    for over, field in (({"phone": "0987000001"}, "id_number"), ({"id_number": "046999999999"}, "phone"),
                        ({}, "id_number")):
        with pytest.raises(Conflict) as exc:
            with_units.run(accounts.register_contestant, dict(BASE, **over))
        assert exc.value.code == "already_registered"
        assert exc.value.extra == {"field": field} and exc.value.args[2] == {"field": field}
        assert exc.value.detail == accounts.TAKEN_MESSAGES[field]


def test_excluded_by_contest_list_or_staff_cccd(with_units):
    db = with_units
    make_contest(db)
    db.run(contests.add_exclusions, ORG, "t-2026", ["046123456789"])
    with pytest.raises(Forbidden) as exc:
        db.run(accounts.register_contestant, BASE)
    assert exc.value.code == "excluded" and "Ban Tổ chức" in exc.value.detail

    staff = db.run(accounts.create_staff, ORG, {"username": "giamkhao1", "password": "secret12", "role": "judge",
                                                 "full_name": "Lê Văn Cường", "id_number": "046000000777",
                                                 "unit_code": "SNV"})
    # Staff are named by login too (the awards' decision documents name their approver so).
    assert db.read(accounts.get_user, staff["id"]) == {"id": staff["id"], "role": "judge", "full_name": "Lê Văn Cường",
                                                       "unit_code": "SNV", "username": "giamkhao1"}
    with pytest.raises(Forbidden) as exc:
        db.run(accounts.register_contestant, dict(BASE, id_number="046000000777", phone="0977000000"))
    assert exc.value.code == "excluded"


def test_a_taken_phone_answers_409_whoever_the_cccd_is(with_units):
    """No free oracle for who is staff or listed: a CCCD sent with a phone already registered answers
    409 `already_registered` as for any CCCD, and registers nobody."""
    db = with_units
    make_contest(db)
    db.run(accounts.register_contestant, BASE)
    db.run(accounts.create_staff, ORG, {"username": "giamkhao2", "password": "secret12", "role": "judge",
                                         "full_name": "Lê Văn Cường", "id_number": "046000000778",
                                         "unit_code": "SNV"})
    db.run(contests.add_exclusions, ORG, "t-2026", ["046000000779"])
    for cccd in ("046000000778", "046000000779", "046000000780"):  # staff, listed, nobody
        with pytest.raises(Conflict) as exc:
            db.run(accounts.register_contestant, dict(BASE, id_number=cccd))  # BASE's phone: taken
        assert exc.value.code == "already_registered", cccd
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(User).where(User.kind == "contestant")) == 1


def test_exclusion_blocks_registration_only_while_its_contest_is_open(with_units):
    """Issue 14, finding 6: a listing in one contest never blocks registering for another (SPEC 2).
    Registration is refused only while a contest that lists the person is open."""
    db = with_units
    t = dt.datetime.now(dt.timezone.utc)
    past = [{"opens_at": (t - dt.timedelta(days=30)).isoformat(), "closes_at": (t - dt.timedelta(days=20)).isoformat()}]
    later = [{"opens_at": (t + dt.timedelta(days=20)).isoformat(), "closes_at": (t + dt.timedelta(days=30)).isoformat()}]
    db.run(contests.create_contest, ORG, {"code": "t-2025", "title": "Năm trước", "rounds": past})
    db.run(contests.create_contest, ORG, {"code": "t-2027", "title": "Năm sau", "rounds": later})
    make_contest(db)  # t-2026, open now
    db.run(contests.add_exclusions, ORG, "t-2025", ["046123456789"])
    db.run(contests.add_exclusions, ORG, "t-2027", ["046123456788"])
    assert db.run(accounts.register_contestant, BASE)["id"]
    assert db.run(accounts.register_contestant, dict(BASE, id_number="046123456788", phone="0977000001"))["id"]
    with db.session() as s:
        assert accounts.is_excluded(s, "046123456789", "t-2025")
        assert not accounts.is_excluded(s, "046123456789", "t-2026")
    # Listed by the open contest: refused, whatever other contests say.
    db.run(contests.add_exclusions, ORG, "t-2026", ["046123456787"])
    with pytest.raises(Forbidden) as exc:
        db.run(accounts.register_contestant, dict(BASE, id_number="046123456787", phone="0977000002"))
    assert exc.value.code == "excluded"


def test_create_staff_rules(with_units):
    db = with_units
    staff = {"username": "ChuyenVien1", "password": "secret12", "role": "expert",
             "full_name": "Phạm Thị Dung", "id_number": "046000000001", "unit_code": "SNV"}
    with pytest.raises(Forbidden):
        db.run(accounts.create_staff, {"id": "e", "role": "expert"}, staff)
    out = db.run(accounts.create_staff, ORG, staff)
    assert out["username"] == "chuyenvien1" and out["role"] == "expert"
    with pytest.raises(Conflict) as exc:
        db.run(accounts.create_staff, ORG, dict(staff, id_number="046000000002"))
    assert exc.value.code == "username_taken"
    with pytest.raises(Invalid) as exc:
        db.run(accounts.create_staff, ORG, dict(staff, username="other", role="contestant"))
    assert exc.value.code == "invalid_role"
    with pytest.raises(Invalid) as exc:
        db.run(accounts.create_staff, ORG, dict(staff, username="0912345678", id_number="046000000009"))
    assert exc.value.code == "invalid_input"
    with pytest.raises(Invalid) as exc:
        db.run(accounts.create_staff, ORG, dict(staff, username="other", id_number="123"))
    assert exc.value.code == "invalid_id_number"


def test_authenticate_by_username_phone_or_cccd(with_units):
    db = with_units
    db.run(accounts.register_contestant, BASE)
    db.run(accounts.create_staff, ORG, {"username": "btc1", "password": "secret12", "role": "organizer",
                                         "full_name": "Hồ Văn Em", "id_number": "046000000003"})
    for login in ("0912345678", "+84912345678", "046123456789"):
        assert db.run(accounts.authenticate, login, "matkhau1", "10.0.0.1")["role"] == "contestant"
    assert db.run(accounts.authenticate, "BTC1", "secret12", "10.0.0.1")["role"] == "organizer"
    with pytest.raises(Unauthorized) as exc:
        db.run(accounts.authenticate, "0912345678", "wrong-pw", "10.0.0.1")
    assert exc.value.code == "invalid_credentials"
    with pytest.raises(Unauthorized):
        db.run(accounts.authenticate, "nobody", "x", "10.0.0.1")
    with pytest.raises(Unauthorized):
        db.run(accounts.authenticate, None, 12345, None)


def test_throttle_per_account_and_address_and_success_clears(with_units, monkeypatch):
    db = with_units
    db.run(accounts.register_contestant, BASE)
    for _ in range(4):
        with pytest.raises(Unauthorized):
            db.run(accounts.authenticate, "0912345678", "wrong-pw", "10.0.0.1")
    # A success clears the counter: four more failures are allowed afterwards.
    db.run(accounts.authenticate, "0912345678", "matkhau1", "10.0.0.1")
    for _ in range(5):
        with pytest.raises(Unauthorized):
            db.run(accounts.authenticate, "0912 345 678", "wrong-pw", "10.0.0.2")
    with pytest.raises(RateLimited) as exc:
        db.run(accounts.authenticate, "0912345678", "matkhau1", "10.0.0.2")  # even the right password
    assert exc.value.code == "too_many_attempts"
    # The same account by its CCCD from the hammering address: still locked (one account, any name).
    with pytest.raises(RateLimited):
        db.run(accounts.authenticate, "046123456789", "matkhau1", "10.0.0.2")
    # The owner from another address is not locked out by whoever hammers from 10.0.0.2.
    assert db.run(accounts.authenticate, "0912345678", "matkhau1", "10.0.0.3")["role"] == "contestant"
    # ... and that success does not reopen the hammering address.
    with pytest.raises(RateLimited):
        db.run(accounts.authenticate, "0912345678", "wrong-pw", "10.0.0.2")
    # Another account from the same address is not blocked.
    other = register(db, phone="0977123123")
    assert db.run(accounts.authenticate, "0977123123", "matkhau1", "10.0.0.2")
    assert db.read(accounts.get_user, other["id"])["role"] == "contestant"
    # Failures age out of the window.
    with db.session() as s:
        for row in s.scalars(select(LoginFailure)):
            row.at = row.at - dt.timedelta(hours=1)
    assert db.run(accounts.authenticate, "0912345678", "matkhau1", "10.0.0.2")


def test_organizer_unlocks_an_account_with_an_audit_record(with_units):
    db = with_units
    user = db.run(accounts.register_contestant, BASE)
    for address in ("10.0.0.5", "10.0.0.6"):
        for _ in range(5):
            with pytest.raises(Unauthorized):
                db.run(accounts.authenticate, "0912345678", "wrong-pw", address)
    # Failures on another account stay.
    for _ in range(5):
        with pytest.raises(Unauthorized):
            db.run(accounts.authenticate, "ai_do_khac", "wrong-pw", "10.0.0.5")
    with pytest.raises(RateLimited):
        db.run(accounts.authenticate, "0912345678", "matkhau1", "10.0.0.5")
    with pytest.raises(Forbidden):
        db.run(accounts.unlock_account, {"id": "e", "role": "expert"}, user["id"])
    with pytest.raises(NotFound):
        db.run(accounts.unlock_account, ORG, "khong-co")
    out = db.run(accounts.unlock_account, ORG, user["id"], "Người dùng gọi điện xác nhận")
    assert out == {"id": user["id"], "cleared": 10}
    for address in ("10.0.0.5", "10.0.0.6"):
        assert db.run(accounts.authenticate, "0912345678", "matkhau1", address)["role"] == "contestant"
    with pytest.raises(RateLimited):
        db.run(accounts.authenticate, "ai_do_khac", "wrong-pw", "10.0.0.5")
    with db.session() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "account.unlock")).one()
        assert (entry.target, entry.actor_id, entry.reason) == (f"user:{user['id']}", "org-test",
                                                                 "Người dùng gọi điện xác nhận")
        assert (entry.before, entry.after) == ({"failed_logins": 10}, {"failed_logins": 0})


def test_throttle_per_source_address(with_units, monkeypatch):
    monkeypatch.setenv("LOGIN_MAX_FAILURES_PER_IP", "3")
    db = with_units
    db.run(accounts.register_contestant, BASE)
    for i in range(3):
        with pytest.raises(Unauthorized):
            db.run(accounts.authenticate, f"user{i}", "wrong-pw", "203.0.113.9")
    with pytest.raises(RateLimited):
        db.run(accounts.authenticate, "0912345678", "matkhau1", "203.0.113.9")
    # Many successes from one shared address are never counted.
    for _ in range(5):
        db.run(accounts.authenticate, "0912345678", "matkhau1", "198.51.100.1")


def test_get_user_not_found(db):
    with pytest.raises(NotFound) as exc:
        db.read(accounts.get_user, "nope")
    assert exc.value.code == "user_not_found"


def test_bootstrap_admin(db, monkeypatch):
    monkeypatch.delenv("BOOTSTRAP_ADMIN_USERNAME", raising=False)
    monkeypatch.delenv("BOOTSTRAP_ADMIN_PASSWORD", raising=False)
    monkeypatch.setenv("APP_ENV", "production")
    with pytest.raises(RuntimeError):
        db.run(accounts.bootstrap_admin)
    monkeypatch.setenv("APP_ENV", "local")
    db.run(accounts.bootstrap_admin)
    db.run(accounts.bootstrap_admin)  # idempotent
    assert db.run(accounts.authenticate, "admin", "admin", "127.0.0.1")["role"] == "organizer"
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("BOOTSTRAP_ADMIN_USERNAME", "btc")
    monkeypatch.setenv("BOOTSTRAP_ADMIN_PASSWORD", "a-long-secret")
    db.run(accounts.bootstrap_admin)
    assert db.run(accounts.authenticate, "btc", "a-long-secret", "127.0.0.1")["role"] == "organizer"
