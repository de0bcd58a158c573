"""Units (cơ quan, đơn vị): import from CSV/XLSX, list."""
import re

from sqlalchemy import select

from common.auth import require
from services.quiz.domain.files import read_table
from services.quiz.domain.rosters import roster_sizes
from services.quiz.models import Unit
from services.quiz.schemas import nfc, unit_out

COLUMNS = ("code", "name", "kind", "parent_code", "headcount")
KINDS = ("province_dept", "central_agency", "public_unit", "district", "commune")
CODE_RE = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")


def _check_row(row):
    """Normalised row or a Vietnamese message of what is wrong with it."""
    code, name, kind = nfc(row["code"]), nfc(row["name"]), nfc(row["kind"]).lower()
    parent, headcount = nfc(row["parent_code"]) or None, nfc(row["headcount"])
    if not CODE_RE.match(code):
        return None, "Mã đơn vị trống hoặc chứa ký tự không hợp lệ."
    if not name or len(name) > 255:
        return None, "Thiếu tên đơn vị."
    if kind not in KINDS:
        return None, f"Loại đơn vị «{row['kind']}» không hợp lệ (cần một trong: {', '.join(KINDS)})."
    if parent == code:
        return None, "Đơn vị không thể là đơn vị cấp trên của chính nó."
    if not re.fullmatch(r"\d{1,7}", headcount or ""):
        return None, "Số CBCCVC phải là số nguyên không âm."
    return {"code": code, "name": name, "kind": kind, "parent_code": parent,
            "headcount": int(headcount)}, None


def import_units(uow, actor, file, table=None):
    """`table`: the file already parsed (files.parse, outside the transaction), else parsed here."""
    require(actor, "organizer", "expert")
    session = uow.session
    rows = read_table(file, COLUMNS, table)
    errors, valid = [], {}
    for number, row in rows:
        unit, message = _check_row(row)
        if message is None and unit["code"] in valid:
            message = f"Mã đơn vị «{unit['code']}» bị trùng trong tệp."
        if message:
            errors.append({"row": number, "message": message})
            continue
        valid[unit["code"]] = (number, unit)
    existing = {u.code: u for u in session.scalars(select(Unit))}
    # A parent may come later in the file, so parents are checked once every good row is known;
    # a row whose parent row was refused is refused too (repeat until nothing changes).
    rejected = True
    while rejected:
        known = set(existing) | set(valid)
        rejected = [code for code, (_, unit) in valid.items()
                    if unit["parent_code"] and unit["parent_code"] not in known]
        for code in rejected:
            number, unit = valid.pop(code)
            errors.append({"row": number, "message": f"Đơn vị cấp trên «{unit['parent_code']}» không tồn tại."})
    created = updated = 0
    was, now = {}, {}  # of the existing units this import changes: the fields it changes
    for code, (number, unit) in sorted(valid.items(), key=lambda kv: kv[1][0]):
        if code in existing:
            row = existing[code]
            changed = {key for key, value in unit.items() if getattr(row, key) != value}
            if changed:
                was[code] = {key: getattr(row, key) for key in sorted(changed)}
                now[code] = {key: unit[key] for key in sorted(changed)}
            for key, value in unit.items():
                setattr(row, key, value)
            updated += 1
        else:
            session.add(Unit(**unit))
            created += 1
    errors.sort(key=lambda e: e["row"])
    if created or was:
        # Headcounts weigh in the collective awards: the log keeps the values an import replaced.
        uow.record(actor, "units.import", "units", {"units": len(existing), "changed": was},
                   {"units": len(existing) + created, "created": created, "changed": now,
                    "file": file.get("filename")})
    return {"created": created, "updated": updated, "errors": errors}


def list_units(session):
    """Every unit; a unit with a roster has the roster's size as its headcount (SPEC 2)."""
    sizes = roster_sizes(session)
    return [unit_out(u, sizes.get(u.code)) for u in session.scalars(select(Unit).order_by(Unit.code))]
