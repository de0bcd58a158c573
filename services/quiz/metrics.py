"""Prometheus metrics of the quiz service (served by common.metrics' exporter, METRICS_PORT)."""
from prometheus_client import Gauge
from sqlalchemy import func, select

from services.quiz.models import Attempt

# Set by every instance's sweep from the shared database, so all instances report the same
# figure: dashboards take max() over instances, never sum().
ATTEMPTS_IN_PROGRESS = Gauge(
    "cchc_quiz_attempts_in_progress", "Attempts started and not yet submitted, per contest", ["contest"])


def count_in_progress(session):
    """{contest: attempts in progress}; one query on the partial index of in-progress attempts."""
    rows = session.execute(select(Attempt.contest_code, func.count())
                           .where(Attempt.status == "in_progress").group_by(Attempt.contest_code))
    return dict(rows.all())


def set_in_progress(counts):
    ATTEMPTS_IN_PROGRESS.clear()  # a contest with none left reports nothing rather than a stale value
    for contest, n in counts.items():
        ATTEMPTS_IN_PROGRESS.labels(contest).set(n)


# Per instance (dashboards sum them): attempt_submitted events held in memory during a rush, sent
# once it is over (services/quiz/workflow.py).
EVENTS_HELD = Gauge("cchc_quiz_events_held", "attempt_submitted events held while quiz is in a rush")


def set_held(n):
    EVENTS_HELD.set(n)
