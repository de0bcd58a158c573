"""Unit rosters (SPEC 2): who may register for a unit, and the unit's headcount.

A unit that uploaded a roster accepts registrations only from the CCCDs on it and takes its
headcount from it: one fake account with a zero result would cost the unit the collective prize,
and the headcount weighs in its participation rate. While a contest with `registration: roster`
is open, units without a roster accept no registrations at all.
"""
from sqlalchemy import delete, func, insert, select

from common.auth import require
from common.errors import Forbidden, Invalid, NotFound
from common.time import utcnow
from services.quiz import config
from services.quiz.domain.files import read_table
from services.quiz.errors import err, message
from services.quiz.models import Contest, Round, RosterEntry, Unit, User
from services.quiz.schemas import nfc, normalize_id_number

COLUMNS = ("id_number", "full_name", "position")
# How many bad rows the answer lists (a wholly wrong file should not answer megabytes).
MAX_ERRORS = 200


def roster_sizes(session):
    """{unit_code: number of people on its roster} of the units that have one."""
    rows = session.execute(select(RosterEntry.unit_code, func.count()).group_by(RosterEntry.unit_code))
    return {code: int(count) for code, count in rows}


def has_roster(session, unit_code):
    return session.scalar(select(RosterEntry.id_number).where(RosterEntry.unit_code == unit_code).limit(1)) is not None


def open_roster_contests(session, now=None):
    """Codes of the contests in `roster` registration mode that are open now: their first round
    has opened and their last round has not closed (an early close moves closes_at to then)."""
    now = now or utcnow()
    spans = (select(Round.contest_code, func.min(Round.opens_at).label("opens"),
                    func.max(Round.closes_at).label("closes"))
             .group_by(Round.contest_code).subquery())
    query = (select(Contest.code, Contest.settings).join(spans, spans.c.contest_code == Contest.code)
             .where(spans.c.opens <= now, spans.c.closes > now))
    return sorted(code for code, settings in session.execute(query)
                  if (settings or {}).get("registration") == "roster")


def check_registration(session, unit_code, id_number):
    """Forbidden `not_on_roster` unless this CCCD may register for this unit."""
    if has_roster(session, unit_code):
        listed = session.scalar(select(RosterEntry.id_number).where(
            RosterEntry.unit_code == unit_code, RosterEntry.id_number == id_number))
        if listed is None:
            raise err(Forbidden, "not_on_roster")
        return
    contests = open_roster_contests(session)
    if contests:
        raise err(Forbidden, "not_on_roster", message("no_roster", contests=", ".join(contests)))


def _check_row(row):
    """(entry, None) or (None, a Vietnamese message of what is wrong with the row)."""
    raw = row["id_number"]
    if raw.isdigit() and 10 <= len(raw) <= 11:
        # A CCCD starts with its province code (001–096): a spreadsheet that stored it as a number
        # dropped the leading zeros (Huế's 046... arrives as 46...).
        raw = raw.zfill(12)
    try:
        id_number = normalize_id_number(raw)
    except Invalid:
        return None, f"Số CCCD «{row['id_number'][:20]}» không hợp lệ (cần đúng 12 chữ số)."
    full_name = nfc(row["full_name"])
    if not full_name or len(full_name) > 255:
        return None, "Thiếu họ và tên (hoặc dài quá 255 ký tự)."
    position = nfc(row["position"]) or None
    if position and len(position) > 255:
        return None, "Chức vụ dài quá 255 ký tự."
    return {"id_number": id_number, "full_name": full_name, "position": position}, None


def upload_roster(uow, actor, unit_code, file):
    """Replace the unit's roster with the good rows of the file; the bad rows are listed, never
    stop the good ones. A file without a single good row changes nothing (422): it would remove
    the unit's protection and its headcount."""
    require(actor, "organizer")
    session = uow.session
    unit = session.get(Unit, unit_code) if isinstance(unit_code, str) else None
    if unit is None:
        raise err(NotFound, "unit_not_found")
    rows = read_table(file, COLUMNS, max_rows=config.current().roster_max_rows, too_many="roster_too_large")
    errors, valid = [], {}
    for number, row in rows:
        entry, problem = _check_row(row)
        if problem is None and entry["id_number"] in valid:
            problem = f"Số CCCD {entry['id_number']} bị trùng (đã có ở dòng {valid[entry['id_number']][0]})."
        if problem:
            errors.append({"row": number, "message": problem})
            continue
        valid[entry["id_number"]] = (number, entry)
    if not valid:
        first = "; ".join(f"dòng {e['row']}: {e['message']}" for e in errors[:5])
        raise err(Invalid, "invalid_roster", message("invalid_roster", rows=first))
    before = set(session.scalars(select(RosterEntry.id_number).where(RosterEntry.unit_code == unit_code)))
    before_headcount = len(before) if before else unit.headcount
    added, kept, removed = set(valid) - before, set(valid) & before, before - set(valid)
    # Core statements, not ORM objects: a roster of thousands must fit well within an RPC timeout.
    session.execute(delete(RosterEntry).where(RosterEntry.unit_code == unit_code))
    session.execute(insert(RosterEntry), [{"unit_code": unit_code, **entry} for _number, entry in valid.values()])
    # The roster sets the headcount, which weighs in the collective prize (SPEC 4): the log keeps
    # the counts before and after (the CCCDs stay in the roster table, not in the log).
    uow.record(actor, "units.roster", f"unit:{unit_code}",
               {"roster": len(before), "headcount": before_headcount},
               {"roster": len(valid), "headcount": len(valid), "added": len(added), "removed": len(removed),
                "bad_rows": len(errors), "file": str(file.get("filename") or "")[:255]})
    # Accounts registered for the unit before it had this roster and not on it: the organizer
    # checks them (a fake account registered earlier is not removed by a roster).
    listed = select(RosterEntry.id_number).where(RosterEntry.unit_code == unit_code)
    outside = session.scalar(select(func.count()).select_from(User).where(
        User.kind == "contestant", User.unit_code == unit_code, User.id_number.not_in(listed)))
    return {"unit_code": unit_code, "added": len(added), "updated": len(kept), "removed": len(removed),
            "headcount": len(valid), "registered_outside_roster": int(outside or 0),
            "errors": errors[:MAX_ERRORS]}
