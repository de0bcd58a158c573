"""Closing rounds: the periodic sweep and the organizer's close_round.

`round_closed` must be emitted exactly once per round even with several quiz instances sweeping:
a conditional UPDATE of `rounds.close_emitted` decides which transaction writes the outbox row.
"""
import datetime as dt

from sqlalchemy import select, update

from common import outbox
from common.auth import require
from services.quiz.domain.accounts import prune_login_failures
from services.quiz.domain.attempts import auto_submit, auto_submit_expired
from services.quiz.domain.contests import load_contest, load_round, submitted_count
from services.quiz.errors import Conflict, err
from services.quiz.models import Attempt, Contest, Outbox, Round, utcnow
from services.quiz.schemas import iso, round_out, round_status


def _has_in_progress(session, rnd):
    return session.scalar(select(Attempt.id).where(
        Attempt.contest_code == rnd.contest_code, Attempt.round_n == rnd.n,
        Attempt.status == "in_progress").limit(1)) is not None


def try_emit_round_closed(session, rnd, contest):
    """Emit round_closed once the round has no attempt in progress; returns the outbox id or None."""
    if rnd.close_emitted or _has_in_progress(session, rnd):
        return None
    won = session.execute(
        update(Round).where(Round.id == rnd.id, Round.close_emitted.is_(False))
        .values(close_emitted=True).execution_options(synchronize_session=False)).rowcount == 1
    if not won:
        return None  # another instance emitted it
    # Counted after the flag is ours: no attempt is in progress and the round takes no new ones.
    payload = {
        "contest": rnd.contest_code, "round": rnd.n, "closes_at": iso(rnd.closes_at),
        "submitted_attempts": submitted_count(session, rnd.contest_code, rnd.n),
        "prediction_target": contest.settings["prediction_target"],
        "questions_per_attempt": contest.settings["questions_per_attempt"],
    }
    return outbox.add(session, Outbox, "round_closed", payload)


def emit_due_round_closed(session, now=None):
    """For rounds whose closes_at + grace has passed: emit round_closed (once)."""
    now = now or utcnow()
    candidates = session.execute(
        select(Round, Contest).join(Contest, Contest.code == Round.contest_code)
        .where(Round.close_emitted.is_(False), Round.closes_at < now)).all()
    ids = []
    for rnd, contest in candidates:
        if rnd.closes_at + dt.timedelta(seconds=contest.settings["grace_s"]) >= now:
            continue
        outbox_id = try_emit_round_closed(session, rnd, contest)
        if outbox_id:
            ids.append(outbox_id)
    return ids


def sweep(session, now=None):
    """One pass of the periodic work; returns the outbox ids written (publish after commit)."""
    now = now or utcnow()
    ids = auto_submit_expired(session, now)
    session.flush()
    ids += emit_due_round_closed(session, now)
    prune_login_failures(session, now)
    return ids


def close_round(session, actor, contest_code, n):
    """Close an open round now, submit its attempts in progress as saved, emit round_closed.

    Returns {"round": ..., "outbox_ids": [...]}. Idempotent on a closed round.
    """
    require(actor, "organizer")
    contest = load_contest(session, contest_code)
    rnd = load_round(session, contest_code, n, for_update=True)
    now = utcnow()
    status = round_status(rnd, now)
    if status == "scheduled":
        raise err(Conflict, "round_not_open")
    if status == "open":
        rnd.closes_at = now
        session.flush()
    running = session.scalars(select(Attempt).where(
        Attempt.contest_code == contest_code, Attempt.round_n == n, Attempt.status == "in_progress")).all()
    # An attempt stopped by the close counts the time it really ran: until now or its deadline.
    ids = auto_submit(session, running, lambda a: min(now, a.deadline))
    session.flush()
    outbox_id = try_emit_round_closed(session, rnd, contest)
    if outbox_id:
        ids.append(outbox_id)
    return {"round": round_out(rnd, utcnow()), "outbox_ids": ids}
