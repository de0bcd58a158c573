"""Event payloads as quiz sends them (docs/CONTRACTS.md), for the scoring tests."""
import datetime as dt

T0 = dt.datetime(2023, 6, 1, 1, 0, tzinfo=dt.timezone.utc)
CONTEST = "cchc-2023"


def keys(n=20):
    """Every question's key is "A"."""
    return {f"q{i}": "A" for i in range(1, n + 1)}


def bank_changed(contest=CONTEST, n=20):
    return {"contest": contest, "keys": keys(n), "event_id": "ev-bank"}


def attempt(attempt_id, contestant, correct, *, total=20, round=1, unit="U1", prediction=100,
            duration_ms=600_000, at_s=0, contest=CONTEST, unanswered=0):
    """An attempt on q1..q{total}: the first `correct` right, then `unanswered` blank, rest wrong."""
    qids = [f"q{i}" for i in range(1, total + 1)]
    answers = {}
    for i, qid in enumerate(qids):
        if i < correct:
            answers[qid] = "A"
        elif i < correct + unanswered:
            continue
        else:
            answers[qid] = "B"
    submitted = T0 + dt.timedelta(seconds=at_s)
    return {
        "attempt_id": attempt_id, "contest": contest, "round": round, "contestant_id": contestant,
        "full_name": f"Nguyễn Văn {contestant}", "unit_code": unit, "question_ids": qids,
        "answers": answers, "prediction": prediction,
        "started_at": (submitted - dt.timedelta(milliseconds=duration_ms)).isoformat(),
        "submitted_at": submitted.isoformat(), "duration_ms": duration_ms, "auto_submitted": False,
        "event_id": f"ev-{attempt_id}",
    }


def round_closed(submitted_attempts, *, round=1, target="submitted_attempts", contest=CONTEST):
    return {
        "contest": contest, "round": round, "closes_at": "2023-06-07T16:59:59+00:00",
        "submitted_attempts": submitted_attempts, "prediction_target": target,
        "questions_per_attempt": 20, "event_id": f"ev-close-{round}",
    }


def dispatched(dispatch, event_type):
    """Payloads the service's EventDispatcher mock (`Store.dispatch`) was called with, for one event type."""
    return [c.args[1] for c in dispatch.call_args_list if c.args[0] == event_type]
