"""Reading a service's audit log (SPEC 6): the entries, filtered, and the check of its hash chain.

Each service that keeps a log (quiz, media, awards) answers two RPCs with these functions; the
gateway asks every one of them and merges the answers (gateway/routes/audit.py). An entry is named
across services by `(service, seq)`: `seq` is the service's own chain position, never renumbered.
"""
from sqlalchemy import or_, select

from common.auth import require
from common.uow import check_chain

# Who may read the log: organizers and monitors (SPEC 6).
READERS = ("organizer", "monitor")
MAX_LIMIT = 1000


def entry_out(service, row):
    return {
        "service": service, "seq": row.seq, "id": row.id, "at": row.at.isoformat(),
        "actor_id": row.actor_id, "actor_username": row.actor_username,
        "actor": actor_label(row.actor_id, row.actor_username), "role": row.actor_role,
        "action": row.action, "target": row.target, "contest": row.contest,
        "before": row.before, "after": row.after, "reason": row.reason,
        "hash": row.hash, "prev_hash": row.prev_hash,
    }


def actor_label(actor_id, username):
    """Who, readable: `admin (#3)`, `#3` when the name was not known, `hệ thống` for the platform."""
    if actor_id is None and not username:
        return "hệ thống"
    if username and actor_id is not None:
        return f"{username} (#{actor_id})"
    return username or f"#{actor_id}"


def list_entries(session, service, model, actor, filters):
    """The newest entries (at most `limit`) matching `contest`, `actor` (id or username), `action`
    (exact, or a prefix ending in '.': `award_set.`) and `since` (an aware datetime or ISO string)."""
    require(actor, *READERS)
    filters = filters or {}
    query = select(model)
    if filters.get("contest"):
        query = query.where(model.contest == filters["contest"])
    if filters.get("actor"):
        who = str(filters["actor"]).lstrip("#")
        query = query.where(or_(model.actor_id == who, model.actor_username == who))
    if filters.get("action"):
        action = filters["action"]
        query = query.where(model.action.startswith(action) if action.endswith(".") else model.action == action)
    if filters.get("since"):
        query = query.where(model.at >= _aware(filters["since"]))
    limit = max(1, min(int(filters.get("limit") or 100), MAX_LIMIT))
    rows = session.scalars(query.order_by(model.seq.desc()).limit(limit))
    return [entry_out(service, row) for row in rows]


def verify(session, service, model, actor):
    """`{service, entries, ok, first_bad_seq}` for this service's chain."""
    require(actor, *READERS)
    entries, bad = check_chain(session, model)
    return {"service": service, "entries": entries, "ok": bad is None, "first_bad_seq": bad}


def _aware(value):
    import datetime as dt

    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value
