"""Whether disqualifying (or reinstating) a contestant would change an approved award set (SPEC 6:
the organizer must revoke such a set first). Quiz asks before it changes anything.

An approved set stands in the way when
- weekly: it names the person (disqualifying); or the person submitted an attempt in its round
  (reinstating: they come back into that round's ranking and may place among the winners);
- collective: the person took part in the quiz and their unit meets the clip conditions of SPEC 4
  (an accepted clip within the top units) in the set's breakdown, so the unit's figures
  (participants, participation, quality, zero results) decide its eligibility and place, and they
  change with the person;
- video: never (clips are the unit's, not the person's).
Revoked and draft sets never stand in the way.
"""
from sqlalchemy import select

from services.awards.domain import checks
from services.awards.errors import Invalid, err
from services.awards.models import AwardSet


def _unit_in_play(award_set, unit_code):
    """Whether `unit_code`'s quiz figures decide its place in a collective set: it passes the clip
    conditions (SPEC 4 conditions 1 and 2) as the set's breakdown recorded them."""
    breakdown = award_set.breakdown or {}
    top = breakdown.get("top_units")
    for unit in breakdown.get("units") or []:
        if unit.get("unit_code") != unit_code:
            continue
        rank = unit.get("best_clip_rank")
        return unit.get("best_clip_id") is not None and (top is None or (rank is not None and rank <= top))
    return False


def conflicts(session, contest, contestant_id, unit_code, rounds, reinstate=False):
    """The approved sets of `contest` that disqualifying (`reinstate` False) or reinstating the
    person would change: `[{award_set_id, kind, round}]`, empty when nothing stands in the way.
    `rounds`: the rounds in which the person submitted an attempt (quiz knows)."""
    checks.contest(contest)
    if not isinstance(contestant_id, str) or not contestant_id:
        raise err(Invalid, "invalid_contestant")
    took_part = {int(n) for n in (rounds or []) if isinstance(n, int) and not isinstance(n, bool)}
    found = []
    sets = session.scalars(select(AwardSet).where(AwardSet.contest == contest, AwardSet.status == "approved")
                           .order_by(AwardSet.kind, AwardSet.round_key))
    for award_set in sets:
        if award_set.kind == "weekly":
            named = any(w.get("contestant_id") == contestant_id for w in award_set.winners or [])
            hit = named or (reinstate and award_set.round_key in took_part)
        elif award_set.kind == "collective":
            hit = bool(took_part) and unit_code is not None and _unit_in_play(award_set, unit_code)
        else:
            hit = False
        if hit:
            found.append({"award_set_id": award_set.id, "kind": award_set.kind,
                          "round": award_set.round_key or None})
    return found
