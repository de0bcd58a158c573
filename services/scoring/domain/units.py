"""Unit statistics (SPEC section 4, collective prize), and scoring's copy of quiz's units."""
from sqlalchemy import Float, and_, case, cast, delete, func, select, true

from services.scoring.domain import ranking
from services.scoring.domain.disqualified import not_disqualified
from services.scoring.domain.inputs import check_contest
from services.scoring.models import GradedAttempt, RoundResult, Unit


def store_units(uow, units):
    """Replace the local copy of the units' headcounts with quiz's list."""
    session = uow.session
    wanted = {str(u["code"]): int(u.get("headcount") or 0) for u in units}
    existing = {u.code: u for u in session.scalars(select(Unit))}
    for code, headcount in wanted.items():
        if code in existing:
            existing[code].headcount = headcount
        else:
            session.add(Unit(code=code, headcount=headcount))
    gone = set(existing) - set(wanted)
    if gone:
        session.execute(delete(Unit).where(Unit.code.in_(gone)))


def load_units(session):
    return [{"code": u.code, "headcount": u.headcount} for u in session.scalars(select(Unit).order_by(Unit.code))]


def headcount_flags(headcount, participants):
    """Why a unit's participation rate cannot be taken at face value, as [{code, message}] (Vietnamese):
    no headcount (the rate would read 0 whatever happened), or more participants than the
    headcount (the rate is capped at 100%, SPEC 4). Empty when the figures agree, or when the
    headcount is unknown (quiz unreachable: nothing to say yet)."""
    if headcount is None:
        return []
    if headcount <= 0:
        return [{"code": "no_headcount",
                 "message": "Đơn vị chưa khai báo số cán bộ, công chức, viên chức (số CBCCVC bằng 0): "
                            "tỷ lệ tham gia không tính được và được ghi là 0%."}]
    if participants > headcount:
        return [{"code": "over_headcount",
                 "message": f"Số người tham gia ({participants}) nhiều hơn số cán bộ, công chức, viên chức "
                            f"đã khai báo ({headcount}): tỷ lệ tham gia được tính tối đa 100%. "
                            "Đơn vị cần kiểm tra lại số CBCCVC hoặc danh sách cán bộ."}]
    return []


def unit_stats(session, contest, units, final_only=False):
    """Participation and quality per unit.

    participants: distinct contestants of the unit with a graded attempt in the contest;
    participation: participants / headcount, capped at 1 (0 for a headcount of 0);
    quality: mean over those contestants of (mean over the rounds each took of counted correct /
    total); zero_results: (contestant, round) pairs whose counted result is 0 correct; flags: why
    the participation rate is not what it seems (headcount_flags).
    `units` None means headcounts unknown (quiz down, no copy yet): the units seen in attempts are
    listed with headcount and participation None.
    A contestant belongs to the unit of their latest attempt. The counted attempt of a final round
    uses the final order (with the prediction key), of an open round the live order.
    `final_only`: only rounds already ranked (the public's view while a round is open, SPEC 6:
    nothing public reveals the running count of an open round).
    """
    check_contest(contest)
    per_unit = unit_aggregates(session, contest, final_only)

    known = units is not None
    headcounts = {str(u["code"]): int(u.get("headcount") or 0) for u in units or []}
    for unit in per_unit:
        if unit is not None:
            # a unit quiz no longer lists still shows its people
            headcounts.setdefault(unit, 0 if known else None)
    result = []
    for code in sorted(headcounts):
        headcount = headcounts[code]
        participants, quality, zero_results = per_unit.get(code, (0, 0.0, 0))
        if headcount is None:
            participation = None
        else:
            participation = min(1.0, participants / headcount) if headcount > 0 else 0.0
        result.append({
            "unit_code": code,
            "headcount": headcount,
            "participants": participants,
            "participation": participation,
            "quality": quality,
            "zero_results": zero_results,
            "flags": headcount_flags(headcount, participants),
        })
    return result


def unit_aggregates(session, contest, final_only=False):
    """{unit_code: (participants, quality, zero_results)} computed by the database.

    Done in SQL for the same reason as the live board: a contest holds many attempts and a Python
    pass over them would hold the eventlet hub. The counted attempt of each (contestant, round)
    follows ranking.ORDER (`ranking.sql_order`), with the prediction key for final rounds only.
    """
    g, r, dialect = GradedAttempt, RoundResult, session.bind.dialect.name
    # One pass over the contest's attempts (no self-join: PostgreSQL plans those badly here).
    counted = (
        select(
            g.contestant_id, g.correct, g.total,
            func.row_number().over(
                partition_by=(g.contestant_id, g.round),
                # r.actual is NULL unless the round is final (the outer join's condition)
                order_by=ranking.sql_order(g, dialect, actual=r.actual, tie_break=ranking.COUNTED_TIE_BREAK),
            ).label("nth"),
            # A contestant belongs to the unit of their latest attempt.
            func.first_value(g.unit_code).over(
                partition_by=g.contestant_id,
                order_by=(g.submitted_at.desc(), ranking.code_point_order(g.attempt_id, dialect).desc()),
            ).label("unit_code"),
        )
        .select_from(g)
        .outerjoin(r, and_(r.contest == g.contest, r.round == g.round, r.status == "final"))
        .where(g.contest == contest, r.status.is_not(None) if final_only else true(), not_disqualified(g))
        .subquery("counted")
    )
    ratio = case((counted.c.total > 0, cast(counted.c.correct, Float) / counted.c.total), else_=0.0)
    per_contestant = (
        select(
            func.max(counted.c.unit_code).label("unit_code"),  # the same on every row
            func.avg(ratio).label("quality"),
            func.sum(case((counted.c.correct == 0, 1), else_=0)).label("zeros"),
        )
        .where(counted.c.nth == 1)
        .group_by(counted.c.contestant_id)
        .subquery("per_contestant")
    )
    query = (
        select(
            per_contestant.c.unit_code, func.count(), func.avg(per_contestant.c.quality),
            func.sum(per_contestant.c.zeros),
        )
        .group_by(per_contestant.c.unit_code)
    )
    return {
        unit: (int(participants), float(quality), int(zeros))
        for unit, participants, quality, zeros in session.execute(query)
    }
