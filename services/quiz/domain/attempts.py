"""Attempts: start (draw and shuffle), resume, autosave, submit, auto-submit, grading results.

Every transition out of `in_progress` is one conditional UPDATE ... WHERE status = 'in_progress'
emitted together with its `attempt_submitted` event: whoever runs it first (the contestant, the
sweep of any quiz instance, close_round) wins, the others see 0 rows and change nothing.
"""
import datetime as dt
import os
import random
import types

from sqlalchemy import bindparam, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from common import batch
from common.auth import STAFF_ROLES, require
from common.errors import Conflict, Forbidden, Invalid, NotFound
from common.time import iso, utcnow
from services.quiz.domain.contests import load_contest, load_round
from services.quiz.errors import err
from services.quiz.models import Attempt, Contest, Disqualification, Exclusion, Question, Round, User, new_id
from services.quiz.schemas import attempt_out, round_status

KEYS = ("A", "B", "C", "D")


def _fresh_rng():
    """A generator seeded with 256 bits from the OS for this one attempt: draws decide prize
    chances, so no state may be shared or guessed across attempts. (Not SystemRandom: it asks the
    OS for every bit, a few hundred system calls per start; see bench/RESULTS.md.)"""
    return random.Random(os.urandom(32))


# Option letters (issue 14, finding 8). `option_orders[qid]` lists the question's bank letters in
# the order shown. An attempt with `per_attempt_keys` labels the shown options A, B, C, D in that
# order, so the letter of the right answer differs from one attempt to the next; the server maps a
# shown letter back to the bank option on every save and submit, and stores bank letters (the
# answers, the attempt_submitted event, scoring's copy of the keys and the question statistics all
# speak bank letters). An older attempt showed the bank letters themselves: identity mapping.

def shown_to_bank(attempt, qid, shown):
    if not attempt.per_attempt_keys:
        return shown
    return attempt.option_orders[qid][KEYS.index(shown)]


def bank_to_shown(attempt, qid, bank):
    if not attempt.per_attempt_keys:
        return bank
    order = attempt.option_orders[qid]
    return KEYS[order.index(bank)] if bank in order else None


def _questions_out(attempt, questions):
    by_id = {q.id: q for q in questions}
    out = []
    for qid in attempt.question_ids:
        q = by_id[qid]
        texts = {"A": q.a, "B": q.b, "C": q.c, "D": q.d}
        order = attempt.option_orders[qid]
        labels = KEYS if attempt.per_attempt_keys else order
        out.append({"id": qid, "text": q.text,
                    "options": [{"key": label, "text": texts[bank]} for label, bank in zip(labels, order)]})
    return out


_QUESTIONS = Question.__table__
# Core statements on the table, not ORM ones: plain rows are all the hot paths read.
_PAPER_QUESTIONS = select(_QUESTIONS.c.id, _QUESTIONS.c.text, _QUESTIONS.c.a, _QUESTIONS.c.b, _QUESTIONS.c.c,
                          _QUESTIONS.c.d).where(_QUESTIONS.c.id.in_(bindparam("ids", expanding=True)))


def _paper(session, attempt, prediction_question):
    # Plain rows, not ORM objects: only these columns are read, for every start and resume.
    questions = session.execute(_PAPER_QUESTIONS, {"ids": list(attempt.question_ids)}).all()
    return {"attempt_id": attempt.id, "contest": attempt.contest_code, "round": attempt.round_n,
            "deadline": iso(attempt.deadline), "prediction_question": prediction_question,
            "questions": _questions_out(attempt, questions)}


# The statements of the hot paths are built once, with bind parameters: building a select and
# computing its cache key on every call cost more CPU than running it (thousands of starts and
# submits a second when a round opens or closes). SQLAlchemy memoizes the key per statement object.
_CONTEST_AND_ROUND = (
    select(Contest, Round).join(Round, Round.contest_code == Contest.code)
    .where(Contest.code == bindparam("contest"), Round.n == bindparam("n"))
    # FOR SHARE: starts do not block each other, but close_round (FOR UPDATE) waits for the
    # starts in flight and they for it, so no attempt can begin in a round that close_round closed.
    .with_for_update(read=True, of=Round))


def _contestant_facts_statement():
    staff = aliased(User)
    mine = (Attempt.contestant_id == User.id, Attempt.contest_code == bindparam("contest"))
    excluded = or_(
        select(staff.id).where(staff.kind == "staff", staff.id_number == User.id_number).exists(),
        select(Exclusion.id_number).where(Exclusion.id_number == User.id_number,
                                          Exclusion.contest_code == bindparam("contest")).exists())
    in_progress = select(func.count()).select_from(Attempt).where(*mine, Attempt.status == "in_progress")
    in_round = select(func.count()).select_from(Attempt).where(*mine, Attempt.round_n == bindparam("n"))
    disqualified = select(Disqualification.contestant_id).where(
        Disqualification.contest_code == bindparam("contest"), Disqualification.contestant_id == User.id,
        Disqualification.active.is_(True)).exists()
    return (select(User.kind, excluded, in_progress.scalar_subquery(), in_round.scalar_subquery(), disqualified)
            .where(User.id == bindparam("user_id")))


# (kind, excluded, attempts in progress in the contest, attempts in round n, disqualified) of a user,
# in one query.
_CONTESTANT_FACTS = _contestant_facts_statement()
_ACTIVE_QUESTION_IDS = select(_QUESTIONS.c.id).where(_QUESTIONS.c.contest_code == bindparam("contest"),
                                                     _QUESTIONS.c.active.is_(True))
_INSERT_ATTEMPT = Attempt.__table__.insert()


def _memo(session, key, load):
    """Read once per transaction what every start of a batch reads (common/batch.py: the memo is
    dropped whenever a call is rolled back to its savepoint, with the locks it took)."""
    memo = session.info.setdefault(batch.MEMO, {})
    if key not in memo:
        memo[key] = load()
    return memo[key]


def _contest_and_round(session, contest_code, n):
    """The contest and its round in one query, the round row share-locked (so, within the same
    transaction, unchanged until the commit: a batch reads it once)."""
    if not isinstance(contest_code, str) or not isinstance(n, int) or isinstance(n, bool):
        load_contest(session, contest_code)  # raises contest_not_found
        raise err(NotFound, "round_not_found")

    def load():
        row = session.execute(_CONTEST_AND_ROUND, {"contest": contest_code, "n": n}).first()
        if row is None:
            load_contest(session, contest_code)  # contest_not_found, else the round is missing
            raise err(NotFound, "round_not_found")
        return row

    return _memo(session, ("contest_and_round", contest_code, n), load)


def _contestant_facts(session, user_id, contest_code, n):
    return session.execute(_CONTESTANT_FACTS, {"user_id": user_id, "contest": contest_code, "n": n}).first()


def start_attempt(uow, actor, contest_code, n, rng=None):
    require(actor, "contestant")
    session = uow.session
    contest, rnd = _contest_and_round(session, contest_code, n)
    settings = contest.settings
    now = utcnow()
    if round_status(rnd, now) != "open":
        raise err(Conflict, "round_not_open")
    facts = _contestant_facts(session, actor["id"], contest_code, n) if isinstance(actor["id"], str) else None
    if facts is None or facts[0] != "contestant":
        raise err(Forbidden, "contestants_only")
    _kind, excluded, in_progress, in_round, disqualified = facts
    if excluded:
        raise err(Forbidden, "excluded")
    if disqualified:
        raise err(Forbidden, "disqualified")
    if in_progress:
        raise err(Conflict, "attempt_in_progress")
    if in_round >= settings["max_attempts_per_round"]:
        raise err(Conflict, "attempt_limit")
    active = _memo(session, ("active_question_ids", contest_code),
                   lambda: session.execute(_ACTIVE_QUESTION_IDS, {"contest": contest_code}).scalars().all())
    count = settings["questions_per_attempt"]
    if len(active) < count:
        raise err(Conflict, "bank_too_small")
    rng = rng or _fresh_rng()
    chosen = rng.sample(sorted(active), count)
    orders = {}
    for qid in chosen:
        order = list(KEYS)
        rng.shuffle(order)
        orders[qid] = order
    deadline = min(now + dt.timedelta(seconds=settings["time_limit_s"]), rnd.closes_at)
    row = {"id": new_id(), "contest_code": contest_code, "round_n": n, "contestant_id": actor["id"],
           "status": "in_progress", "question_ids": chosen, "option_orders": orders, "answers": {},
           "per_attempt_keys": True,
           "prediction": None, "started_at": now, "deadline": deadline,
           "submit_by": deadline + dt.timedelta(seconds=settings["grace_s"]), "auto_submitted": False}
    try:
        # A plain INSERT, not the ORM unit of work (same row, a fraction of the CPU). The partial
        # unique index stops a concurrent second start here.
        session.execute(_INSERT_ATTEMPT, row)
    except IntegrityError:
        raise err(Conflict, "attempt_in_progress")
    # The paper needs a few attributes of the new row, not an ORM object.
    return _paper(session, types.SimpleNamespace(**row), settings["prediction_question"])


def _load_own(session, actor, attempt_id, staff_may_read=False):
    require(actor)
    attempt = session.get(Attempt, attempt_id) if isinstance(attempt_id, str) else None
    if attempt is None:
        raise err(NotFound, "attempt_not_found")
    if attempt.contestant_id != actor["id"] and not (staff_may_read and actor.get("role") in STAFF_ROLES):
        raise err(Forbidden, "not_your_attempt")
    return attempt


_ATTEMPT_WITH_USER = (select(Attempt, User).outerjoin(User, User.id == Attempt.contestant_id)
                      .where(Attempt.id == bindparam("attempt_id")))


def _load_own_with_user(session, actor, attempt_id):
    """As _load_own (owner only), with the contestant's row from the same query: submit needs both,
    thousands of times in the last seconds of a round."""
    require(actor)
    row = session.execute(_ATTEMPT_WITH_USER, {"attempt_id": attempt_id}).first() \
        if isinstance(attempt_id, str) else None
    if row is None:
        raise err(NotFound, "attempt_not_found")
    if row[0].contestant_id != actor["id"]:
        raise err(Forbidden, "not_your_attempt")
    return row[0], row[1]


def resume_attempt(session, actor, attempt_id):
    """The paper of the owner's attempt in progress (page reload), with what was saved so far."""
    require(actor, "contestant")
    attempt = _load_own(session, actor, attempt_id)
    if attempt.status != "in_progress":
        raise err(Conflict, "attempt_not_in_progress")
    contest = load_contest(session, attempt.contest_code)
    paper = _paper(session, attempt, contest.settings["prediction_question"])
    # Saved as bank letters, shown as the letters of this paper.
    shown = {qid: bank_to_shown(attempt, qid, bank) for qid, bank in (attempt.answers or {}).items()}
    return {**paper, "answers": {qid: key for qid, key in shown.items() if key is not None},
            "prediction": attempt.prediction}


def _check_answers(attempt, answers, prediction):
    """The sheet as {question_id: bank letter} (the letters the contestant saw, mapped back)."""
    if answers is None:
        answers = {}
    if not isinstance(answers, dict):
        raise err(Invalid, "invalid_answers")
    allowed = set(attempt.question_ids)
    clean = {}
    for qid, key in answers.items():
        if qid not in allowed or not isinstance(key, str) or key.strip().upper() not in KEYS:
            raise err(Invalid, "invalid_answers")
        clean[qid] = shown_to_bank(attempt, qid, key.strip().upper())
    if prediction is not None and (isinstance(prediction, bool) or not isinstance(prediction, int)
                                   or not 0 <= prediction <= 10**9):
        raise err(Invalid, "invalid_prediction")
    return clean


def save_answers(uow, actor, attempt_id, answers, prediction=None):
    """Autosave: the whole answer sheet replaces the previous one (last write wins)."""
    require(actor, "contestant")
    session = uow.session
    attempt = _load_own(session, actor, attempt_id)
    clean = _check_answers(attempt, answers, prediction)
    now = utcnow()
    if attempt.status != "in_progress":
        raise err(Conflict, "attempt_not_in_progress")
    if now > attempt.submit_by:
        raise err(Conflict, "deadline_passed")
    values = {"answers": clean}
    if prediction is not None:
        values["prediction"] = prediction
    result = session.execute(
        update(Attempt)
        .where(Attempt.id == attempt.id, Attempt.status == "in_progress", Attempt.submit_by >= now)
        .values(**values)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:  # submitted by someone else in between
        raise err(Conflict, "attempt_not_in_progress")
    return {"attempt_id": attempt.id, "saved": len(clean)}


def _submitted_payload(attempt, user, answers, prediction, submitted_at, duration_ms, auto):
    return {
        "attempt_id": attempt.id, "contest": attempt.contest_code, "round": attempt.round_n,
        "contestant_id": attempt.contestant_id, "full_name": user.full_name if user else None,
        "unit_code": user.unit_code if user else None, "question_ids": list(attempt.question_ids),
        "answers": answers, "prediction": prediction, "started_at": iso(attempt.started_at),
        "submitted_at": iso(submitted_at), "duration_ms": duration_ms, "auto_submitted": auto,
    }


_ATTEMPTS = Attempt.__table__
_SUBMIT = (
    _ATTEMPTS.update()
    .where(_ATTEMPTS.c.id == bindparam("p_id"), _ATTEMPTS.c.status == "in_progress")
    .values(status="submitted", answers=bindparam("p_answers", type_=_ATTEMPTS.c.answers.type),
            prediction=bindparam("p_prediction", type_=_ATTEMPTS.c.prediction.type),
            submitted_at=bindparam("p_submitted_at", type_=_ATTEMPTS.c.submitted_at.type),
            duration_ms=bindparam("p_duration_ms", type_=_ATTEMPTS.c.duration_ms.type),
            auto_submitted=bindparam("p_auto", type_=_ATTEMPTS.c.auto_submitted.type)))


def _submit(uow, attempt, user, answers, prediction, submitted_at, auto):
    """The one transition in_progress -> submitted, announced as attempt_submitted. False if
    someone else made it first."""
    duration_ms = (submitted_at - attempt.started_at) // dt.timedelta(milliseconds=1)
    result = uow.session.execute(_SUBMIT, {"p_id": attempt.id, "p_answers": answers, "p_prediction": prediction,
                                         "p_submitted_at": submitted_at, "p_duration_ms": duration_ms,
                                         "p_auto": auto})
    if result.rowcount != 1:
        return False
    payload = _submitted_payload(attempt, user, answers, prediction, submitted_at, duration_ms, auto)
    # Our UPDATE holds the attempt's row lock already: the plain INSERT at once changes no locking.
    uow.emit("attempt_submitted", payload, immediate=True)
    return True


def submit_attempt(uow, actor, attempt_id, answers, prediction=None):
    """{attempt_id, status, deadline_passed}. Idempotent: a repeat changes nothing and answers the
    same. `deadline_passed`: the submission came after deadline + grace, so the answers autosaved
    before the deadline were submitted instead of these (committed all the same)."""
    require(actor, "contestant")
    session = uow.session
    attempt, user = _load_own_with_user(session, actor, attempt_id)
    clean = _check_answers(attempt, answers, prediction)
    if answers is None:  # no `answers` at all: the sheet autosaved so far (SPEC 3); `{}` is an empty one
        clean = dict(attempt.answers or {})
    status, auto = attempt.status, attempt.auto_submitted
    if attempt.status == "in_progress":
        now = utcnow()
        late = now > attempt.submit_by
        if late:
            # Too late: what was autosaved before the deadline is the submission.
            won = _submit(uow, attempt, user, dict(attempt.answers or {}), attempt.prediction,
                          attempt.deadline, auto=True)
        else:
            final_prediction = prediction if prediction is not None else attempt.prediction
            won = _submit(uow, attempt, user, clean, final_prediction, now, auto=False)
        if won:
            # Our UPDATE made the transition, so we know the row without reading it back.
            status, auto = "submitted", late
        else:
            session.refresh(attempt)  # the sweep or close_round submitted it just before us
            status, auto = attempt.status, attempt.auto_submitted
    return {"attempt_id": attempt.id, "status": status, "deadline_passed": bool(auto)}


def auto_submit(uow, attempts, submitted_at_of):
    """Submit the given in-progress attempts with their autosaved answers; returns how many this
    transaction submitted."""
    if not attempts:
        return 0
    users = {u.id: u for u in uow.session.scalars(
        select(User).where(User.id.in_({a.contestant_id for a in attempts})))}
    return sum(_submit(uow, attempt, users.get(attempt.contestant_id), dict(attempt.answers or {}),
                       attempt.prediction, submitted_at_of(attempt), auto=True) for attempt in attempts)


def auto_submit_expired(uow, now=None, limit=500):
    """Attempts past deadline + grace are submitted as saved, at their deadline; returns how many."""
    now = now or utcnow()
    due = uow.session.scalars(select(Attempt).where(Attempt.status == "in_progress", Attempt.submit_by < now)
                              .order_by(Attempt.submit_by).limit(limit)).all()
    return auto_submit(uow, due, lambda a: a.deadline)


_RECORD_GRADE = (
    _ATTEMPTS.update()
    .where(_ATTEMPTS.c.id == bindparam("p_id"), _ATTEMPTS.c.status.in_(("submitted", "graded")))
    .values(status="graded", correct=bindparam("p_correct", type_=_ATTEMPTS.c.correct.type),
            total=bindparam("p_total", type_=_ATTEMPTS.c.total.type)))


def record_grade(uow, attempt_id, correct, total):
    """scoring's attempt_graded. Idempotent: a repeat writes the same numbers."""
    result = uow.session.execute(_RECORD_GRADE, {"p_id": attempt_id, "p_correct": correct, "p_total": total})
    return result.rowcount == 1


def get_attempt(session, actor, attempt_id):
    return attempt_out(_load_own(session, actor, attempt_id, staff_may_read=True))


def list_attempts(session, actor):
    require(actor)
    rows = session.scalars(select(Attempt).where(Attempt.contestant_id == actor["id"])
                           .order_by(Attempt.started_at.desc())).all()
    # Each attempt says which contest it belongs to, by name too (a person may take several).
    titles = dict(session.execute(select(Contest.code, Contest.title).where(
        Contest.code.in_({a.contest_code for a in rows}))).all()) if rows else {}
    return [{**attempt_out(a), "contest_title": titles.get(a.contest_code)} for a in rows]


def _closed(rnd):
    return rnd.close_emitted and round_status(rnd, utcnow()) not in ("scheduled", "open")


def review_attempt(session, actor, attempt_id):
    """The owner's (or staff's) answer review of a finished attempt: each question with the letter
    chosen, the right letter and whether it was right, in the letters of this paper.

    Only once the round is closed: `close_emitted` (round_closed sent) means the close has passed,
    the grace too, and no attempt of the round is in progress, so no key reaches anyone who could
    still answer (409 `review_not_available` before).
    """
    attempt = _load_own(session, actor, attempt_id, staff_may_read=True)
    rnd = load_round(session, attempt.contest_code, attempt.round_n)
    if not _closed(rnd) or attempt.status == "in_progress":
        raise err(Conflict, "review_not_available")
    # The contest's `answer_review` setting (contests.DEFAULT_SETTINGS); staff see what the
    # contestants see, so that nobody reads a key out early through a staff account either.
    when = load_contest(session, attempt.contest_code).settings.get("answer_review", "after_round")
    if when == "off":
        raise err(Conflict, "review_off")
    if when == "after_contest":
        rounds = session.scalars(select(Round).where(Round.contest_code == attempt.contest_code)).all()
        if not all(_closed(r) for r in rounds):
            raise err(Conflict, "review_after_contest")
    questions = session.scalars(select(Question).where(Question.id.in_(list(attempt.question_ids)))).all()
    keys = {q.id: q.answer for q in questions}
    chosen_bank = attempt.answers or {}
    out = []
    for q in _questions_out(attempt, questions):
        chosen = chosen_bank.get(q["id"])
        right = chosen is not None and chosen == keys[q["id"]]
        out.append({**q, "chosen": bank_to_shown(attempt, q["id"], chosen) if chosen else None,
                    "correct_key": bank_to_shown(attempt, q["id"], keys[q["id"]]), "right": right})
    return {**attempt_out(attempt), "right": sum(1 for q in out if q["right"]), "questions": out}
