"""Contestants as the organizers see them: the search, and disqualification per contest (SPEC 6).

A disqualification takes a contestant's attempts in one contest out of every leaderboard, unit
statistic and award computation; reinstating undoes it. Quiz owns the fact (table
`disqualifications`); scoring keeps a copy fed by `contestant_disqualified` / `contestant_reinstated`
(each carries the row's `version`, so a late redelivery never undoes a newer change). The attempts
themselves stay, visible to their owner and to staff. Whether an approved award set stands in the
way is awards' to say (workflow.py asks it before the change).
"""
import re

from sqlalchemy import select

from common.audit import actor_label
from common.auth import require
from common.errors import Conflict, Invalid, NotFound
from common.time import iso, utcnow
from services.quiz.domain.contests import load_contest
from services.quiz.errors import err
from services.quiz.models import Attempt, Disqualification, User
from services.quiz.schemas import name_key, nfc

MAX_LIMIT = 200
MAX_OFFSET = 100_000
MAX_QUERY = 100
MAX_REASON = 1000
_DIGITS_JUNK = re.compile(r"[\s.\-()]")


# --- search ------------------------------------------------------------------------------------

def _int(value, default, low, high):
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        raise err(Invalid, "invalid_input")
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise err(Invalid, "invalid_input") from None
    if not low <= number <= high:
        raise err(Invalid, "invalid_input", f"Giá trị phải từ {low} đến {high}.")
    return number


def _digits(text):
    """The digits of a CCCD or phone as typed ('0912 345 678', '+84912345678'), else None."""
    digits = _DIGITS_JUNK.sub("", text)
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    return digits if digits.isdigit() else None


def _query_filter(q):
    """The WHERE clause of the search text: a CCCD or phone (whole, or its first digits), else a
    part of the name, compared without diacritics on the stored key (models.User.name_key)."""
    digits = _digits(q)
    if digits:
        if len(digits) == 12:
            return User.id_number == digits
        if len(digits) == 10:
            return (User.phone == digits) | User.id_number.startswith(digits)
        return User.id_number.startswith(digits) | User.phone.startswith(digits)
    key = name_key(q)
    if not key:
        return None
    # A name typed from its beginning ('nguyen van') is an index range; a part of it anywhere
    # ('van a') scans the key column only, in name order, and stops at the page's end.
    return User.name_key.contains(key, autoescape=True)


def search_contestants(session, actor, q=None, unit=None, limit=None, offset=None):
    """Contestants matching `q` (name with or without diacritics, CCCD or phone) and `unit`, in
    name order, one page: `[{id, full_name, id_number, phone, unit_code, position, registered_at,
    active, disqualified_in}]` (`disqualified_in`: the contests the person is disqualified from)."""
    require(actor, "organizer")
    limit = _int(limit, 50, 1, MAX_LIMIT)
    offset = _int(offset, 0, 0, MAX_OFFSET)
    q = nfc(q)
    if len(q) > MAX_QUERY:
        raise err(Invalid, "invalid_input", f"Chuỗi tìm kiếm dài tối đa {MAX_QUERY} ký tự.")
    unit = nfc(unit)
    if len(unit) > 32 or any(ch < " " or "\ud800" <= ch <= "\udfff" for ch in q + unit):
        # PostgreSQL compares no NUL and no lone surrogate
        raise err(Invalid, "invalid_input", "Chuỗi tìm kiếm chứa ký tự không hợp lệ.")
    query = select(User).where(User.kind == "contestant")
    if unit:
        query = query.where(User.unit_code == unit)
    if q:
        condition = _query_filter(q)
        if condition is not None:
            query = query.where(condition)
    users = session.scalars(query.order_by(User.name_key, User.id).limit(limit).offset(offset)).all()
    disqualified = {}
    if users:
        rows = session.execute(select(Disqualification.contestant_id, Disqualification.contest_code).where(
            Disqualification.contestant_id.in_([u.id for u in users]), Disqualification.active.is_(True)))
        for contestant_id, contest in rows:
            disqualified.setdefault(contestant_id, []).append(contest)
    return [{
        "id": u.id, "full_name": u.full_name, "id_number": u.id_number, "phone": u.phone,
        "unit_code": u.unit_code, "position": u.position, "registered_at": iso(u.created_at),
        # Contestant accounts are active unless an account switch says otherwise.
        "active": bool(getattr(u, "active", True)),
        "disqualified_in": sorted(disqualified.get(u.id, [])),
    } for u in users]


# --- disqualification --------------------------------------------------------------------------

def _reason(reason):
    text = nfc(reason)
    if not text:
        raise err(Invalid, "reason_required")
    if len(text) > MAX_REASON:
        raise err(Invalid, "invalid_input", f"Lý do dài tối đa {MAX_REASON} ký tự.")
    return text


def _contestant(session, contestant_id):
    user = session.get(User, contestant_id) if isinstance(contestant_id, str) and contestant_id else None
    if user is None or user.kind != "contestant":
        raise err(NotFound, "contestant_not_found")
    return user


def _row(session, contest_code, contestant_id, for_update=False):
    query = select(Disqualification).where(Disqualification.contest_code == contest_code,
                                           Disqualification.contestant_id == contestant_id)
    if for_update:
        query = query.with_for_update()
    return session.scalar(query)


def disqualification_out(row, user=None):
    out = {"contestant_id": row.contestant_id, "reason": row.reason, "at": iso(row.at),
           "by": actor_label(row.by_id, row.by_username)}
    if user is not None:
        out.update(full_name=user.full_name, unit_code=user.unit_code, id_number=user.id_number)
    return out


def change_facts(session, actor, contest_code, contestant_id, reason, reinstate=False):
    """Check a disqualification (or a reinstatement) can be asked for, and what awards need to
    know to say whether an approved set stands in the way: `{contestant_id, unit_code, rounds}`
    (`rounds`: the rounds of the contest in which the person submitted an attempt)."""
    require(actor, "organizer")
    _reason(reason)
    load_contest(session, contest_code)
    user = _contestant(session, contestant_id)
    row = _row(session, contest_code, user.id)
    if reinstate and (row is None or not row.active):
        raise err(NotFound, "not_disqualified")
    if not reinstate and row is not None and row.active:
        raise err(Conflict, "already_disqualified")
    rounds = session.scalars(
        select(Attempt.round_n).where(Attempt.contest_code == contest_code, Attempt.contestant_id == user.id,
                                      Attempt.status != "in_progress")
        .group_by(Attempt.round_n).order_by(Attempt.round_n)).all()
    return {"contestant_id": user.id, "unit_code": user.unit_code, "rounds": list(rounds)}


def _event(row):
    return {"contest": row.contest_code, "contestant_id": row.contestant_id, "disqualified": row.active,
            "version": row.version, "at": iso(row.reinstated_at if not row.active else row.at)}


def _target(session, actor, contest_code, contestant_id, reason):
    """What disqualify and reinstate both check first: an organizer, a reason, the contest, the
    contestant; then the person's row for this contest, locked (or None)."""
    require(actor, "organizer")
    reason = _reason(reason)
    load_contest(session, contest_code)
    user = _contestant(session, contestant_id)
    return reason, user, _row(session, contest_code, user.id, for_update=True)


def disqualify(uow, actor, contest_code, contestant_id, reason):
    """Disqualify a contestant from a contest: recorded (`contestant.disqualify`) and announced
    (`contestant_disqualified`) in this transaction. 409 `already_disqualified`."""
    session = uow.session
    reason, user, row = _target(session, actor, contest_code, contestant_id, reason)
    if row is not None and row.active:
        raise err(Conflict, "already_disqualified")
    before = {"disqualified": False}
    if row is None:
        row = Disqualification(contest_code=contest_code, contestant_id=user.id, version=0)
        session.add(row)
    row.active, row.reason, row.at, row.version = True, reason, utcnow(), (row.version or 0) + 1
    row.by_id, row.by_username = actor.get("id"), actor.get("username")
    row.reinstated_at, row.reinstate_reason = None, None
    session.flush()
    out = disqualification_out(row)
    uow.record(actor, "contestant.disqualify", f"contestant:{user.id}", before,
               {"disqualified": True, "full_name": user.full_name, "unit_code": user.unit_code},
               reason, contest=contest_code)
    uow.emit("contestant_disqualified", _event(row))
    return out


def reinstate(uow, actor, contest_code, contestant_id, reason):
    """Undo a disqualification: recorded (`contestant.reinstate`) and announced
    (`contestant_reinstated`). 404 `not_disqualified` when the person is not disqualified."""
    session = uow.session
    reason, user, row = _target(session, actor, contest_code, contestant_id, reason)
    if row is None or not row.active:
        raise err(NotFound, "not_disqualified")
    before = {"disqualified": True, "reason": row.reason, "at": iso(row.at),
              "by": actor_label(row.by_id, row.by_username)}
    row.active, row.version = False, row.version + 1
    row.reinstated_at, row.reinstate_reason = utcnow(), reason
    session.flush()
    uow.record(actor, "contestant.reinstate", f"contestant:{user.id}", before,
               {"disqualified": False, "full_name": user.full_name, "unit_code": user.unit_code},
               reason, contest=contest_code)
    uow.emit("contestant_reinstated", _event(row))
    return None


def list_disqualifications(session, actor, contest_code):
    """The contest's disqualified contestants, newest first, with their name and unit."""
    require(actor, "organizer")
    load_contest(session, contest_code)
    rows = session.execute(
        select(Disqualification, User).join(User, User.id == Disqualification.contestant_id)
        .where(Disqualification.contest_code == contest_code, Disqualification.active.is_(True))
        .order_by(Disqualification.at.desc(), Disqualification.contestant_id)).all()
    return [disqualification_out(d, u) for d, u in rows]

