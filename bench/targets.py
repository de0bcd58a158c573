"""The targets of issue 7 on this 2-core machine, checked against a benchmark's numbers."""

P99_MS = 2000
GRADING_LAG_S = 30
BASELINE_RATIO = 0.5


def check_wave(summary):
    misses = []
    if summary["errors"]:
        misses.append(f"{summary['wave']}: {summary['errors']} errors {summary['error_kinds']}")
    if summary["p99_ms"] is None or summary["p99_ms"] >= P99_MS:
        misses.append(f"{summary['wave']}: p99 {summary['p99_ms']} ms ≥ {P99_MS} ms")
    return misses


def check_rush(summary):
    misses = check_wave(summary)
    lag = summary.get("grading_lag_s")
    if lag is None or lag >= GRADING_LAG_S:
        misses.append(f"{summary['wave']}: grading lag {lag} s ≥ {GRADING_LAG_S} s")
    for key in ("lost", "duplicated", "wrong"):
        if summary.get(key):
            misses.append(f"{summary['wave']}: {summary[key]} {key}")
    return misses


def check_ratio(ratio):
    if ratio is None or ratio < BASELINE_RATIO:
        return [f"throughput {ratio} of the baseline's < {BASELINE_RATIO}"]
    return []
