"""Revoking an approved award set (SPEC 6): when an approved result must change (a disqualification,
a scoring error), the organizer revokes it with a reason.

- Only an approved set can be revoked (409 `not_approved`: a draft is simply computed again; 409
  `already_revoked` for a set revoked before).
- The set leaves the public results (they list approved sets only) but stays on record, with who,
  when and why; its decision documents say it is revoked. The next compute of that kind and round
  makes a new draft beside it, which is approved as usual.
- Weekly sets are revoked in reverse round order (409 `later_round_approved`, naming the rounds):
  a later round's winners were chosen skipping the winners of the earlier rounds (one weekly prize
  per person) and approved only after them, so revoking an earlier round under an approved later
  one would leave that later result resting on a revoked one. The organizer revokes the later
  rounds first, each with its own reason, and approves them again in round order; nothing is
  revoked without being asked for.
- A weekly draft computed while an earlier round's set was approved skipped that set's winners; if
  the set is revoked meanwhile, approving the draft is refused (409 `earlier_winners_changed`:
  compute it again; sets.check_earlier_winners_kept).
- Audited (`award_set.revoke`, the approval before, the revocation after, the reason) and announced
  (`award_set_revoked`, in the same unit of work): media unlocks the judges' scores of a revoked
  video set.
"""
import unicodedata

from sqlalchemy import select, update

from common.auth import require
from common.time import iso, utcnow
from services.awards.domain.sets import load, set_out
from services.awards.errors import Conflict, Invalid, err
from services.awards.models import AwardSet

MAX_REASON = 1000


def clean_reason(reason):
    """The reason, NFC and trimmed; Invalid `reason_required` when missing or blank."""
    if not isinstance(reason, str) or not reason.strip():
        raise err(Invalid, "reason_required")
    return unicodedata.normalize("NFC", reason.strip())[:MAX_REASON]


def later_rounds_approved(session, contest, round_key):
    return sorted(session.scalars(select(AwardSet.round_key).where(
        AwardSet.contest == contest, AwardSet.kind == "weekly", AwardSet.status == "approved",
        AwardSet.round_key > round_key)))


def revoke(uow, actor, set_id, reason):
    """Revoke an approved set (see the module's rules) and announce it (`award_set_revoked`)."""
    require(actor, "organizer")
    reason = clean_reason(reason)
    session = uow.session
    row = load(session, set_id, for_update=True)
    if row.status == "revoked":
        raise err(Conflict, "already_revoked")
    if row.status != "approved":
        raise err(Conflict, "not_approved")
    if row.kind == "weekly":
        later = later_rounds_approved(session, row.contest, row.round_key)
        if later:
            rounds = ", ".join(str(n) for n in later)
            raise err(Conflict, "later_round_approved",
                      f"Giải tuần của tuần thi {rounds} đã được phê duyệt sau tuần thi thứ {row.round_key}: "
                      f"vui lòng thu hồi giải tuần của các tuần thi sau trước (từ tuần thi sau cùng), "
                      f"rồi mới thu hồi giải tuần thi thứ {row.round_key}.")
    before = {"status": "approved", "approved_at": iso(row.approved_at), "approved_by": row.approved_by,
              "winners": len(row.winners), "total_vnd": sum(w["amount_vnd"] for w in row.winners)}
    now = utcnow()
    won = session.execute(
        update(AwardSet).where(AwardSet.id == row.id, AwardSet.status == "approved")
        .values(status="revoked", revoked_at=now, revoked_by=actor["id"], revoke_reason=reason)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.expire(row)
    row = load(session, set_id)
    if won != 1:  # a concurrent revocation won (SQLite has no row lock): one entry, one event
        raise err(Conflict, "already_revoked")
    uow.record(actor, "award_set.revoke", f"award_set:{row.id}", before,
               {"status": row.status, "revoked_at": iso(row.revoked_at)}, reason, contest=row.contest)
    uow.emit("award_set_revoked", {
        "award_set_id": row.id, "contest": row.contest, "kind": row.kind, "round": row.round_key or None,
        "revoked_at": iso(row.revoked_at), "revoked_by": row.revoked_by, "reason": reason,
    })
    return set_out(row)
