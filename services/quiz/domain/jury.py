"""The jury (Ban Giám khảo) of each contest: which judges score its clips (SPEC 5).

Organizers name a contest's jury by the judges' usernames (what they typed when creating the
accounts). Until they do, a contest's jury is every judge of the platform (SPEC's default), so a
single-contest installation behaves as before. The media service asks `list_jury` for a clip's
assigned judges and for who may score it.

Once judging has begun (media's first `clip_scored` of the contest), the jury is fixed (SPEC 5:
a jury change never blanks final scores silently):
- a default jury becomes the judges who existed at the first score, so a judge account made later
  does not join it (and leave every clip waiting for their score);
- changing the jury needs the organizer's `confirm: true` (409 `confirm_required` otherwise) and
  is audited: scores of judges taken off are kept but no longer count, and the clips wait for the
  judges put on before their final score shows again.
"""
import datetime as dt

from sqlalchemy import delete, select

from common.auth import STAFF_ROLES, require
from common.errors import Conflict, Invalid, NotFound
from common.time import as_utc, utcnow
from services.quiz.domain.accounts import list_staff
from services.quiz.domain.contests import load_contest
from services.quiz.errors import err, message
from services.quiz.models import Contest, JuryMember, User
from services.quiz.schemas import nfc

# A jury is a handful of people; the cap keeps one request from asking about thousands of names.
MAX_JURY = 200


def _members(session, contest_code):
    """The judges named for the contest, ordered by id ([] when no jury was named)."""
    return session.scalars(
        select(User).join(JuryMember, JuryMember.judge_id == User.id)
        .where(JuryMember.contest_code == contest_code, User.kind == "staff", User.role == "judge")
        .order_by(User.id)
    ).all()


def _named(session, contest_code):
    """True once organizers set a jury for the contest (even if it is then smaller than before)."""
    return session.scalar(select(JuryMember.judge_id).where(JuryMember.contest_code == contest_code).limit(1)) \
        is not None


def list_jury(session, contest_code):
    """`[{id, full_name, unit_code}]` ordered by id: the contest's jury, or every judge when none
    was named. `NotFound("contest_not_found")` for an unknown contest."""
    load_contest(session, contest_code)
    if not _named(session, contest_code):
        return list_staff(session, "judge")
    return [{"id": u.id, "full_name": u.full_name, "unit_code": u.unit_code} for u in _members(session, contest_code)]


def _person(user):
    return {"id": user.id, "username": user.username, "full_name": user.full_name, "unit_code": user.unit_code}


def _jury_out(session, contest_code):
    """The jury with usernames, and `candidates`: every judge account (what a form offers)."""
    everyone = session.scalars(select(User).where(User.kind == "staff", User.role == "judge").order_by(User.id)).all()
    named = _named(session, contest_code)
    users = _members(session, contest_code) if named else everyone
    started = session.scalar(select(Contest.judging_started_at).where(Contest.code == contest_code))
    return {"contest": contest_code, "default": not named, "judges": [_person(u) for u in users],
            "candidates": [_person(u) for u in everyone], "judging_started": started is not None}


def get_jury(session, actor, contest_code):
    """Staff: the contest's jury with usernames, and whether it is the default (every judge)."""
    require(actor, *STAFF_ROLES)
    load_contest(session, contest_code)
    return _jury_out(session, contest_code)


def _usernames(usernames):
    if (not isinstance(usernames, list) or not usernames or len(usernames) > MAX_JURY
            or not all(isinstance(x, str) and x.strip() for x in usernames)):
        raise err(Invalid, "invalid_jury", message("invalid_jury", max=MAX_JURY))
    return {nfc(x).lower() for x in usernames}  # usernames are stored lower-case


def set_jury(uow, actor, contest_code, usernames, confirm=False, reason=None):
    """Organizer: the contest's jury becomes exactly these judges (by username). Idempotent: the
    same list again changes nothing. Every name must be a judge's account, else nothing changes.
    After judging began a change needs `confirm` True (Conflict `confirm_required`)."""
    require(actor, "organizer")
    session = uow.session
    wanted = _usernames(usernames)
    if not isinstance(contest_code, str):
        raise err(NotFound, "contest_not_found")
    # Lock the contest row (PostgreSQL) so two concurrent sets of the same jury do not both insert.
    contest = session.scalar(select(Contest).where(Contest.code == contest_code).with_for_update())
    if contest is None:
        raise err(NotFound, "contest_not_found")
    found = session.scalars(select(User).where(User.username.in_(wanted), User.kind == "staff",
                                               User.role == "judge")).all()
    missing = sorted(wanted - {u.username for u in found})
    if missing:
        raise err(Invalid, "not_a_judge", message("not_a_judge", names=", ".join(missing)))
    ids = {u.id for u in found}
    present = set(session.scalars(select(JuryMember.judge_id).where(JuryMember.contest_code == contest_code)))
    if ids == present:
        return _jury_out(session, contest_code)
    started = contest.judging_started_at is not None
    if started and confirm is not True:
        raise err(Conflict, "confirm_required")
    before = _audit_view(session, contest_code)
    if present - ids:
        session.execute(delete(JuryMember).where(JuryMember.contest_code == contest_code,
                                                 JuryMember.judge_id.in_(present - ids)))
    now = utcnow()
    session.add_all(JuryMember(contest_code=contest_code, judge_id=i, added_at=now) for i in sorted(ids - present))
    session.flush()
    out = _jury_out(session, contest_code)
    after = {"default": False, "judges": sorted(j["username"] for j in out["judges"])}
    if started:
        after["confirmed_after_judging_began"] = True
    uow.record(actor, "jury.set", f"contest:{contest_code}", before, after,
               nfc(reason)[:500] if isinstance(reason, str) and reason.strip() else None,
               contest=contest_code)
    return out


def _scored_at(value):
    try:
        parsed = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return as_utc(parsed)


def record_judging_started(uow, event):
    """media's `clip_scored`: the contest's judging has begun. The first time, a default jury is
    fixed as the judges who existed when that score was given (and the judge who gave it), so a
    judge account made later never joins it silently. Idempotent: a duplicate or a later score
    changes nothing; an earlier one (events may arrive out of order) only moves the start back."""
    if not isinstance(event, dict) or not isinstance(event.get("contest"), str):
        return False
    scored_at = _scored_at(event.get("scored_at")) or utcnow()
    session = uow.session
    # Every later score finds the start already recorded: answered without a row lock.
    known = session.scalar(select(Contest.judging_started_at).where(Contest.code == event["contest"]))
    if known is not None and as_utc(known) <= scored_at:
        return False
    contest = session.scalar(select(Contest).where(Contest.code == event["contest"]).with_for_update())
    if contest is None:
        return False  # a contest quiz does not know has no jury to fix
    started = as_utc(contest.judging_started_at)
    if started is not None and started <= scored_at:
        return False
    contest.judging_started_at = scored_at
    if started is None and not _named(session, contest.code):
        judges = session.scalars(select(User).where(User.kind == "staff", User.role == "judge")
                                 .order_by(User.id)).all()
        fixed = [u for u in judges if as_utc(u.created_at) <= scored_at or str(u.id) == str(event.get("judge_id"))]
        session.add_all(JuryMember(contest_code=contest.code, judge_id=u.id, added_at=utcnow()) for u in fixed)
        session.flush()
        uow.record(None, "jury.fix", f"contest:{contest.code}", {"default": True, "judges": []},
                   {"default": False, "judges": sorted(u.username for u in fixed)},
                   "Bắt đầu chấm video clip: Ban Giám khảo mặc định được chốt theo các giám khảo hiện có.")
    session.flush()
    return True


def _audit_view(session, contest_code):
    """The jury as the audit log keeps it: whether it is the default, and the judges' usernames."""
    if not _named(session, contest_code):
        return {"default": True, "judges": []}
    return {"default": False, "judges": sorted(u.username for u in _members(session, contest_code))}
