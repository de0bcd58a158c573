"""The ranking of SPEC.md section 3, stated once (`ORDER`): the reference for every order scoring gives.

Order of attempts, and of contestants by their counted attempt:
  1. more correct answers;
  2. smaller |prediction - actual|, only once `actual` is known (the round is final); a missing
     prediction is the farthest;
  3. shorter duration;
  4. earlier submission.
Of one contestant's attempts equal on these keys, the one with the smallest attempt id counts.
Contestants equal on every key share a rank, the next rank skips (1, 2, 2, 4), and they are listed
by contestant id. Ids compare in code point order.

`order_key`, `counted_attempts` and `rank` apply ORDER in Python (ranking a closed round);
`sql_order` turns the same declaration into ORDER BY clauses for the boards the database computes
(the live board, the unit statistics), so that the two cannot say different things.
"""
import dataclasses
import datetime as dt
import math
from typing import Iterable

from sqlalchemy import case, func

ASC, DESC = "asc", "desc"
PREDICTION_DISTANCE = "prediction_distance"

# SPEC section 3, in order: (key, direction). A key is an attribute of an attempt (of Entry, and the
# column of the same name in SQL), except PREDICTION_DISTANCE, computed from `prediction` and the
# round's `actual`. A key without a value (a missing prediction's distance) sorts last. A DESC key
# must be a number (Python negates it).
ORDER = (
    ("correct", DESC),
    (PREDICTION_DISTANCE, ASC),
    ("duration_ms", ASC),
    ("submitted_at", ASC),
)
# After ORDER: which of a contestant's equal attempts counts, and how contestants sharing a rank
# are listed.
COUNTED_TIE_BREAK = "attempt_id"
LISTING_TIE_BREAK = "contestant_id"


@dataclasses.dataclass(frozen=True)
class Entry:
    attempt_id: str
    contestant_id: str
    correct: int
    total: int
    prediction: int | None
    duration_ms: int
    submitted_at: dt.datetime
    full_name: str = ""
    unit_code: str | None = None


@dataclasses.dataclass(frozen=True)
class Ranked:
    rank: int
    entry: Entry
    prediction_diff: int | None


def prediction_distance(prediction, actual):
    """Key 2 of an attempt: 0 for every attempt while `actual` is unknown; None (sorts last)
    without a prediction."""
    if actual is None:
        return 0
    return None if prediction is None else abs(prediction - actual)


def prediction_diff(entry, actual):
    """The distance a board shows: None when there is none to show."""
    if actual is None or entry.prediction is None:
        return None
    return abs(entry.prediction - actual)


# --- ORDER in Python ---------------------------------------------------------------------------

def order_key(entry, actual=None):
    """ORDER's keys of one attempt; smaller sorts first. `actual=None`: the live order (key 2 is 0)."""
    key = []
    for name, direction in ORDER:
        value = prediction_distance(entry.prediction, actual) if name == PREDICTION_DISTANCE else getattr(entry, name)
        if value is None:
            key.append(math.inf)
        else:
            key.append(-value if direction == DESC else value)
    return tuple(key)


def counted_attempts(entries: Iterable[Entry], actual=None):
    """Each contestant's counted (best) attempt: {contestant_id: Entry}."""
    best, best_key = {}, {}
    for entry in entries:
        key = order_key(entry, actual) + (getattr(entry, COUNTED_TIE_BREAK),)
        if entry.contestant_id not in best or key < best_key[entry.contestant_id]:
            best[entry.contestant_id], best_key[entry.contestant_id] = entry, key
    return best


def rank(entries: Iterable[Entry], actual=None):
    """One Ranked per contestant, in final order: ORDER, then LISTING_TIE_BREAK; contestants equal
    on ORDER share a rank."""
    best = counted_attempts(entries, actual)
    ordered = sorted(best.values(), key=lambda e: order_key(e, actual) + (getattr(e, LISTING_TIE_BREAK),))
    result = []
    previous_key = None
    current_rank = 0
    for position, entry in enumerate(ordered, start=1):
        key = order_key(entry, actual)
        if key != previous_key:
            current_rank = position
            previous_key = key
        result.append(Ranked(current_rank, entry, prediction_diff(entry, actual)))
    return result


def actual_count(entries: Iterable[Entry], prediction_target, submitted_attempts):
    """The round's true answer to the prediction question.

    `submitted_attempts`: how many attempts were submitted (as quiz counted them at close);
    `perfect_attempts`: how many graded attempts answered every question correctly.
    """
    if prediction_target == "submitted_attempts":
        return submitted_attempts
    if prediction_target == "perfect_attempts":
        return sum(1 for e in entries if e.total > 0 and e.correct == e.total)
    raise ValueError(f"unknown prediction_target {prediction_target!r}")


# --- ORDER in SQL ------------------------------------------------------------------------------

def sql_order(columns, dialect, actual=None, tie_break=None):
    """ORDER as ORDER BY clauses (window or query) over `columns`: a model or a subquery's `.c`
    with the columns the keys name (and `prediction` when `actual` is given).

    `actual`: None for the live order (key 2, 0 on every row, is left out), else an SQL expression,
    NULL where the round is not final (key 2 is then 0, as in Python). A NULL key sorts last, as
    in Python. `tie_break`:
    COUNTED_TIE_BREAK or LISTING_TIE_BREAK, appended. `dialect`: the session's dialect name.
    """
    clauses = []
    for name, direction in ORDER:
        if name == PREDICTION_DISTANCE:
            if actual is None:
                continue
            value = case((actual.is_(None), 0), else_=func.abs(columns.prediction - actual))
        else:
            value = getattr(columns, name)
        clauses.append((value.desc() if direction == DESC else value.asc()).nulls_last())
    if tie_break is not None:
        clauses.append(code_point_order(getattr(columns, tie_break), dialect))
    return clauses


def code_point_order(column, dialect):
    """`column` compared as Python compares strings: PostgreSQL's default collation would not
    (SQLite compares bytes, which for UTF-8 is code point order)."""
    return column.collate("C") if dialect == "postgresql" else column
