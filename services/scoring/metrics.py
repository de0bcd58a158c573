"""Prometheus metrics of the scoring service (served by common.metrics' exporter, METRICS_PORT)."""
from prometheus_client import Histogram

from common.time import as_utc

# graded_at − submitted_at: how long a contestant waits for a grade. Normally well under a second;
# minutes mean scoring is down or behind (the queue backs up), which the alert rules watch.
GRADING_LAG = Histogram(
    "cchc_scoring_grading_lag_seconds", "Time from an attempt's submission to its grade",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800),
)


def observe_grading_lag(submitted_at, graded_at):
    GRADING_LAG.observe(max(0.0, (graded_at - as_utc(submitted_at)).total_seconds()))
