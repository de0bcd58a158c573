"""What the quiz service does around its domain calls: the coalesced starts and submits, holding
events during a rush, the periodic work, scoring's events.

Dependencies come in as arguments, so this runs without nameko: `store` is the service's
common.uow.Store, `pressure` its rush signal (common.backpressure: `count_calls`, `busy`).

A rush (a round opening, a deadline) is answered first: while `pressure.busy()`, the
`attempt_submitted` events of a submission are committed with it but held in memory, and the
0.5 s timer (`publish_held`) sends them once the rush is over, or after MAX_HOLD_S at the latest.
Grading (scoring) can wait a few seconds; the contestants waiting for their reply cannot.
"""
import logging

from common import batch
from common.auth import require
from common.errors import Conflict
from services.quiz import metrics
from services.quiz.domain import accounts, attempts, closing, contestants, contests, files, questions, units
from services.quiz.errors import err, message

log = logging.getLogger(__name__)

# The longest an event is held. It must stay below the outbox relay's RELAY_AFTER_S (10 s,
# common/outbox.py): the relay of another quiz instance, which cannot know that this process holds
# the row, would send it too once it is that old (a duplicate for scoring to absorb).
MAX_HOLD_S = 8.0


# --- starts and submits -------------------------------------------------------------------------

def start_attempt(store, pressure, actor, contest, n):
    pressure.count_calls()
    return store.run(attempts.start_attempt, actor, contest, n)


def start_attempts(store, pressure, calls):
    """The gateway's coalesced starts: one transaction, each call's own outcome (common/batch.py)."""
    pressure.count_calls(len(calls))
    return [batch.reply(result, exc) for result, exc in batch.run(store, attempts.start_attempt, calls)]


def token_states(store, calls):
    """The gateway's coalesced token checks: one query, one entry per call (common/batch.py's reply)."""
    user_ids = [(call.get("args") or [None])[0] if isinstance(call, dict) else None for call in calls]
    return [batch.reply(state) for state in store.read(accounts.token_states, user_ids)]


def submit_attempt(store, pressure, actor, attempt_id, answers, prediction=None):
    pressure.count_calls()
    hold = pressure.busy()
    with store.unit(hold=hold) as uow:
        result = attempts.submit_attempt(uow, actor, attempt_id, answers, prediction)
    _count_held(store, hold)
    reply, error = _outcome(result)
    if error is not None:
        raise error  # committed all the same
    return reply


def submit_attempts(store, pressure, calls):
    """The gateway's coalesced submits: one transaction, each call's own outcome."""
    pressure.count_calls(len(calls))
    hold = pressure.busy()
    outcomes = batch.run(store, attempts.submit_attempt, calls, hold=hold)
    _count_held(store, hold)
    return [batch.reply(*(_outcome(result) if exc is None else (None, exc))) for result, exc in outcomes]


def _outcome(result):
    """(reply, error) of a committed submission. One that came after deadline + grace submitted
    the answers autosaved before the deadline: the contestant is told so (Conflict deadline_passed)."""
    if result["deadline_passed"]:
        return None, err(Conflict, "deadline_passed")
    return {"attempt_id": result["attempt_id"], "status": result["status"]}, None


def _count_held(store, hold):
    if hold:
        metrics.set_held(store.held_count())


# --- periodic work ------------------------------------------------------------------------------

def publish_held(store, pressure):
    """Send the held events: all of them once the rush is over, else those held MAX_HOLD_S."""
    store.publish_held(pressure.busy, MAX_HOLD_S)
    metrics.set_held(store.held_count())


def sweep(store):
    """Auto-submit at the deadline, close rounds, relay what a crash left, report the gauges."""
    store.run(closing.sweep)
    store.relay()
    metrics.set_in_progress(store.read(metrics.count_in_progress))


# --- scoring's events ---------------------------------------------------------------------------

def on_attempt_graded(store, payload):
    try:
        attempt_id, correct, total = payload["attempt_id"], int(payload["correct"]), int(payload["total"])
    except (KeyError, TypeError, ValueError):
        # Requeueing a malformed message would loop forever: log it and drop it.
        log.error("malformed attempt_graded dropped: %r", payload)
        return
    if not store.run(attempts.record_grade, attempt_id, correct, total):
        log.warning("attempt_graded for unknown or unsubmitted attempt %s", attempt_id)


def on_round_ranked(store, payload):
    try:
        contest, n = payload["contest"], int(payload["round"])
    except (KeyError, TypeError, ValueError):
        log.error("malformed round_ranked dropped: %r", payload)
        return
    store.run(contests.record_round_ranked, contest, n)


# --- imports ------------------------------------------------------------------------------------
# The file is parsed before the transaction opens (and in an OS thread, files.parse): a big
# spreadsheet holds no database connection and no event loop while it is read.
def import_units(store, actor, file):
    require(actor, "organizer", "expert")
    return store.run(units.import_units, actor, file, files.parse(file, units.COLUMNS))


def import_questions(store, actor, contest, file):
    require(actor, "organizer", "expert")
    return store.run(questions.import_questions, actor, contest, file, files.parse(file, questions.COLUMNS))


# --- disqualification (SPEC 6) -------------------------------------------------------------------

def _refuse_if_awards_change(awards, contest, facts, reinstate):
    """Conflict `award_set_approved`, naming the sets, when awards says an approved set of the
    contest names the person or their unit's standing may change (revoke it first, SPEC 6).
    Awards not answering is a 503: the change waits rather than slip past an approved result."""
    affected = awards.disqualification_conflicts(contest, facts["contestant_id"], facts["unit_code"],
                                                 facts["rounds"], reinstate)
    if affected:
        names = ", ".join(_set_name(s) for s in affected)
        raise err(Conflict, "award_set_approved", message("award_set_approved", sets=names))


def _set_name(award_set):
    kind = {"weekly": "giải tuần", "video": "giải video clip", "collective": "giải tập thể"}.get(
        award_set.get("kind"), award_set.get("kind"))
    return f"{kind} tuần thi thứ {award_set['round']}" if award_set.get("round") else kind


def disqualify(store, awards, actor, contest, contestant_id, reason):
    """Check (404, 409), ask awards whether an approved set stands in the way, then disqualify in
    one unit of work (audit entry and event with it)."""
    facts = store.read(contestants.change_facts, actor, contest, contestant_id, reason)
    _refuse_if_awards_change(awards, contest, facts, reinstate=False)
    return store.run(contestants.disqualify, actor, contest, contestant_id, reason)


def reinstate(store, awards, actor, contest, contestant_id, reason):
    facts = store.read(contestants.change_facts, actor, contest, contestant_id, reason, reinstate=True)
    _refuse_if_awards_change(awards, contest, facts, reinstate=True)
    return store.run(contestants.reinstate, actor, contest, contestant_id, reason)
