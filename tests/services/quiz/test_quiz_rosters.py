"""Unit rosters, roster mode and the registration throttle (SPEC 2; issue 14, finding 7)."""
import datetime as dt

import pytest
from sqlalchemy import func, select

from common.errors import Forbidden, Invalid, NotFound, RateLimited
from services.quiz.domain import accounts, closing, rosters, units
from services.quiz.models import RegistrationHit, RosterEntry, Round, User
from tests.services.quiz.conftest import ORG, audit, b64file, make_contest, register, xlsx_file

HEADER = "id_number,full_name,position\n"


def roster_file(*rows, name="roster.csv"):
    return b64file(name, HEADER + "".join(",".join(r) + "\n" for r in rows))


def headcount(db, code):
    return next(u for u in db.read(units.list_units) if u["code"] == code)


def test_roster_replaces_sets_the_headcount_and_is_audited(with_units):
    db = with_units
    declared = headcount(db, "SNV")["headcount"]
    out = db.run(rosters.upload_roster, ORG, "SNV", roster_file(
        ("046000000001", "Nguyễn Văn A", "Giám đốc"), ("046000000002", "Trần Thị B", ""),
        ("4600000", "Sai", ""), ("046000000001", "Trùng", "")))
    assert (out["added"], out["updated"], out["removed"], out["headcount"]) == (2, 0, 0, 2)
    assert [e["row"] for e in out["errors"]] == [4, 5]
    listed = headcount(db, "SNV")
    assert (listed["headcount"], listed["roster_size"], listed["declared_headcount"]) == (2, 2, declared)
    out = db.run(rosters.upload_roster, ORG, "SNV", xlsx_file("r.xlsx", [
        ["id_number", "full_name", "position"], ["046000000002", "Trần Thị B", "Phó"], [46000000003, "Lê C", None]]))
    assert (out["added"], out["updated"], out["removed"], out["headcount"]) == (1, 1, 1, 2)
    with db.session() as s:  # the spreadsheet's number lost its leading zero; the roster has it back
        assert sorted(s.scalars(select(RosterEntry.id_number))) == ["046000000002", "046000000003"]
    entries = audit(db, "units.roster")
    assert [(e.before["roster"], e.after["roster"]) for e in entries] == [(0, 2), (2, 2)]
    assert entries[0].before["headcount"] == declared and entries[0].actor_id == ORG["id"] and entries[0].target == "unit:SNV"


@pytest.mark.parametrize("file,code", [
    (b64file("r.csv", HEADER + "1,x,y\n,,z\n"), "invalid_roster"),
    (b64file("r.csv", "cccd,ten\n046000000001,A\n"), "invalid_header"),
    (b64file("r.csv", HEADER), "empty_file"),
    ({"filename": "r.csv", "content_b64": "***"}, "invalid_file"),
])
def test_a_bad_roster_changes_nothing(with_units, file, code):
    db = with_units
    db.run(rosters.upload_roster, ORG, "SNV", roster_file(("046000000001", "Nguyễn Văn A", "")))
    with pytest.raises(Invalid) as exc:
        db.run(rosters.upload_roster, ORG, "SNV", file)
    assert exc.value.code == code
    assert headcount(db, "SNV")["roster_size"] == 1 and len(audit(db, "units.roster")) == 1


def test_roster_limits_and_roles(with_units, monkeypatch):
    db = with_units
    monkeypatch.setenv("ROSTER_MAX_ROWS", "2")
    rows = [(f"0460000000{i:02d}", "Người", "") for i in range(3)]
    with pytest.raises(Invalid) as exc:
        db.run(rosters.upload_roster, ORG, "SNV", roster_file(*rows))
    assert exc.value.code == "roster_too_large" and "2" in exc.value.detail
    # Blank rows past the bound are not people: skipped (what they cost is bounded by the file's
    # size, IMPORT_MAX_BYTES), the one person is taken.
    assert db.run(rosters.upload_roster, ORG, "SNV",
                  b64file("r.csv", HEADER + "046000000001,A,\n" + ",,\n" * 5000))["headcount"] == 1
    monkeypatch.setenv("ROSTER_MAX_ROWS", "3")
    assert db.run(rosters.upload_roster, ORG, "SNV", roster_file(*rows))["headcount"] == 3
    with pytest.raises(NotFound):
        db.run(rosters.upload_roster, ORG, "KHONG", roster_file(rows[0]))
    with pytest.raises(Forbidden):
        db.run(rosters.upload_roster, {"id": "e", "role": "expert", "unit_code": "SNV"}, "SNV", roster_file(rows[0]))


def test_a_unit_with_a_roster_takes_only_its_people(with_units):
    db = with_units
    register(db, unit_code="SNV", id_number="046000000009")  # before the roster
    out = db.run(rosters.upload_roster, ORG, "SNV", roster_file(("046000000001", "Nguyễn Văn A", "")))
    assert out["registered_outside_roster"] == 1
    with pytest.raises(Forbidden) as exc:
        register(db, unit_code="SNV")
    assert exc.value.code == "not_on_roster"
    register(db, unit_code="SNV", id_number="046000000001")
    register(db, unit_code="STP")  # no roster, no roster contest: open


def test_roster_mode_closes_units_without_a_roster_while_the_contest_is_open(with_units):
    db = with_units
    with pytest.raises(Invalid) as exc:
        make_contest(db, code="t-bad", settings={"registration": "closed"})
    assert exc.value.code == "invalid_settings"
    code = make_contest(db, settings={"registration": "roster"})
    with pytest.raises(Forbidden) as exc:
        register(db, unit_code="STP")
    assert exc.value.code == "not_on_roster" and code in exc.value.detail
    # Between two rounds the contest is still open; once its last round closed, it is not.
    with db.session() as s:
        for rnd in s.scalars(select(Round).where(Round.contest_code == code)):
            rnd.opens_at -= dt.timedelta(days=10)
            rnd.closes_at -= dt.timedelta(days=10)
    register(db, unit_code="STP")


def test_registration_throttle_counts_every_request_per_address(with_units, monkeypatch):
    db = with_units
    monkeypatch.setenv("REGISTRATION_MAX_PER_ADDRESS", "3")
    monkeypatch.setenv("REGISTRATION_EXEMPT_ADDRESSES", "10.1.0.0/16, junk")
    with pytest.raises(Invalid):
        db.run(accounts.register_contestant, {**_person(1), "unit_code": "KHONG"}, "203.0.113.9")
    db.run(accounts.register_contestant, _person(2), "203.0.113.9")
    db.run(accounts.register_contestant, _person(3), "203.0.113.9")
    with pytest.raises(RateLimited) as exc:
        db.run(accounts.register_contestant, _person(4), "203.0.113.9")
    assert exc.value.code == "too_many_registrations"
    db.run(accounts.register_contestant, _person(4), "203.0.113.10")  # another address
    for i in range(5, 10):
        db.run(accounts.register_contestant, _person(i), "10.1.2.3")  # exempt network
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(User).where(User.kind == "contestant")) == 8
    # The window slides: old requests stop counting and the sweep drops them.
    with db.session() as s:
        for hit in s.scalars(select(RegistrationHit)):
            hit.at -= dt.timedelta(hours=2)
    db.run(closing.sweep)
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(RegistrationHit)) == 0
    db.run(accounts.register_contestant, _person(10), "203.0.113.9")


def _person(i):
    return {"full_name": "Phạm Thị Dung", "id_number": f"0469000000{i:02d}", "phone": f"09120000{i:02d}",
            "unit_code": "SNV", "position": "Chuyên viên", "password": "matkhau1"}
