"""A jury per contest (SPEC 5): organizers name a contest's judges; until they do, every judge of
the platform is its jury. Domain functions on SQLite and PostgreSQL, and the RPC wiring."""
import itertools

import pytest
from nameko.testing.services import worker_factory

from common.errors import Forbidden, Invalid, NotFound, Unauthorized
from services.quiz.domain import accounts, jury
from services.quiz.service import QuizService
from tests.services.quiz.conftest import ORG, make_contest, pressure

JUDGE_ACTOR = {"id": "j", "role": "judge", "unit_code": None}
_numbers = itertools.count(1)


def _staff(db, username, role="judge", unit="SNV"):
    n = next(_numbers)  # staff CCCDs are unique too
    return db.run(accounts.create_staff, ORG, {
        "username": username, "password": "secret12", "role": role, "full_name": f"Giám khảo {username}",
        "id_number": f"04600001{n:04d}", "unit_code": unit})


@pytest.fixture
def setup(with_units):
    """Two contests (t-2026, t-2027), three judges (SNV, STP, STC) and an expert."""
    db = with_units
    make_contest(db, "t-2026")
    make_contest(db, "t-2027")
    judges = {name: _staff(db, name, unit=unit) for name, unit in
              (("gk.snv", "SNV"), ("gk.stp", "STP"), ("gk.moi", "STC"))}
    expert = _staff(db, "cv.snv", role="expert")
    return db, judges, expert


def _ids(rows):
    return [r["id"] for r in rows]


def test_default_jury_is_every_judge(setup):
    db, judges, _ = setup
    everyone = sorted(j["id"] for j in judges.values())
    assert _ids(db.read(jury.list_jury, "t-2026")) == everyone
    out = db.read(jury.get_jury, ORG, "t-2026")
    assert out["default"] is True and _ids(out["judges"]) == everyone
    assert {j["username"] for j in out["judges"]} == set(judges)
    # list_jury answers in list_staff's shape (media reads id and unit_code).
    assert db.read(jury.list_jury, "t-2026") == db.read(accounts.list_staff, "judge")


def test_set_jury_applies_to_one_contest_only(setup):
    db, judges, _ = setup
    out = db.run(jury.set_jury, ORG, "t-2026", ["gk.stp", "GK.MOI "])  # case and spaces forgiven
    assert out["default"] is False and out["contest"] == "t-2026"
    assert _ids(out["judges"]) == sorted([judges["gk.stp"]["id"], judges["gk.moi"]["id"]])
    listed = db.read(jury.list_jury, "t-2026")
    assert listed == [{"id": j["id"], "full_name": j["full_name"], "unit_code": j["unit_code"]}
                      for j in sorted((judges["gk.stp"], judges["gk.moi"]), key=lambda j: j["id"])]
    # The other contest keeps the default jury.
    assert len(db.read(jury.list_jury, "t-2027")) == 3
    # The form's choices stay every judge.
    assert {c["username"] for c in out["candidates"]} == set(judges)
    assert db.read(jury.get_jury, ORG, "t-2027")["default"] is True
    # A judge created later joins the default jury, not a named one.
    late = _staff(db, "gk.sau", unit="SNV")
    assert late["id"] in _ids(db.read(jury.list_jury, "t-2027"))
    assert late["id"] not in _ids(db.read(jury.list_jury, "t-2026"))


def test_set_jury_is_idempotent_and_replaces(setup):
    db, judges, _ = setup
    first = db.run(jury.set_jury, ORG, "t-2026", ["gk.snv", "gk.stp"])
    assert db.run(jury.set_jury, ORG, "t-2026", ["gk.stp", "gk.snv", "gk.snv"]) == first
    replaced = db.run(jury.set_jury, ORG, "t-2026", ["gk.moi"])
    assert _ids(replaced["judges"]) == [judges["gk.moi"]["id"]]
    assert _ids(db.read(jury.list_jury, "t-2026")) == [judges["gk.moi"]["id"]]


@pytest.mark.parametrize("names", [["cv.snv"], ["khong.co.ai"], ["gk.snv", "cv.snv"], ["admin"]])
def test_only_judges_may_sit_on_a_jury(setup, names):
    db, _, _ = setup
    db.run(jury.set_jury, ORG, "t-2026", ["gk.snv"])
    with pytest.raises(Invalid) as exc:
        db.run(jury.set_jury, ORG, "t-2026", names)
    assert exc.value.code == "not_a_judge"
    assert [n for n in names if n != "gk.snv"][0] in exc.value.detail and "giám khảo" in exc.value.detail
    # Nothing changed.
    assert [j["username"] for j in db.read(jury.get_jury, ORG, "t-2026")["judges"]] == ["gk.snv"]


@pytest.mark.parametrize("bad", [[], None, "gk.snv", [""], ["  "], [1], {"usernames": ["gk.snv"]},
                                 [f"gk{i}" for i in range(jury.MAX_JURY + 1)]])
def test_bad_lists_refused(setup, bad):
    db, _, _ = setup
    with pytest.raises(Invalid) as exc:
        db.run(jury.set_jury, ORG, "t-2026", bad)
    assert exc.value.code == "invalid_jury" and "giám khảo" in exc.value.detail
    assert db.read(jury.get_jury, ORG, "t-2026")["default"] is True


def test_unknown_contest_and_roles(setup):
    db, _, expert = setup
    for call, fn, args in ((db.read, jury.list_jury, ("khong-co",)), (db.read, jury.get_jury, (ORG, "khong-co")),
                           (db.run, jury.set_jury, (ORG, "khong-co", ["gk.snv"])),
                           (db.read, jury.list_jury, (None,))):
        with pytest.raises(NotFound) as exc:
            call(fn, *args)
        assert exc.value.code == "contest_not_found"
    expert_actor = {"id": expert["id"], "role": "expert", "unit_code": "SNV"}
    for actor in (expert_actor, JUDGE_ACTOR, {"id": "c", "role": "contestant", "unit_code": "SNV"}):
        with pytest.raises(Forbidden):
            db.run(jury.set_jury, actor, "t-2026", ["gk.snv"])
    with pytest.raises(Unauthorized):
        db.run(jury.set_jury, None, "t-2026", ["gk.snv"])
    assert db.read(jury.get_jury, JUDGE_ACTOR, "t-2026")["default"] is True  # staff may look
    with pytest.raises(Forbidden):
        db.read(jury.get_jury, {"id": "c", "role": "contestant", "unit_code": "SNV"}, "t-2026")


def test_rpc_wiring(setup):
    db, judges, _ = setup
    service = worker_factory(QuizService, db=db, pressure=pressure())
    assert len(service.list_jury("t-2026")) == 3
    out = service.set_jury(ORG, "t-2026", ["gk.snv"])
    assert _ids(out["judges"]) == [judges["gk.snv"]["id"]]
    assert service.get_jury(ORG, "t-2026") == out
    assert _ids(service.list_jury("t-2026")) == [judges["gk.snv"]["id"]]
    with pytest.raises(NotFound):
        service.list_jury("khong-co")


# --- once judging began (SPEC 5, issue 14 finding 2) ----------------------------------------------
def _scored(contest, judge_id, at):
    return {"clip_id": "c-1", "contest": contest, "unit_code": "STP", "judge_id": judge_id, "judges_scored": 1,
            "scored_at": at.isoformat(), "event_id": "e-1"}


def test_first_score_fixes_the_default_jury_a_later_judge_does_not_join(setup):
    import datetime as dt

    from tests.services.quiz.conftest import audit

    db, judges, _ = setup
    service = worker_factory(QuizService, db=db, pressure=pressure())
    at = dt.datetime.now(dt.timezone.utc)
    everyone = sorted(j["id"] for j in judges.values())
    assert db.read(jury.get_jury, ORG, "t-2026")["judging_started"] is False
    service.on_clip_scored(_scored("t-2026", judges["gk.stp"]["id"], at))
    service.on_clip_scored(_scored("t-2026", judges["gk.stp"]["id"], at))  # a duplicate: nothing more
    service.on_clip_scored(_scored("khong-co", judges["gk.stp"]["id"], at))  # unknown contest: ignored
    out = db.read(jury.get_jury, ORG, "t-2026")
    assert out["judging_started"] is True and out["default"] is False and _ids(out["judges"]) == everyone
    # A judge account made after the first score: not on t-2026's jury (the final scores stay),
    # on the default jury of t-2027 where judging has not begun.
    late = _staff(db, "gk.sau", unit="SNV")
    assert late["id"] not in _ids(db.read(jury.list_jury, "t-2026"))
    assert late["id"] in _ids(db.read(jury.list_jury, "t-2027"))
    fixes = audit(db, "jury.fix")
    assert len(fixes) == 1 and fixes[0].target == "contest:t-2026" and fixes[0].actor_id is None


def test_jury_change_after_judging_began_needs_confirmation_and_is_audited(setup):
    import datetime as dt

    from common.errors import Conflict
    from tests.services.quiz.conftest import audit

    db, judges, _ = setup
    db.run(jury.set_jury, ORG, "t-2026", ["gk.snv", "gk.stp"])  # before judging: no confirmation
    db.run(jury.record_judging_started, _scored("t-2026", judges["gk.stp"]["id"], dt.datetime.now(dt.timezone.utc)))
    before = len(audit(db))
    with pytest.raises(Conflict) as exc:
        db.run(jury.set_jury, ORG, "t-2026", ["gk.snv", "gk.stp", "gk.moi"])
    assert exc.value.code == "confirm_required" and "confirm: true" in exc.value.detail
    assert _ids(db.read(jury.list_jury, "t-2026")) == sorted([judges["gk.snv"]["id"], judges["gk.stp"]["id"]])
    assert len(audit(db)) == before
    # The same jury again is no change: no confirmation needed.
    db.run(jury.set_jury, ORG, "t-2026", ["gk.stp", "gk.snv"])
    out = db.run(jury.set_jury, ORG, "t-2026", ["gk.snv", "gk.stp", "gk.moi"], True, "Bổ sung giám khảo Sở Tài chính")
    assert len(out["judges"]) == 3
    entry = audit(db, "jury.set")[-1]
    assert entry.reason == "Bổ sung giám khảo Sở Tài chính" and entry.after == {"default": False, "judges": ["gk.moi", "gk.snv", "gk.stp"],
                        "confirmed_after_judging_began": True}


def test_a_judge_account_needs_a_unit(with_units):
    db = with_units
    with pytest.raises(Invalid) as exc:
        _staff(db, "gk.khong.don.vi", unit=None)
    assert exc.value.code == "unit_required" and "đơn vị" in exc.value.detail
    assert db.read(accounts.list_staff, "judge") == []
    assert _staff(db, "cv.khong.don.vi", role="expert", unit=None)["unit_code"] is None  # only judges
