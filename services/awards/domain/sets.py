"""Award sets in the database: drafts (a recompute replaces the draft), approval (final, with who
and when, announced by the `award_set_approved` event), reading. Computing and approving are
audited (uow.record). Revocation (domain/revocation.py) takes an approved set out of the results:
it stays on record with status `revoked`, and the next compute of that result makes a new draft.

Weekly sets are approved in round order (409 `earlier_round_not_approved`, SPEC §4).

Rule on repeat weekly winners (SPEC §4, `one_weekly_prize_per_person`): only APPROVED weekly sets
of EARLIER rounds count. Drafts do not count, because a draft may still be
recomputed or never approved; instead, approval re-checks the rule and refuses (409
`repeat_winner`) a draft whose winner meanwhile received an approved weekly prize, so two approved
sets can never share a person.
"""
import uuid

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from common.auth import require
from common.time import iso, utcnow
from services.awards.domain.prizes import KINDS
from services.awards.errors import Conflict, NotFound, err
from services.awards.models import AwardSet


def set_out(row, with_breakdown=True):
    out = {
        "award_set_id": row.id,
        "contest": row.contest,
        "kind": row.kind,
        "round": row.round_key or None,
        "status": row.status,
        "winners": row.winners,
        "total_vnd": sum(w["amount_vnd"] for w in row.winners),
        "computed_at": iso(row.computed_at),
        "computed_by": row.computed_by,
        "approved_at": iso(row.approved_at),
        "approved_by": row.approved_by,
    }
    if row.status == "revoked":
        out.update(revoked_at=iso(row.revoked_at), revoked_by=row.revoked_by, revoke_reason=row.revoke_reason)
    if with_breakdown:
        out["breakdown"] = row.breakdown
        out["inputs"] = row.inputs
    return out


def _find(session, contest, kind, round_key):
    """The live set (draft or approved) of a result; revoked sets are on record only."""
    return session.scalar(select(AwardSet).where(
        AwardSet.contest == contest, AwardSet.kind == kind, AwardSet.round_key == round_key,
        AwardSet.status != "revoked"))


def ensure_recomputable(session, contest, kind, round_key):
    """Conflict `already_approved` when this result is final (checked before gathering inputs)."""
    row = _find(session, contest, kind, round_key)
    if row is not None and row.status == "approved":
        raise err(Conflict, "already_approved")


def _summary(row):
    """What the audit log keeps of a set: which result, how many winners, how much."""
    return {"award_set_id": row.id, "contest": row.contest, "kind": row.kind, "round": row.round_key or None,
            "winners": len(row.winners), "total_vnd": sum(w["amount_vnd"] for w in row.winners)}


def save_draft(uow, actor, contest, kind, round_key, winners, breakdown, inputs):
    """Store a fresh draft with a new id, replacing the previous draft of the same result."""
    session = uow.session
    row = _find(session, contest, kind, round_key)
    replaced = None
    if row is not None:
        if row.status == "approved":
            raise err(Conflict, "already_approved")
        replaced = _summary(row)
        session.execute(delete(AwardSet).where(AwardSet.id == row.id, AwardSet.status == "draft"))
        session.flush()
    new = AwardSet(id=str(uuid.uuid4()), contest=contest, kind=kind, round_key=round_key, status="draft",
                   winners=winners, breakdown=breakdown, inputs=inputs, computed_at=utcnow(),
                   computed_by=actor["id"])
    session.add(new)
    try:
        session.flush()
    except IntegrityError:
        # Another computation of the same result committed first.
        raise err(Conflict, "compute_in_progress") from None
    uow.record(actor, "award_set.compute", f"award_set:{new.id}", replaced, _summary(new), contest=contest)
    return set_out(new)


def load(session, set_id, for_update=False):
    query = select(AwardSet).where(AwardSet.id == set_id) if isinstance(set_id, str) else None
    if query is not None and for_update and session.bind.dialect.name == "postgresql":
        query = query.with_for_update()
    row = session.scalar(query) if query is not None else None
    if row is None:
        raise err(NotFound, "award_set_not_found")
    return row


def weekly_winners_elsewhere(session, contest, round_key, earlier_only=True):
    """{contestant_id: round} of the winners of the contest's approved weekly sets of EARLIER rounds
    (SPEC 4: a winner of an earlier round is skipped; a later round never takes a prize away from
    an earlier one). `earlier_only=False`: of every other round (the approval's safety check)."""
    found = {}
    other = AwardSet.round_key < round_key if earlier_only else AwardSet.round_key != round_key
    rows = session.scalars(select(AwardSet).where(
        AwardSet.contest == contest, AwardSet.kind == "weekly", AwardSet.status == "approved",
        other).order_by(AwardSet.round_key))
    for row in rows:
        for winner in row.winners:
            if winner.get("contestant_id"):
                found.setdefault(winner["contestant_id"], row.round_key)
    return found


def check_earlier_rounds_approved(session, contest, round_key):
    """Conflict `earlier_round_not_approved`, naming them, unless every earlier round of the contest
    has an approved weekly set (SPEC 4): rounds are decided in round order, so who wins never
    depends on the order in which an organizer clicks."""
    approved = set(session.scalars(select(AwardSet.round_key).where(
        AwardSet.contest == contest, AwardSet.kind == "weekly", AwardSet.status == "approved",
        AwardSet.round_key < round_key)))
    missing = [n for n in range(1, round_key) if n not in approved]
    if missing:
        rounds = ", ".join(str(n) for n in missing)
        raise err(Conflict, "earlier_round_not_approved",
                  f"Chưa phê duyệt giải tuần của tuần thi {rounds}: giải tuần được phê duyệt lần lượt "
                  f"theo thứ tự tuần thi, nên chưa thể phê duyệt giải tuần thi thứ {round_key}.")


def check_earlier_winners_kept(row, earlier_winners):
    """Conflict `earlier_winners_changed` when the weekly draft `row` skipped someone as an earlier
    round's winner who no longer is one (`earlier_winners`: {contestant_id: round} of the approved
    sets of the earlier rounds now): that round's set was revoked after the draft was computed
    (domain/revocation.py), and nobody may stay skipped for a prize they no longer hold. Drafts
    computed before this rule kept no list: not checked."""
    skipped = (row.inputs or {}).get("earlier_winners")
    if skipped is not None and set(skipped) - set(earlier_winners):
        raise err(Conflict, "earlier_winners_changed")


def check_approvable(session, row):
    """The rules a draft must keep to be approved (each a 409 with its own code); approve runs them
    under the row lock, and the workflow first in a plain read, before it asks other services."""
    if row.status == "revoked":
        raise err(Conflict, "already_revoked")  # a revoked set is on record only: compute again
    if row.kind == "weekly":
        check_earlier_rounds_approved(session, row.contest, row.round_key)
    if row.kind == "weekly" and row.inputs.get("one_weekly_prize_per_person", True):
        elsewhere = weekly_winners_elsewhere(session, row.contest, row.round_key, earlier_only=False)
        if any(w.get("contestant_id") in elsewhere for w in row.winners):
            raise err(Conflict, "repeat_winner")
        check_earlier_winners_kept(row, weekly_winners_elsewhere(session, row.contest, row.round_key))


def approve(uow, actor, set_id):
    """Approve a draft and announce it (`award_set_approved`). Approving an approved set returns it
    unchanged and announces nothing."""
    require(actor, "organizer")
    session = uow.session
    row = load(session, set_id, for_update=True)
    if row.status == "approved":
        return set_out(row)
    check_approvable(session, row)
    now = utcnow()
    won = session.execute(
        update(AwardSet).where(AwardSet.id == row.id, AwardSet.status == "draft")
        .values(status="approved", approved_at=now, approved_by=actor["id"])
        .execution_options(synchronize_session=False)
    ).rowcount
    session.expire(row)
    row = load(session, set_id)
    if won != 1:  # a concurrent approval won: same outcome, one event
        return set_out(row)
    uow.record(actor, "award_set.approve", f"award_set:{row.id}", {"status": "draft"},
               {"status": row.status, "approved_at": iso(row.approved_at)}, contest=row.contest)
    uow.emit("award_set_approved", {
        "award_set_id": row.id, "contest": row.contest, "kind": row.kind, "round": row.round_key or None,
        "approved_at": iso(row.approved_at), "approved_by": row.approved_by, "winners": row.winners,
        "total_vnd": sum(w["amount_vnd"] for w in row.winners),
    })
    return set_out(row)


def get(session, actor, set_id):
    require(actor, "organizer")
    return set_out(load(session, set_id))


def _listing_order(row):
    # Sets are listed as the prizes are announced: the weekly ones round by round, then video, then collective.
    return KINDS.index(row.kind), row.round_key


def list_sets(session, contest, kind=None, round_n=None, approved_only=True):
    query = select(AwardSet).where(AwardSet.contest == contest)
    if approved_only:
        query = query.where(AwardSet.status == "approved")
    if kind is not None:
        query = query.where(AwardSet.kind == kind)
    if round_n is not None:
        query = query.where(AwardSet.round_key == round_n)
    rows = sorted(session.scalars(query), key=_listing_order)
    return [set_out(r, with_breakdown=not approved_only) for r in rows]


def all_rows(session, contest):
    return sorted(session.scalars(select(AwardSet).where(AwardSet.contest == contest)), key=_listing_order)
