"""The ranking of SPEC.md section 3, as pure functions: the tested reference for every order.

Order of attempts, and of contestants by their counted attempt:
  1. more correct answers;
  2. smaller |prediction - actual| — only when `actual` is known (the round is final);
  3. shorter duration;
  4. earlier submission.
Contestants equal on every key share a rank and the next rank skips (1, 2, 2, 4).
"""
import dataclasses
import datetime as dt
from typing import Iterable

# A missing prediction is never closer than a given one (worst possible distance).
_NO_PREDICTION = float("inf")


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


def prediction_diff(entry, actual):
    if actual is None or entry.prediction is None:
        return None
    return abs(entry.prediction - actual)


def order_key(entry, actual=None):
    """The SPEC keys of one attempt; smaller sorts first. `actual=None` skips key 2 (live)."""
    if actual is None:
        diff = 0
    else:
        diff = prediction_diff(entry, actual)
        diff = _NO_PREDICTION if diff is None else diff
    return (-entry.correct, diff, entry.duration_ms, entry.submitted_at)


def _total_key(entry, actual):
    # SPEC keys, then the attempt id so that the chosen attempt among exact equals is stable.
    return order_key(entry, actual) + (entry.attempt_id,)


def counted_attempts(entries: Iterable[Entry], actual=None):
    """Each contestant's counted (best) attempt: {contestant_id: Entry}."""
    best = {}
    for entry in entries:
        current = best.get(entry.contestant_id)
        if current is None or _total_key(entry, actual) < _total_key(current, actual):
            best[entry.contestant_id] = entry
    return best


def rank(entries: Iterable[Entry], actual=None):
    """One Ranked per contestant, in SPEC order; ties (equal on all keys) share a rank.

    Rows with the same rank are listed by contestant id so the output is deterministic.
    """
    best = counted_attempts(entries, actual)
    ordered = sorted(best.values(), key=lambda e: order_key(e, actual) + (e.contestant_id,))
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
