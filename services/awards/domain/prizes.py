"""Prize tables: how many prizes of each grade a kind has, and their amounts (SPEC.md section 4).

A table is `{kind: [{prize, count, amount_vnd}, ...]}` in order of grade. A contest uses SPEC's
default until an organizer stores its own (PrizeTable row).
"""
from common.time import utcnow
from services.awards.errors import Invalid, err
from services.awards.models import PrizeTable

KINDS = ("weekly", "video", "collective")
GRADES = ("nhat", "nhi", "ba", "khuyen_khich")
GRADE_NAMES = {"nhat": "Giải Nhất", "nhi": "Giải Nhì", "ba": "Giải Ba", "khuyen_khich": "Giải Khuyến khích"}

DEFAULT_TABLE = {
    "weekly": [
        {"prize": "nhat", "count": 1, "amount_vnd": 2_000_000},
        {"prize": "nhi", "count": 1, "amount_vnd": 1_500_000},
        {"prize": "ba", "count": 1, "amount_vnd": 1_000_000},
    ],
    "video": [
        {"prize": "nhat", "count": 1, "amount_vnd": 3_000_000},
        {"prize": "nhi", "count": 2, "amount_vnd": 2_000_000},
        {"prize": "ba", "count": 2, "amount_vnd": 1_500_000},
        {"prize": "khuyen_khich", "count": 3, "amount_vnd": 1_000_000},
    ],
    "collective": [
        {"prize": "nhat", "count": 1, "amount_vnd": 5_000_000},
        {"prize": "nhi", "count": 2, "amount_vnd": 3_500_000},
        {"prize": "ba", "count": 2, "amount_vnd": 2_500_000},
    ],
}

MAX_COUNT = 50
MAX_AMOUNT = 10_000_000_000


def _bad(message):
    return err(Invalid, "invalid_prize_table", f"Cơ cấu giải thưởng không hợp lệ: {message}")


def validate_table(table):
    """A complete, checked table; kinds left out keep their default."""
    if not isinstance(table, dict):
        raise _bad("cần một đối tượng JSON theo loại giải.")
    unknown = set(table) - set(KINDS)
    if unknown:
        raise _bad(f"loại giải không được hỗ trợ: {', '.join(sorted(map(str, unknown)))}.")
    result = {}
    for kind in KINDS:
        rows = table.get(kind, DEFAULT_TABLE[kind])
        if not isinstance(rows, list) or not rows:
            raise _bad(f"«{kind}» cần danh sách các hạng giải.")
        seen = []
        clean = []
        for row in rows:
            if not isinstance(row, dict) or set(row) != {"prize", "count", "amount_vnd"}:
                raise _bad(f"mỗi hạng giải của «{kind}» gồm prize, count, amount_vnd.")
            prize, count, amount = row["prize"], row["count"], row["amount_vnd"]
            if prize not in GRADES or prize in seen:
                raise _bad(f"hạng giải của «{kind}» là nhat, nhi, ba, khuyen_khich, mỗi hạng một lần.")
            if seen and GRADES.index(prize) < GRADES.index(seen[-1]):
                raise _bad(f"các hạng giải của «{kind}» phải theo thứ tự Nhất, Nhì, Ba, Khuyến khích.")
            for name, value, high in (("count", count, MAX_COUNT), ("amount_vnd", amount, MAX_AMOUNT)):
                if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= high:
                    raise _bad(f"«{name}» của «{kind}» phải là số nguyên từ 0 đến {high}.")
            seen.append(prize)
            clean.append({"prize": prize, "count": count, "amount_vnd": amount})
        result[kind] = clean
    return result


def get_table(session, contest):
    row = session.get(PrizeTable, contest)
    return row.table if row is not None else DEFAULT_TABLE


def set_table(uow, actor, contest, table):
    """Store the contest's table (audited: the amounts of every prize to come depend on it)."""
    table = validate_table(table)
    row = uow.session.get(PrizeTable, contest)
    before = row.table if row is not None else DEFAULT_TABLE
    if row is None:
        uow.session.add(PrizeTable(contest=contest, table=table, updated_at=utcnow(), updated_by=actor["id"]))
    else:
        row.table, row.updated_at, row.updated_by = table, utcnow(), actor["id"]
    uow.record(actor, "prize_table.set", f"prize_table:{contest}", {"table": before}, {"table": table},
               contest=contest)
    return table


def slots(table, kind):
    """The prizes of `kind` one by one in grade order: [(prize, amount_vnd), ...]."""
    return [(row["prize"], row["amount_vnd"]) for row in table[kind] for _ in range(row["count"])]


def kind_total(table, kind):
    return sum(amount for _prize, amount in slots(table, kind))
