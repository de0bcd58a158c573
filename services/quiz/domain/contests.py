"""Contests, their rounds and settings; exclusion lists."""
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from common import contest_code as contest_codes
from common.auth import require
from common.errors import Conflict, Invalid, NotFound
from common.time import utcnow
from services.quiz.errors import err
from services.quiz.models import Attempt, Contest, Exclusion, RosterEntry, Round, User
from services.quiz.schemas import ID_NUMBER_RE, contest_out, nfc, parse_time

PREDICTION_QUESTIONS = {
    "submitted_attempts": "Dự đoán: tuần thi này sẽ có bao nhiêu lượt dự thi được nộp bài?",
    "perfect_attempts": "Dự đoán: tuần thi này sẽ có bao nhiêu lượt dự thi trả lời đúng tất cả các câu hỏi?",
}

DEFAULT_SETTINGS = {
    "questions_per_attempt": 20,
    "time_limit_s": 1200,
    "max_attempts_per_round": 3,
    "grace_s": 30,
    "prediction_target": "submitted_attempts",
    "one_weekly_prize_per_person": True,
    "collective_weights": {"participation": 0.5, "quality": 0.5},
    # SPEC 6: what a round's live board shows while it is open (final boards show everything).
    "live_board": "scores",
    # SPEC 2: "open" (any CCCD; a unit with a roster still takes only its people) or "roster"
    # (while the contest is open, a unit without a roster takes no registrations).
    "registration": "open",
    # When a contestant may see their answers against the key (GET /attempts/{id}/review):
    # "after_round" once the attempt's round is closed; "after_contest" once every round is (for a
    # bank drawn again in later rounds, where an early review would show keys still in play); "off".
    "answer_review": "after_round",
    # Issue 16: false keeps a trial or test contest off the public pages (GET /contests, the
    # portal's default and chooser, the embed); GET /contests/{c} still answers for staff testing.
    "listed": True,
}

CHOICES = {"live_board": ("scores", "full", "hidden"), "registration": ("open", "roster"),
           "answer_review": ("after_round", "after_contest", "off")}

# Inclusive ranges of the integer settings.
RANGES = {
    "questions_per_attempt": (1, 200),
    "time_limit_s": (60, 24 * 3600),
    "max_attempts_per_round": (1, 100),
    "grace_s": (0, 600),
}


def _bad_settings(message):
    return err(Invalid, "invalid_settings", f"Cấu hình hội thi không hợp lệ: {message}")


def validate_settings(given):
    if given is None:
        given = {}
    if not isinstance(given, dict):
        raise _bad_settings("cần một đối tượng JSON.")
    unknown = set(given) - set(DEFAULT_SETTINGS) - {"prediction_question"}
    if unknown:
        raise _bad_settings(f"khóa không được hỗ trợ: {', '.join(sorted(unknown))}.")
    settings = {**DEFAULT_SETTINGS, **{k: v for k, v in given.items() if k != "prediction_question"}}
    for key, (low, high) in RANGES.items():
        value = settings[key]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise _bad_settings(f"«{key}» phải là số nguyên từ {low} đến {high}.")
    if settings["prediction_target"] not in PREDICTION_QUESTIONS:
        raise _bad_settings("«prediction_target» là submitted_attempts hoặc perfect_attempts.")
    for key, allowed in CHOICES.items():
        if settings[key] not in allowed:
            raise _bad_settings(f"«{key}» là một trong: {', '.join(allowed)}.")
    for key in ("one_weekly_prize_per_person", "listed"):
        if not isinstance(settings[key], bool):
            raise _bad_settings(f"«{key}» phải là true hoặc false.")
    weights = settings["collective_weights"]
    if (not isinstance(weights, dict) or set(weights) != {"participation", "quality"}
            or any(isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0 for v in weights.values())
            or abs(sum(weights.values()) - 1) > 1e-9):
        raise _bad_settings("«collective_weights» gồm participation và quality, không âm, tổng bằng 1.")
    settings["collective_weights"] = {k: float(v) for k, v in weights.items()}
    settings["prediction_question"] = PREDICTION_QUESTIONS[settings["prediction_target"]]
    return settings


def validate_rounds(rounds):
    if not isinstance(rounds, list) or not rounds or len(rounds) > 52:
        raise err(Invalid, "invalid_rounds", "Hội thi cần từ 1 đến 52 tuần thi.")
    parsed = []
    for i, item in enumerate(rounds, start=1):
        if not isinstance(item, dict):
            raise err(Invalid, "invalid_rounds")
        opens = parse_time(item.get("opens_at"), f"tuần {i}, opens_at")
        closes = parse_time(item.get("closes_at"), f"tuần {i}, closes_at")
        if opens >= closes:
            raise err(Invalid, "invalid_rounds", f"Tuần {i}: thời điểm mở phải trước thời điểm đóng.")
        if parsed and opens < parsed[-1][1]:
            raise err(Invalid, "invalid_rounds",
                      f"Tuần {i} phải bắt đầu sau khi tuần {i - 1} kết thúc (các tuần không chồng lấn, theo thứ tự).")
        parsed.append((opens, closes))
    return parsed


def create_contest(uow, actor, data):
    require(actor, "organizer")
    session = uow.session
    if not isinstance(data, dict):
        raise err(Invalid, "invalid_input")
    code = nfc(data.get("code"))
    if not contest_codes.is_valid(code):
        raise err(Invalid, "invalid_contest_code")
    title = nfc(data.get("title"))
    if not title or len(title) > 255:
        raise err(Invalid, "invalid_input", "Thiếu tên hội thi.")
    rounds = validate_rounds(data.get("rounds"))
    settings = validate_settings(data.get("settings"))
    if session.get(Contest, code) is not None:
        raise err(Conflict, "contest_exists")
    contest = Contest(code=code, title=title, settings=settings, created_at=utcnow())
    session.add(contest)
    try:
        session.flush()
    except IntegrityError:
        raise err(Conflict, "contest_exists")
    rows = [Round(contest_code=code, n=n, opens_at=o, closes_at=c, close_emitted=False, finalized=False)
            for n, (o, c) in enumerate(rounds, start=1)]
    session.add_all(rows)
    session.flush()
    out = contest_out(contest, rows, utcnow())
    uow.record(actor, "contest.create", f"contest:{code}", None,
               {"title": title, "settings": out["settings"], "rounds": out["rounds"]}, contest=code)
    return out


def load_contest(session, code):
    contest = session.get(Contest, code) if isinstance(code, str) else None
    if contest is None:
        raise err(NotFound, "contest_not_found")
    return contest


def load_round(session, contest_code, n, for_update=False):
    """The round; `for_update` locks its row on PostgreSQL (no-op on SQLite)."""
    query = select(Round).where(Round.contest_code == contest_code, Round.n == n)
    if for_update:
        query = query.with_for_update()
    rnd = session.scalar(query) if isinstance(n, int) and not isinstance(n, bool) else None
    if rnd is None:
        raise err(NotFound, "round_not_found")
    return rnd


def _rounds(session, code):
    return session.scalars(select(Round).where(Round.contest_code == code).order_by(Round.n)).all()


def get_contest(session, code):
    contest = load_contest(session, code)
    return contest_out(contest, _rounds(session, code), utcnow())


def is_listed(contest):
    """Shown on the public pages (settings.listed; a contest created before the setting is listed)."""
    return (contest.settings or {}).get("listed", True) is not False


def list_contests(session, include_unlisted=False):
    """Every contest for staff; the public list leaves out the unlisted ones."""
    now = utcnow()
    contests = session.scalars(select(Contest).order_by(Contest.created_at, Contest.code)).all()
    return [contest_out(c, _rounds(session, c.code), now) for c in contests if include_unlisted or is_listed(c)]


def _excluded_count(session, contest_code):
    return session.scalar(select(func.count()).select_from(Exclusion).where(Exclusion.contest_code == contest_code))


MAX_EXCLUSION_LINES = 10000


def add_exclusions(uow, actor, contest_code, id_numbers):
    """Add the good CCCDs of `id_numbers` to the contest's exclusion list and report each bad one:
    {excluded (the list's size now), added, errors: [{row, message}]}, `row` counting the entries
    of `id_numbers` from 1. A bad line never stops the good ones (as the imports), and nothing is
    dropped silently: an organizer pasting a list sees which lines to fix and sends only those."""
    require(actor, "organizer")
    session = uow.session
    load_contest(session, contest_code)
    if not isinstance(id_numbers, list) or len(id_numbers) > MAX_EXCLUSION_LINES:
        raise err(Invalid, "invalid_input", f"Cần danh sách số CCCD (tối đa {MAX_EXCLUSION_LINES} dòng).")
    wanted, errors = set(), []
    for row, value in enumerate(id_numbers, start=1):
        shown = nfc(value)[:40] if isinstance(value, str) else ""
        if isinstance(value, str) and ID_NUMBER_RE.match(nfc(value)):
            wanted.add(nfc(value))
        else:
            errors.append({"row": row, "message": f"«{shown}» không phải số CCCD: cần đúng 12 chữ số."})
    present = set(session.scalars(select(Exclusion.id_number).where(
        Exclusion.contest_code == contest_code, Exclusion.id_number.in_(wanted)))) if wanted else set()
    added = sorted(wanted - present)
    if not added:
        return {"excluded": _excluded_count(session, contest_code), "added": 0, "errors": errors}
    before = _excluded_count(session, contest_code)
    session.add_all(Exclusion(contest_code=contest_code, id_number=x) for x in added)
    session.flush()
    count = _excluded_count(session, contest_code)
    # Counts, not the CCCDs: a list may hold thousands; the exclusions table says who.
    uow.record(actor, "exclusions.add", f"contest:{contest_code}", {"excluded": before},
               {"excluded": count, "added": len(added)}, contest=contest_code)
    return {"excluded": count, "added": len(added), "errors": errors}


def _staff_names(session):
    """{CCCD: full name} of the staff accounts: excluded from every contest automatically (SPEC 2)."""
    rows = session.execute(select(User.id_number, User.full_name).where(
        User.kind == "staff", User.id_number.is_not(None)).order_by(User.created_at))
    return {number: name for number, name in rows}


def list_exclusions(session, actor, contest_code):
    """[{id_number, full_name, source}] of the contest: its own list (`list`; the name of the
    contestant or roster entry with that CCCD when there is one) and the staff accounts (`staff`).
    A CCCD on both is shown once, as `staff` (it stays excluded whatever the list says)."""
    require(actor, "organizer")
    load_contest(session, contest_code)
    staff = _staff_names(session)
    listed = session.scalars(select(Exclusion.id_number).where(Exclusion.contest_code == contest_code)
                             .order_by(Exclusion.id_number)).all()
    names = {}
    others = [x for x in listed if x not in staff]
    for start in range(0, len(others), 1000):
        chunk = others[start:start + 1000]
        names.update(session.execute(select(RosterEntry.id_number, RosterEntry.full_name)
                                     .where(RosterEntry.id_number.in_(chunk))).all())
        names.update(session.execute(select(User.id_number, User.full_name).where(
            User.kind == "contestant", User.id_number.in_(chunk))).all())
    out = [{"id_number": x, "full_name": names.get(x), "source": "list"} for x in others]
    out += [{"id_number": x, "full_name": name, "source": "staff"} for x, name in sorted(staff.items())]
    return out


def remove_exclusion(uow, actor, contest_code, id_number, reason=None):
    """Take a CCCD off the contest's own list; 404 `exclusion_not_found` when it is not excluded,
    409 `staff_member` for a staff account's CCCD (excluded as long as the account exists).
    Audited as exclusion.remove."""
    require(actor, "organizer")
    session = uow.session
    load_contest(session, contest_code)
    number = nfc(id_number) if isinstance(id_number, str) else ""
    staff = ID_NUMBER_RE.match(number) and session.scalar(select(User.id).where(
        User.kind == "staff", User.id_number == number).limit(1))
    if staff:
        raise err(Conflict, "staff_member")
    row = session.get(Exclusion, (contest_code, number)) if ID_NUMBER_RE.match(number) else None
    if row is None:
        raise err(NotFound, "exclusion_not_found")
    before = _excluded_count(session, contest_code)
    session.delete(row)
    session.flush()
    uow.record(actor, "exclusion.remove", f"contest:{contest_code}", {"id_number": number, "excluded": before},
               {"excluded": before - 1}, reason, contest=contest_code)


def submitted_count(session, contest_code, n):
    return session.scalar(select(func.count()).select_from(Attempt).where(
        Attempt.contest_code == contest_code, Attempt.round_n == n, Attempt.status != "in_progress"))


def record_round_ranked(uow, contest_code, n):
    """Scoring's round_ranked arrived: the round's ranking is final, its status now "finalized".
    Idempotent; False for a round quiz does not know."""
    rnd = uow.session.scalar(select(Round).where(Round.contest_code == contest_code, Round.n == n))
    if rnd is not None:
        rnd.finalized = True
    return rnd is not None


# How many contestant ids one excluded_contestants call may ask about.
MAX_EXCLUSION_QUERY = 5000


def excluded_contestants(session, contest_code, contestant_ids):
    """The contestant ids among `contestant_ids` who may not win now: their CCCD is on the
    contest's exclusion list or belongs to a staff account (awards re-check this at compute time,
    SPEC §2). Sorted; unknown ids are simply not in the answer."""
    load_contest(session, contest_code)
    if (not isinstance(contestant_ids, list) or len(contestant_ids) > MAX_EXCLUSION_QUERY
            or not all(isinstance(x, str) for x in contestant_ids)):
        raise err(Invalid, "invalid_input", f"Cần danh sách tối đa {MAX_EXCLUSION_QUERY} mã thí sinh.")
    if not contestant_ids:
        return []
    staff = aliased(User)
    listed = select(Exclusion.id_number).where(Exclusion.contest_code == contest_code)
    staff_numbers = select(staff.id_number).where(staff.kind == "staff", staff.id_number.is_not(None))
    query = select(User.id).where(
        User.id.in_(set(contestant_ids)), User.kind == "contestant",
        or_(User.id_number.in_(listed), User.id_number.in_(staff_numbers)),
    )
    return sorted(session.scalars(query))
