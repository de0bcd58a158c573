"""Closing rounds: the periodic sweep and the organizer's close_round.

`round_closed` must be emitted exactly once per round even with several quiz instances sweeping:
a conditional UPDATE of `rounds.close_emitted` decides which transaction emits it.
"""
import datetime as dt

from sqlalchemy import select, update

from common.auth import require
from common.errors import Conflict
from common.time import iso, utcnow
from services.quiz.domain.accounts import prune_login_failures, prune_registration_hits
from services.quiz.domain.attempts import auto_submit, auto_submit_expired
from services.quiz.domain.contests import load_contest, load_round, submitted_count
from services.quiz.errors import err
from services.quiz.models import Attempt, Contest, Round
from services.quiz.schemas import round_out, round_status


def _has_in_progress(session, rnd):
    return session.scalar(select(Attempt.id).where(
        Attempt.contest_code == rnd.contest_code, Attempt.round_n == rnd.n,
        Attempt.status == "in_progress").limit(1)) is not None


def try_emit_round_closed(uow, rnd, contest):
    """Emit round_closed once the round has no attempt in progress; True if this transaction did."""
    session = uow.session
    if rnd.close_emitted or _has_in_progress(session, rnd):
        return False
    won = session.execute(
        update(Round).where(Round.id == rnd.id, Round.close_emitted.is_(False))
        .values(close_emitted=True).execution_options(synchronize_session=False)).rowcount == 1
    if not won:
        return False  # another instance emitted it
    # Counted after the flag is ours: no attempt is in progress and the round takes no new ones.
    uow.emit("round_closed", {
        "contest": rnd.contest_code, "round": rnd.n, "closes_at": iso(rnd.closes_at),
        "submitted_attempts": submitted_count(session, rnd.contest_code, rnd.n),
        "prediction_target": contest.settings["prediction_target"],
        "questions_per_attempt": contest.settings["questions_per_attempt"],
    })
    return True


def emit_due_round_closed(uow, now=None):
    """For rounds whose closes_at + grace has passed: emit round_closed (once). Returns how many
    this transaction emitted."""
    now = now or utcnow()
    candidates = uow.session.execute(
        select(Round, Contest).join(Contest, Contest.code == Round.contest_code)
        .where(Round.close_emitted.is_(False), Round.closes_at < now)).all()
    return sum(try_emit_round_closed(uow, rnd, contest) for rnd, contest in candidates
               if rnd.closes_at + dt.timedelta(seconds=contest.settings["grace_s"]) < now)


def sweep(uow, now=None):
    """One pass of the periodic work: {auto_submitted, rounds_closed} by this transaction."""
    now = now or utcnow()
    submitted = auto_submit_expired(uow, now)
    uow.session.flush()
    closed = emit_due_round_closed(uow, now)
    prune_login_failures(uow, now)
    prune_registration_hits(uow, now)
    return {"auto_submitted": submitted, "rounds_closed": closed}


def close_round(uow, actor, contest_code, n):
    """Close an open round now, submit its attempts in progress as saved, emit round_closed.
    Returns the round. Idempotent on a closed round."""
    require(actor, "organizer")
    session = uow.session
    contest = load_contest(session, contest_code)
    rnd = load_round(session, contest_code, n, for_update=True)
    now = utcnow()
    status = round_status(rnd, now)
    if status == "scheduled":
        raise err(Conflict, "round_not_open")
    before = {"status": status, "closes_at": iso(rnd.closes_at)}
    if status == "open":
        rnd.closes_at = now
        session.flush()
    running = session.scalars(select(Attempt).where(
        Attempt.contest_code == contest_code, Attempt.round_n == n, Attempt.status == "in_progress")).all()
    # An attempt stopped by the close counts the time it really ran: until now or its deadline.
    submitted = auto_submit(uow, running, lambda a: min(now, a.deadline))
    session.flush()
    try_emit_round_closed(uow, rnd, contest)
    out = round_out(rnd, utcnow())
    if status == "open" or submitted:
        uow.record(actor, "round.close", f"round:{contest_code}/{n}", before,
                   {"status": out["status"], "closes_at": out["closes_at"], "auto_submitted": submitted},
                   contest=contest_code)
    return out
