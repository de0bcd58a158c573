"""Issue 13: staff accounts changed by an organizer, one-time passwords, password changes, and the
token version whose every bump is announced as `account_sessions_ended`."""
import pytest
from sqlalchemy import select

from common.errors import Conflict, Forbidden, Invalid, NotFound, Unauthorized
from services.quiz.domain import accounts
from services.quiz.models import AuditEntry
from tests.services.quiz.conftest import ORG, outbox_rows

JUDGE = {"username": "giamkhao1", "password": "secret12", "role": "judge", "full_name": "Lê Văn Giám",
         "id_number": "046000000011", "unit_code": "SNV"}
CONTESTANT = {"full_name": "Trần Thị Bình", "id_number": "046123456789", "phone": "0912345678",
              "unit_code": "SNV", "position": "Chuyên viên", "password": "matkhau1"}


def _org(db):
    out = db.run(accounts.create_staff, ORG, {"username": "btc2", "password": "secret12", "role": "organizer",
                                              "full_name": "Hồ Văn Em", "id_number": "046000000012"})
    return {"id": out["id"], "role": "organizer", "unit_code": None, "username": "btc2"}


def _audit(db, action):
    with db.session() as s:
        return s.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq)).all()


def test_list_and_update_staff_with_audit_and_session_end(with_units):
    db = with_units
    judge = db.run(accounts.create_staff, ORG, JUDGE)
    assert judge["active"] is True
    with pytest.raises(Forbidden):
        db.read(accounts.list_all_staff, {"id": "e", "role": "expert"})
    listed = db.read(accounts.list_all_staff, ORG)
    assert [s["username"] for s in listed] == ["giamkhao1"] and listed[0]["active"] is True
    assert db.read(accounts.token_state, judge["id"]) == {"version": 0, "active": True}

    out = db.run(accounts.update_staff, ORG, judge["id"], {"active": False, "reason": "Hết nhiệm kỳ"})
    assert out["active"] is False
    assert db.read(accounts.token_state, judge["id"]) == {"version": 1, "active": False}
    [event] = outbox_rows(db, "account_sessions_ended")
    assert event.payload == {"user_id": judge["id"], "version": 1, "active": False, "reason": "deactivated"}
    [entry] = _audit(db, "staff.update")
    assert (entry.before["active"], entry.after["active"], entry.reason) == (True, False, "Hết nhiệm kỳ")
    with pytest.raises(Unauthorized) as exc:
        db.run(accounts.authenticate, "giamkhao1", "secret12", "10.0.0.1")
    assert exc.value.code == "account_inactive"

    # Reactivated: it may log in again; the tokens it had stay ended (the version moved on).
    db.run(accounts.update_staff, ORG, judge["id"], {"active": True})
    assert db.read(accounts.token_state, judge["id"]) == {"version": 1, "active": True}
    assert db.run(accounts.authenticate, "giamkhao1", "secret12", "10.0.0.1")["token_version"] == 1

    # A judge needs a unit, as at creation; an unknown role or unit is refused.
    for data, code in (({"unit_code": None}, "unit_required"), ({"unit_code": ""}, "unit_required"),
                       ({"role": "contestant"}, "invalid_role"), ({"unit_code": "NOPE"}, "unknown_unit")):
        with pytest.raises(Invalid) as exc:
            db.run(accounts.update_staff, ORG, judge["id"], data)
        assert exc.value.code == code
    out = db.run(accounts.update_staff, ORG, judge["id"], {"role": "expert", "unit_code": None,
                                                             "full_name": "Lê Văn Chuyên"})
    assert (out["role"], out["unit_code"], out["full_name"]) == ("expert", None, "Lê Văn Chuyên")
    with pytest.raises(NotFound):
        db.run(accounts.update_staff, ORG, "khong-co", {"active": False})
    contestant = db.run(accounts.register_contestant, CONTESTANT)
    with pytest.raises(NotFound):  # contestants are not staff accounts
        db.run(accounts.update_staff, ORG, contestant["id"], {"active": False})


def test_an_organizer_cannot_deactivate_or_demote_themself(with_units):
    db = with_units
    me = _org(db)
    for data in ({"active": False}, {"role": "expert"}):
        with pytest.raises(Conflict) as exc:
            db.run(accounts.update_staff, me, me["id"], data)
        assert exc.value.code == "own_account"
    # Another organizer may.
    assert db.run(accounts.update_staff, ORG, me["id"], {"role": "monitor"})["role"] == "monitor"


def test_password_reset_then_forced_change(with_units):
    db = with_units
    user = db.run(accounts.register_contestant, CONTESTANT)
    with pytest.raises(Forbidden):
        db.run(accounts.reset_password, {"id": "e", "role": "expert"}, user["id"], "x")
    with pytest.raises(NotFound) as exc:
        db.run(accounts.reset_password, ORG, "khong-co", "x")
    assert exc.value.code == "user_not_found"
    out = db.run(accounts.reset_password, ORG, user["id"], "Quên mật khẩu, đã gọi điện xác minh")
    temporary = out["temporary_password"]
    assert len(temporary) >= 10
    with pytest.raises(Unauthorized):
        db.run(accounts.authenticate, "0912345678", "matkhau1", "10.0.0.1")
    login = db.run(accounts.authenticate, "0912345678", temporary, "10.0.0.1")
    assert login["must_change_password"] is True and login["token_version"] == 1
    [entry] = _audit(db, "account.password_reset")
    assert temporary not in str((entry.before, entry.after, entry.reason))
    assert entry.reason == "Quên mật khẩu, đã gọi điện xác minh"

    actor = {"id": user["id"], "role": "contestant", "unit_code": "SNV"}
    for current, new, code in ((("sai-mat-khau", "matkhau-moi", "wrong_password")),
                               (temporary, "12345", "invalid_password"),
                               (temporary, temporary, "same_password")):
        with pytest.raises(Invalid) as exc:
            db.run(accounts.change_password, actor, current, new)
        assert exc.value.code == code
    db.run(accounts.change_password, actor, temporary, "matkhau-moi")
    login = db.run(accounts.authenticate, "0912345678", "matkhau-moi", "10.0.0.1")
    assert login["must_change_password"] is False and login["token_version"] == 2
    assert [e.payload["reason"] for e in outbox_rows(db, "account_sessions_ended")] == [
        "password_reset", "password_changed"]


def test_token_states_answer_many_accounts_in_one_reply(with_units):
    from services.quiz import workflow

    db = with_units
    judge = db.run(accounts.create_staff, ORG, JUDGE)
    db.run(accounts.update_staff, ORG, judge["id"], {"active": False})
    person = db.run(accounts.register_contestant, CONTESTANT)
    calls = [{"args": [person["id"]], "kwargs": {}}, {"args": ["khong-co"], "kwargs": {}},
             {"args": [judge["id"]], "kwargs": {}}, {"args": [], "kwargs": {}}]
    assert workflow.token_states(db, calls) == [
        {"result": {"version": 0, "active": True}, "error": None},
        {"result": {"version": None, "active": False}, "error": None},
        {"result": {"version": 1, "active": False}, "error": None},
        {"result": {"version": None, "active": False}, "error": None}]
