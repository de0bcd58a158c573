"""Input normalisation (CCCD, phone, names, times) and output shaping of the quiz service."""
import datetime as dt
import re
import unicodedata

from common.errors import Invalid
from common.time import iso
from services.quiz.errors import err

ID_NUMBER_RE = re.compile(r"^\d{12}$")
# Vietnamese mobile numbers: 10 digits starting 03, 05, 07, 08 or 09.
PHONE_RE = re.compile(r"^0[35789]\d{8}$")


def nfc(value):
    """Trimmed NFC text: the same name typed on two keyboards compares equal."""
    return unicodedata.normalize("NFC", str(value)).strip() if value is not None else ""


def name_key(value):
    """A name as searched: lower case, without diacritics (đ/Đ → d), single spaces.
    'Nguyễn  Văn Đức' → 'nguyen van duc', so 'nguyen van a' finds 'Nguyễn Văn A'."""
    text = unicodedata.normalize("NFD", nfc(value))
    for letter in "đĐðÐ":  # Đ, and the look-alike Ð some keyboards type for it
        text = text.replace(letter, "d")
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    return " ".join(unicodedata.normalize("NFC", text).lower().split())


def normalize_id_number(value):
    value = nfc(value)
    if not ID_NUMBER_RE.match(value):
        raise err(Invalid, "invalid_id_number")
    return value


def normalize_phone(value):
    """'+84 912 345 678', '84912345678', '0912 345 678' -> '0912345678'."""
    digits = re.sub(r"[\s.\-()]", "", nfc(value))
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    if not PHONE_RE.match(digits):
        raise err(Invalid, "invalid_phone")
    return digits


def parse_time(value, field="time"):
    """ISO 8601 with an offset -> aware UTC datetime. Naive times are refused (ambiguous)."""
    if isinstance(value, dt.datetime):
        parsed = value
    else:
        try:
            parsed = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            raise err(Invalid, "invalid_rounds", f"Thời điểm không hợp lệ ({field}): {value!r}.")
    if parsed.tzinfo is None:
        raise err(Invalid, "invalid_rounds", f"Thời điểm phải kèm múi giờ ({field}): {value!r}.")
    try:
        return parsed.astimezone(dt.timezone.utc)
    except OverflowError:  # 0001-01-01T00:00+14:00 is before year 1 in UTC
        raise err(Invalid, "invalid_rounds", f"Thời điểm nằm ngoài khoảng hợp lệ ({field}): {value!r}.")


def user_out(user):
    return {"id": user.id, "role": user.role, "full_name": user.full_name, "unit_code": user.unit_code}


def unit_out(unit, roster_size=None):
    """`headcount` is the roster's size when the unit has a roster, else the imported figure
    (`declared_headcount`); `roster_size` is None for a unit without a roster."""
    return {"code": unit.code, "name": unit.name, "kind": unit.kind, "parent_code": unit.parent_code,
            "headcount": unit.headcount if roster_size is None else roster_size,
            "declared_headcount": unit.headcount, "roster_size": roster_size}


def round_status(rnd, now):
    if rnd.finalized:
        return "finalized"
    if now < rnd.opens_at:
        return "scheduled"
    if now < rnd.closes_at:
        return "open"
    return "closed"


def round_out(rnd, now):
    return {"n": rnd.n, "opens_at": iso(rnd.opens_at), "closes_at": iso(rnd.closes_at),
            "status": round_status(rnd, now)}


def contest_out(contest, rounds, now):
    return {"code": contest.code, "title": contest.title, "settings": dict(contest.settings),
            "rounds": [round_out(r, now) for r in sorted(rounds, key=lambda r: r.n)]}


def attempt_out(attempt):
    return {
        "attempt_id": attempt.id,
        "contest": attempt.contest_code,
        "round": attempt.round_n,
        "status": attempt.status,
        "correct": attempt.correct,
        "total": attempt.total,
        "duration_ms": attempt.duration_ms,
        "started_at": iso(attempt.started_at),
        "submitted_at": iso(attempt.submitted_at),
        "deadline": iso(attempt.deadline),
        "auto_submitted": attempt.auto_submitted,
    }
