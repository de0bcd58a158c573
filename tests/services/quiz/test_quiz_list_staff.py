"""accounts.list_staff(role): staff accounts of one role; a contest's default jury is every judge (list_jury)."""
import pytest

from services.quiz.domain import accounts
from common.errors import Invalid

from tests.services.quiz.conftest import ORG


def _staff(username, role, unit, n):
    return {"username": username, "password": "secret12", "role": role, "full_name": f"Giám khảo {n}",
            "id_number": f"04600000{n:04d}", "unit_code": unit}


def test_list_staff_by_role(with_units):
    db = with_units
    j1 = db.run(accounts.create_staff, ORG, _staff("judge.one", "judge", "SNV", 1))
    j2 = db.run(accounts.create_staff, ORG, _staff("judge.two", "judge", "STP", 2))
    db.run(accounts.create_staff, ORG, _staff("expert.one", "expert", "SNV", 3))

    judges = db.read(accounts.list_staff, "judge")
    assert sorted(judges, key=lambda j: j["id"]) == judges
    assert {j["id"]: j["unit_code"] for j in judges} == {j1["id"]: "SNV", j2["id"]: "STP"}
    assert {j["full_name"] for j in judges} == {"Giám khảo 1", "Giám khảo 2"}
    assert set(judges[0]) == {"id", "full_name", "unit_code"}
    assert [e["unit_code"] for e in db.read(accounts.list_staff, "expert")] == ["SNV"]
    assert db.read(accounts.list_staff, "monitor") == []


@pytest.mark.parametrize("role", ["contestant", "", None, "admin"])
def test_list_staff_refuses_unknown_roles(db, role):
    with pytest.raises(Invalid) as exc:
        db.read(accounts.list_staff, role)
    assert exc.value.code == "invalid_role"
