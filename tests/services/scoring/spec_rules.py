"""SPEC.md section 3 restated for the scoring tests, independently of services/scoring/ranking.py.

Nothing here imports product code, and the form is deliberately not the product's (no key tuple, no
stand-in "infinite" distance): one comparison function read straight off the SPEC's list, used with
functools.cmp_to_key, ranks counted by looking at every other contestant. A bug in ranking.py is
then not copied into the expected values the property tests compare the product against.

An attempt is a plain dict with the keys attempt_id, contestant_id, correct, total, prediction,
duration_ms and submitted_at (an aware datetime).
"""
import functools


def actual(attempts, target):
    """The round's count of the prediction target (SPEC §1). `attempts`: every attempt the round
    received, all of them submitted and graded."""
    if target == "submitted_attempts":
        return len(attempts)
    assert target == "perfect_attempts", target
    perfect = [a for a in attempts if a["correct"] == a["total"]]
    return len(perfect)


def compare(a, b, actual=None):
    """-1 when attempt `a` ranks before `b`, 1 when after, 0 when SPEC §3 cannot tell them apart."""
    # 1. more correct answers
    if a["correct"] > b["correct"]:
        return -1
    if a["correct"] < b["correct"]:
        return 1
    # 2. smaller |prediction - actual|, only once the round is closed; no prediction is farthest
    if actual is not None:
        if a["prediction"] is None and b["prediction"] is not None:
            return 1
        if b["prediction"] is None and a["prediction"] is not None:
            return -1
        if a["prediction"] is not None:
            distance_a, distance_b = abs(a["prediction"] - actual), abs(b["prediction"] - actual)
            if distance_a != distance_b:
                return -1 if distance_a < distance_b else 1
    # 3. shorter duration
    if a["duration_ms"] != b["duration_ms"]:
        return -1 if a["duration_ms"] < b["duration_ms"] else 1
    # 4. earlier submission
    if a["submitted_at"] != b["submitted_at"]:
        return -1 if a["submitted_at"] < b["submitted_at"] else 1
    return 0


def counted(attempts, actual=None):
    """{contestant_id: counted attempt}: the best by `compare`. SPEC does not say which of one
    contestant's attempts equal on every key counts; the product takes the smallest attempt id, so
    walking them in that order only a strictly better attempt replaces the one kept."""
    best = {}
    for a in sorted(attempts, key=lambda a: a["attempt_id"]):
        kept = best.get(a["contestant_id"])
        if kept is None or compare(a, kept, actual) < 0:
            best[a["contestant_id"]] = a
    return best


def board(attempts, actual=None):
    """The expected board: one row per contestant, as leaderboard rows show them.

    rank = 1 + how many contestants are strictly ahead (ties share it, the next rank skips);
    rows that tie are listed by contestant id in code point order.
    """
    best = list(counted(attempts, actual).values())
    by_id = sorted(best, key=lambda a: a["contestant_id"])
    # sorted() is stable, so equal contestants stay in contestant id order
    ordered = sorted(by_id, key=functools.cmp_to_key(lambda a, b: compare(a, b, actual)))
    rows = []
    for a in ordered:
        ahead = [o for o in best if compare(o, a, actual) < 0]
        known = actual is not None and a["prediction"] is not None
        rows.append((
            len(ahead) + 1, a["contestant_id"], a["correct"], a["prediction"],
            abs(a["prediction"] - actual) if known else None,
            a["duration_ms"], a["submitted_at"].isoformat(),
        ))
    return rows
