"""Disqualified contestants (SPEC 6): scoring's copy of quiz's list, and what it changes here.

A disqualified contestant's attempts stay graded (`graded_attempts`) but leave the live board, the
final ranking of every closed round (ranked again without them, with the round's `actual` as it
was: the prediction question's answer is a fact of the round) and the unit statistics. Reinstating
puts them back the same way.
"""
import logging

from sqlalchemy import and_, exists, select

from services.scoring.domain import rounds
from services.scoring.models import Disqualification, GradedAttempt, RoundResult

log = logging.getLogger(__name__)


def not_disqualified(columns):
    """SQL: the attempt (`columns` with `contest` and `contestant_id`) is not of a contestant
    disqualified from its contest (the primary key makes it one index probe per row)."""
    d = Disqualification
    return ~exists(select(d.contestant_id).where(
        and_(d.contest == columns.contest, d.contestant_id == columns.contestant_id, d.disqualified.is_(True))))


def apply(uow, event):
    """Store a `contestant_disqualified` / `contestant_reinstated` (schemas.DisqualificationChanged)
    and rank again the final rounds of the contest the person took part in, in this unit of work.
    An event no newer than the copy changes nothing (idempotent). Returns the rounds ranked again."""
    session = uow.session
    row = session.get(Disqualification, (event.contest, event.contestant_id))
    if row is not None and row.version >= event.version:
        return []
    before = bool(row.disqualified) if row is not None else False
    if row is None:
        session.add(Disqualification(contest=event.contest, contestant_id=event.contestant_id,
                                     disqualified=event.disqualified, version=event.version))
    else:
        row.disqualified, row.version = event.disqualified, event.version
    session.flush()
    if before == event.disqualified:
        return []
    took_part = select(GradedAttempt.round).where(
        GradedAttempt.contest == event.contest, GradedAttempt.contestant_id == event.contestant_id).distinct()
    final = session.scalars(select(RoundResult.round).where(
        RoundResult.contest == event.contest, RoundResult.status == "final",
        RoundResult.round.in_(took_part)).order_by(RoundResult.round)).all()
    for n in final:
        rounds.rerank_final(uow, event.contest, n)
    log.info("contestant %s %s in %s; final rounds ranked again: %s", event.contestant_id,
             "disqualified" if event.disqualified else "reinstated", event.contest, list(final))
    return list(final)
