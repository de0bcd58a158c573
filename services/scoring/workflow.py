"""What each event handler and the timer do, step by step, across transactions.

The domain functions each run inside one transaction; this module strings them together with the
things around a transaction: fetching missing keys from quiz, publishing the outbox rows after the
commit, and finalizing a round once its last grade is in. Dependencies come in as arguments
(`db`: common.db.Database, `dispatch`: nameko EventDispatcher, `fetch_keys`: contest -> keys), so
the steps can be read and tested without nameko.
"""
import logging

import eventlet
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError

from common import outbox
from services.scoring import config, domain, metrics, schemas
from services.scoring.errors import KeysStillMissing
from services.scoring.models import GradedAttempt, Outbox

log = logging.getLogger(__name__)


def parse(model, payload):
    """Validate an event payload. A malformed event can never succeed, so requeueing it would
    loop forever: it is logged in full (to be replayed by hand once fixed) and dropped."""
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        log.error("dropping malformed %s event: %s; payload=%r", model.__name__, exc, payload)
        return None


def bank_changed(db, payload):
    event = parse(schemas.BankChanged, payload)
    if event is None:
        return 0
    with db.session() as session:
        changed = domain.store_keys(session, event.contest, event.keys)
    log.info("answer keys of %s: %d added or changed", event.contest, changed)
    return changed


def _grade_once(db, event):
    """(outbox ids, round status). The status is read in the grading transaction itself, which
    saves a transaction per grade, and before the grade's INSERTs, which end the transaction; a
    round closed concurrently is still ranked by `tick`."""
    try:
        with db.session() as session:
            status = domain.round_status(session, event.contest, event.round)
            return domain.grade_attempt(session, event), status
    except IntegrityError:
        # Another instance graded the same attempt between our check and our commit.
        with db.session() as session:
            if session.get(GradedAttempt, event.attempt_id) is not None:
                return [], domain.round_status(session, event.contest, event.round)
        raise


def grade(db, event, fetch_keys):
    """Grade, fetching the contest's keys from quiz once if our copy lacks some; returns
    (outbox ids, round status as domain.round_status).

    Raises (so the message is requeued) when quiz cannot be reached or still lacks a key.
    """
    try:
        return _grade_once(db, event)
    except domain.MissingKeys as exc:
        log.info("attempt %s: %d keys missing, fetching the keys of %s from quiz",
                 event.attempt_id, len(exc.question_ids), event.contest)
    keys = fetch_keys(event.contest)
    with db.session() as session:
        domain.store_keys(session, event.contest, keys or {})
    try:
        return _grade_once(db, event)
    except domain.MissingKeys as exc:
        log.error("attempt %s names questions quiz has no key for: %s; will retry",
                  event.attempt_id, sorted(exc.question_ids))
        eventlet.sleep(config.MISSING_KEY_RETRY_DELAY_S)
        raise KeysStillMissing(event.attempt_id, sorted(exc.question_ids)) from None


def yield_to_submissions(quiz_backlog, threshold=None, max_wait_s=None, step_s=0.25):
    """Wait while the quiz service has `threshold` or more requests queued (at most `max_wait_s`);
    returns the seconds waited. The grade comes later, never not at all: the message stays
    unacknowledged meanwhile, and after `max_wait_s` grading goes on whatever the backlog."""
    threshold = config.GRADING_YIELD_BACKLOG if threshold is None else threshold
    max_wait_s = config.GRADING_YIELD_MAX_S if max_wait_s is None else max_wait_s
    waited = 0.0
    while threshold > 0 and waited < max_wait_s and quiz_backlog() >= threshold:
        eventlet.sleep(step_s)
        waited += step_s
    if waited:
        metrics.observe_grading_yield(waited)
    return waited


def attempt_submitted(db, dispatch, fetch_keys, payload):
    event = parse(schemas.AttemptSubmitted, payload)
    if event is None:
        return
    ids, status = grade(db, event, fetch_keys)
    if ids:  # graded now (a duplicate delivery returns no ids and is not a new grade)
        metrics.observe_grading_lag(event.submitted_at, outbox.utcnow())
    outbox.publish(db, Outbox, dispatch, ids)
    if status == "pending":
        # The last grade of a closed round completes it: rank now rather than at the next tick.
        finalize(db, dispatch, event.contest, event.round)
    elif status == "final" and ids:
        # Quiz counted this round complete without this attempt; the published ranking lacks it.
        log.error("attempt %s graded after round %s/%s was ranked; the ranking does not include it",
                  event.attempt_id, event.contest, event.round)


def round_closed(db, dispatch, payload):
    event = parse(schemas.RoundClosed, payload)
    if event is None:
        return
    try:
        with db.session() as session:
            domain.record_round_closed(session, event)
    except IntegrityError:
        pass  # a competing instance recorded the same round first; that row is what we want
    finalize(db, dispatch, event.contest, event.round)


def finalize(db, dispatch, contest, n):
    try:
        with db.session() as session:
            ids = domain.try_finalize(session, contest, n)
    except IntegrityError:
        # A competing instance finalized concurrently (SQLite has no row locks to make us wait).
        log.info("round %s/%s finalized by another instance", contest, n)
        return []
    outbox.publish(db, Outbox, dispatch, ids)
    return ids


def tick(db, dispatch):
    """Timer: relay events a crash left unpublished, retry rounds still waiting for grades."""
    outbox.relay_pending(db, Outbox, dispatch)
    with db.session() as session:
        rounds = domain.pending_rounds(session)
    for contest, n in rounds:
        finalize(db, dispatch, contest, n)


def unit_stats(db, fetch_units, contest):
    domain.check_contest(contest)  # before asking quiz anything
    units = units_with_fallback(db, fetch_units)
    with db.session() as session:
        return domain.unit_stats(session, contest, units)


def units_with_fallback(db, fetch_units):
    """Headcounts from quiz (and refresh our copy); our last copy when quiz does not answer;
    None when there is no copy either (the stats then show unknown headcounts)."""
    try:
        units = fetch_units()
    except Exception:
        log.warning("quiz.list_units failed; using the last known units", exc_info=True)
        with db.session() as session:
            return domain.load_units(session) or None
    with db.session() as session:
        domain.store_units(session, units)
    return units
