"""quiz.excluded_contestants: the awards' re-check of the exclusion list at compute time."""
import pytest

from common.errors import Invalid, NotFound
from services.quiz.domain import accounts, contests
from tests.services.quiz.conftest import ORG, make_contest, register


def id_number_of(db, contestant):
    from services.quiz.models import User

    with db.session() as s:
        return s.get(User, contestant["id"]).id_number


def test_listed_and_staff_contestants_are_reported(contest, with_units):
    db = with_units
    listed, became_staff, fine = register(db), register(db), register(db)
    other_contest = make_contest(db, code="t-other")
    listed_elsewhere = register(db)
    db.run(contests.add_exclusions, ORG, contest, [id_number_of(db, listed)])
    db.run(contests.add_exclusions, ORG, other_contest, [id_number_of(db, listed_elsewhere)])
    # Registered as a contestant first, made staff later (e.g. joined the jury): excluded now.
    db.run(accounts.create_staff, ORG, {"username": "giamkhao1", "password": "matkhau1", "role": "judge",
                                         "full_name": "Trần Văn Bình", "id_number": id_number_of(db, became_staff),
                                         "unit_code": "SNV"})
    ids = [fine["id"], listed["id"], became_staff["id"], listed_elsewhere["id"], "no-such-id"]
    assert db.read(contests.excluded_contestants, contest, ids) == sorted([listed["id"], became_staff["id"]])
    assert db.read(contests.excluded_contestants, other_contest, ids) == sorted(
        [listed_elsewhere["id"], became_staff["id"]])
    assert db.read(contests.excluded_contestants, contest, []) == []
    assert db.read(contests.excluded_contestants, contest, [fine["id"]]) == []


@pytest.mark.parametrize("ids", ["abc", [1, 2], None, ["x"] * (contests.MAX_EXCLUSION_QUERY + 1)])
def test_bad_input_is_invalid(contest, with_units, ids):
    with pytest.raises(Invalid):
        with_units.read(contests.excluded_contestants, contest, ids)


def test_unknown_contest(with_units):
    with pytest.raises(NotFound) as exc:
        with_units.read(contests.excluded_contestants, "nope-1", [])
    assert exc.value.code == "contest_not_found"
