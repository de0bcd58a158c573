"""What each event handler, RPC and the timer do, step by step, across transactions.

The domain functions each run inside one transaction; this module strings them together with what
lies around a transaction: fetching missing keys from quiz, and ranking a round once its last
grade is in. Dependencies come in as arguments (`db`: common.uow.Store, `quiz`: the quiz client,
common.upstream), so the steps can be read and tested without nameko.
"""
import logging

import eventlet
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError

from common.time import utcnow
from services.scoring import config, metrics, schemas
from services.scoring.domain import disqualified, grading, inputs, rounds, units
from services.scoring.errors import KeysStillMissing
from services.scoring.models import GradedAttempt

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
    changed = db.run(grading.store_keys, event.contest, event.keys)
    log.info("answer keys of %s: %d added or changed", event.contest, changed)
    return changed


def _grade_once(db, event):
    """(graded now, round status). The status is read in the grading transaction itself, which
    saves a transaction per grade, and before the grade's INSERTs, which end the transaction; a
    round closed concurrently is still ranked by `tick`."""
    try:
        with db.unit() as uow:
            status = rounds.round_status(uow.session, event.contest, event.round)
            return grading.grade_attempt(uow, event), status
    except IntegrityError:
        # Another instance graded the same attempt between our check and our commit.
        with db.session() as session:
            if session.get(GradedAttempt, event.attempt_id) is not None:
                return False, rounds.round_status(session, event.contest, event.round)
        raise


def grade(db, quiz, event):
    """Grade, fetching the contest's keys from quiz once if our copy lacks some; returns
    (graded now, round status as rounds.round_status).

    Raises (so the message is requeued) when quiz cannot be reached (UpstreamUnavailable) or still
    lacks a key (KeysStillMissing).
    """
    try:
        return _grade_once(db, event)
    except grading.MissingKeys as exc:
        log.info("attempt %s: %d keys missing, fetching the keys of %s from quiz",
                 event.attempt_id, len(exc.question_ids), event.contest)
    keys = quiz.get_answer_keys(event.contest)
    db.run(grading.store_keys, event.contest, keys or {})
    try:
        return _grade_once(db, event)
    except grading.MissingKeys as exc:
        log.error("attempt %s names questions quiz has no key for: %s; will retry",
                  event.attempt_id, sorted(exc.question_ids))
        eventlet.sleep(config.settings.missing_key_retry_delay_s)
        raise KeysStillMissing(event.attempt_id, sorted(exc.question_ids)) from None


def attempt_submitted(db, quiz, payload):
    event = parse(schemas.AttemptSubmitted, payload)
    if event is None:
        return
    graded, status = grade(db, quiz, event)
    if graded:  # a duplicate delivery is not a new grade
        metrics.observe_grading_lag(event.submitted_at, utcnow())
    if status == "pending":
        # The last grade of a closed round completes it: rank now rather than at the next tick.
        rank_round(db, event.contest, event.round)
    elif status == "final" and graded:
        # Quiz counted this round complete without this attempt; the published ranking lacks it.
        log.error("attempt %s graded after round %s/%s was ranked; the ranking does not include it",
                  event.attempt_id, event.contest, event.round)


def round_closed(db, payload):
    event = parse(schemas.RoundClosed, payload)
    if event is None:
        return
    try:
        db.run(rounds.record_round_closed, event)
    except IntegrityError:
        pass  # a competing instance recorded the same round first; that row is what we want
    rank_round(db, event.contest, event.round)


def disqualification_changed(db, payload):
    """`contestant_disqualified` / `contestant_reinstated`: update the copy and rank the contest's
    final rounds again, in one unit of work (a redelivery changes nothing)."""
    event = parse(schemas.DisqualificationChanged, payload)
    if event is None:
        return []
    return db.run(disqualified.apply, event)


def rank_round(db, contest, n):
    """Rank the round if it is complete (rounds.rank_round_if_complete); True when ranked now."""
    try:
        return db.run(rounds.rank_round_if_complete, contest, n)
    except IntegrityError:
        # A competing instance ranked it concurrently (SQLite has no row locks to make us wait).
        log.info("round %s/%s ranked by another instance", contest, n)
        return False


def tick(db):
    """Timer: relay events a crash left unpublished, rank the closed rounds still waiting."""
    db.relay()
    for contest, n in db.read(rounds.pending_rounds):
        rank_round(db, contest, n)


def unit_stats(db, quiz, contest, final_only=False):
    inputs.check_contest(contest)  # before asking quiz anything
    known = units_with_fallback(db, quiz)
    return db.read(units.unit_stats, contest, known, final_only=bool(final_only))


def units_with_fallback(db, quiz):
    """Headcounts from quiz (and refresh our copy); our last copy when quiz does not answer;
    None when there is no copy either (the stats then show unknown headcounts)."""
    try:
        listed = quiz.list_units()
    except Exception:  # quiz down, slow or failing: the statistics page still answers
        log.warning("quiz.list_units failed; using the last known units", exc_info=True)
        return db.read(units.load_units) or None
    db.run(units.store_units, listed)
    return listed
