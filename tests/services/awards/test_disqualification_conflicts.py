"""awards.disqualification_conflicts: which approved sets a disqualification (or a reinstatement)
would change (SPEC 6: revoke them first)."""
import pytest

from common.errors import Invalid
from services.awards import workflow
from services.awards.domain import disqualification, sets
from tests.services.awards.conftest import CONTEST, ORG, clip, ranking_row, unit_stat

ROWS = [ranking_row(i, f"c{i}", f"Người {i}", "SNV", 21 - i, f"2023-06-01T10:0{i}:00+00:00") for i in range(1, 6)]


def conflicts(db, cid, unit, rounds, reinstate=False):
    return db.read(disqualification.conflicts, CONTEST, cid, unit, rounds, reinstate)


def weekly(db, upstream, approve=True):
    upstream.rankings[1] = ROWS
    out = workflow.compute_set(db, upstream, upstream, upstream, ORG, CONTEST, "weekly", 1)
    if approve:
        db.run(sets.approve, ORG, out["award_set_id"])
    return out["award_set_id"]


def test_a_weekly_set_naming_the_person(both_db, upstream):
    set_id = weekly(both_db, upstream)
    assert conflicts(both_db, "c2", "SNV", [1]) == [{"award_set_id": set_id, "kind": "weekly", "round": 1}]
    # ranked fifth: the winners stay as they are
    assert conflicts(both_db, "c5", "SNV", [1]) == []
    # reinstating someone who took part in that round may bring them among the winners
    assert conflicts(both_db, "c9", "SNV", [1], reinstate=True) == [
        {"award_set_id": set_id, "kind": "weekly", "round": 1}]
    assert conflicts(both_db, "c9", "SNV", [2], reinstate=True) == []


def test_drafts_never_stand_in_the_way(db, upstream):
    weekly(db, upstream, approve=False)
    assert conflicts(db, "c1", "SNV", [1]) == []


def test_a_collective_set_when_the_unit_is_in_play(db, upstream):
    upstream.stats = [unit_stat("SNV", 10, 4, 0.8), unit_stat("STP", 10, 3, 0.6), unit_stat("STC", 10, 2, 0.5)]
    upstream.clips = {"complete": True, "pending": 0,
                      "clips": [clip("v1", "SNV", 90, "2023-07-01T00:00:00+00:00"),
                                clip("v2", "STP", 80, "2023-07-01T00:00:00+00:00")]}
    out = workflow.compute_set(db, upstream, upstream, upstream, ORG, CONTEST, "collective")
    db.run(sets.approve, ORG, out["award_set_id"])
    expected = [{"award_set_id": out["award_set_id"], "kind": "collective", "round": None}]
    assert conflicts(db, "x", "STP", [1, 2]) == expected
    assert conflicts(db, "x", "STP", [], reinstate=True) == []   # never took part: nothing changes
    assert conflicts(db, "x", "STC", [1]) == []                   # no clip: never eligible either way
    assert conflicts(db, "x", None, [1]) == []


@pytest.mark.parametrize("cid", [None, "", 5])
def test_bad_input(db, cid):
    with pytest.raises(Invalid):
        conflicts(db, cid, "SNV", [])
