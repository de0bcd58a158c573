"""Prometheus metrics of the scoring service (served by common.metrics' exporter, METRICS_PORT)."""
import datetime as dt

from prometheus_client import Histogram

# graded_at − submitted_at: how long a contestant waits for a grade. Normally well under a second;
# minutes mean scoring is down or behind (the queue backs up), which the alert rules watch.
GRADING_LAG = Histogram(
    "cchc_scoring_grading_lag_seconds", "Time from an attempt's submission to its grade",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800),
)


def observe_grading_lag(submitted_at, graded_at):
    if submitted_at.tzinfo is None:  # the event's times are UTC
        submitted_at = submitted_at.replace(tzinfo=dt.timezone.utc)
    GRADING_LAG.observe(max(0.0, (graded_at - submitted_at).total_seconds()))


# Seconds a grading waited for the quiz service's backlog to clear (workflow.yield_to_submissions).
GRADING_YIELD = Histogram(
    "cchc_scoring_grading_yield_seconds", "Time a grading waited while submissions were queued",
    buckets=(0.25, 0.5, 1, 2.5, 5, 10, 15, 30),
)


def observe_grading_yield(seconds):
    GRADING_YIELD.observe(seconds)
