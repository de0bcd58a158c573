"""The ranking reference (services/scoring/domain/ranking.py) on hand-computed cases."""
import datetime as dt

import pytest

from services.scoring.domain import ranking

T0 = dt.datetime(2023, 6, 1, 8, 0, tzinfo=dt.timezone.utc)


def att(attempt_id, contestant, correct, prediction=None, duration_ms=60_000, at_s=0, total=20):
    return ranking.Entry(attempt_id, contestant, correct, total, prediction, duration_ms,
                         T0 + dt.timedelta(seconds=at_s))


def board(entries, actual=None):
    return [(r.rank, r.entry.contestant_id, r.entry.attempt_id) for r in ranking.rank(entries, actual)]


def test_more_correct_wins_over_everything_else():
    entries = [
        att("a1", "an", 18, prediction=100, duration_ms=1_000, at_s=0),
        att("b1", "binh", 19, prediction=5_000, duration_ms=900_000, at_s=500),
    ]
    assert board(entries, actual=100) == [(1, "binh", "b1"), (2, "an", "a1")]
    assert board(entries) == [(1, "binh", "b1"), (2, "an", "a1")]


def test_prediction_distance_decides_when_final():
    entries = [
        att("a1", "an", 20, prediction=1_000, duration_ms=100_000),
        att("b1", "binh", 20, prediction=1_010, duration_ms=200_000),
        att("c1", "chi", 20, prediction=990, duration_ms=150_000),
    ]
    # actual 1_008: |1010-1008| = 2 < |1000-1008| = 8 < |990-1008| = 18
    ranked = ranking.rank(entries, actual=1_008)
    assert [(r.rank, r.entry.contestant_id, r.prediction_diff) for r in ranked] == [
        (1, "binh", 2), (2, "an", 8), (3, "chi", 18),
    ]


def test_live_board_skips_prediction_and_differs_from_final():
    entries = [
        att("a1", "an", 20, prediction=1_000, duration_ms=100_000),
        att("b1", "binh", 20, prediction=1_010, duration_ms=200_000),
    ]
    live = ranking.rank(entries)
    assert [(r.rank, r.entry.contestant_id, r.prediction_diff) for r in live] == [(1, "an", None), (2, "binh", None)]
    assert board(entries, actual=1_010) == [(1, "binh", "b1"), (2, "an", "a1")]


def test_duration_decides_when_correct_and_distance_equal():
    entries = [
        att("a1", "an", 17, prediction=95, duration_ms=300_001, at_s=1),
        att("b1", "binh", 17, prediction=105, duration_ms=300_000, at_s=2),  # same distance 5
    ]
    assert board(entries, actual=100) == [(1, "binh", "b1"), (2, "an", "a1")]


def test_submission_time_decides_last():
    entries = [
        att("a1", "an", 17, prediction=95, duration_ms=300_000, at_s=10),
        att("b1", "binh", 17, prediction=105, duration_ms=300_000, at_s=9),
    ]
    assert board(entries, actual=100) == [(1, "binh", "b1"), (2, "an", "a1")]
    assert board(entries) == [(1, "binh", "b1"), (2, "an", "a1")]


def test_missing_prediction_is_farthest():
    entries = [
        att("a1", "an", 20, prediction=None, duration_ms=1_000),
        att("b1", "binh", 20, prediction=10**9, duration_ms=2_000),
    ]
    ranked = ranking.rank(entries, actual=0)
    assert [(r.entry.contestant_id, r.prediction_diff) for r in ranked] == [("binh", 10**9), ("an", None)]


def test_counted_attempt_is_the_best_even_when_second():
    entries = [
        att("a1", "an", 15, duration_ms=100_000, at_s=0),
        att("a2", "an", 18, duration_ms=500_000, at_s=1_000),   # more correct: counted
        att("a3", "an", 18, duration_ms=600_000, at_s=2_000),   # same correct, slower
        att("b1", "binh", 17, duration_ms=50_000, at_s=10),
    ]
    assert board(entries) == [(1, "an", "a2"), (2, "binh", "b1")]
    assert ranking.counted_attempts(entries)["an"].attempt_id == "a2"


def test_counted_attempt_uses_prediction_once_final():
    # Same correct twice; the slower attempt has the better prediction.
    entries = [
        att("a1", "an", 19, prediction=500, duration_ms=100_000, at_s=0),
        att("a2", "an", 19, prediction=900, duration_ms=200_000, at_s=500),
    ]
    assert ranking.counted_attempts(entries)["an"].attempt_id == "a1"
    assert ranking.counted_attempts(entries, actual=880)["an"].attempt_id == "a2"


def test_true_ties_share_a_rank_and_the_next_rank_skips():
    same = dict(prediction=50, duration_ms=400_000, at_s=30)
    entries = [
        att("a1", "an", 20, **same),
        att("b1", "binh", 19, **same),
        att("c1", "chi", 19, **same),
        att("d1", "dung", 18, **same),
    ]
    assert board(entries, actual=50) == [(1, "an", "a1"), (2, "binh", "b1"), (2, "chi", "c1"), (4, "dung", "d1")]


def test_actual_for_submitted_attempts_target():
    entries = [att("a1", "an", 20), att("a2", "an", 3), att("b1", "binh", 20)]
    assert ranking.actual_count(entries, "submitted_attempts", 3) == 3


def test_actual_for_perfect_attempts_target_and_its_ranking():
    entries = [
        att("a1", "an", 20, prediction=2, duration_ms=500_000),   # perfect
        att("a2", "an", 20, prediction=2, duration_ms=400_000),   # perfect
        att("b1", "binh", 20, prediction=3, duration_ms=100_000),  # perfect
        att("c1", "chi", 19, prediction=3),
        att("d1", "dung", 5, total=5, prediction=0),              # perfect on a 5-question attempt
    ]
    actual = ranking.actual_count(entries, "perfect_attempts", submitted_attempts=5)
    assert actual == 4
    # binh |3-4| = 1 beats an |2-4| = 2; of an's two equal-distance attempts the faster a2 counts.
    assert board(entries, actual) == [(1, "binh", "b1"), (2, "an", "a2"), (3, "chi", "c1"), (4, "dung", "d1")]


def test_unknown_prediction_target_is_refused():
    with pytest.raises(ValueError):
        ranking.actual_count([], "guesses", 0)


def test_empty_round():
    assert ranking.rank([]) == []
