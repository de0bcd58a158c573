"""Benchmarks 2 and 3, deadline rush and baseline: the same N contestants submit within 10 s.

The platform is started, N contestants start an attempt (the round-opening wave, also reported),
then all submit; the grading lag is the time from the last submit's answer until every attempt
shows `graded` in quiz; lost / duplicated / wrong are checked in quiz's and scoring's databases.
Then the platform is stopped and the very same submissions go to the single-process baseline
(bench/baseline_app.py) loaded with copies of the same attempts, and the throughputs are compared.

    .venv/bin/python -m bench.rush --n 3000
"""
from bench import baseline, common_cli, report, scenario, targets

RUSH_COLUMNS = report.WAVE_COLUMNS + [("grading lag s", "grading_lag_s"), ("lost", "lost"),
                                      ("dup", "duplicated"), ("wrong", "wrong")]


def main(argv=None):
    p = common_cli.parser(__doc__)
    p.add_argument("--no-baseline", action="store_true", help="skip the baseline run")
    args = p.parse_args(argv)
    out = {"benchmark": "rush", "config": common_cli.config_of(args)}
    with common_cli.cluster_from(args) as cluster:
        run = scenario.setup(cluster, args.n, args.login, args.register)
        opened, papers = scenario.open_wave(cluster, run, args.duration)
        print(report.table([opened], report.WAVE_COLUMNS), flush=True)
        snap = None
        if not args.no_baseline:
            snap = baseline.snapshot(cluster.databases["quiz"][1], run.contest,
                                     [p["attempt_id"] for p in papers.values()], run.bank)
        rushed = scenario.rush_wave(cluster, run, papers, args.duration)
        log_dir, secret = cluster.log_dir, cluster.jwt_secret
    out.update(open=opened, rush=rushed)
    rows = [opened, rushed]
    misses = targets.check_wave(opened) + targets.check_rush(rushed)
    if snap is not None:
        requests, expected = scenario.submissions(run, papers)
        base = baseline.Baseline(secret, log_dir)
        try:
            base.start()
            base.load(snap)
            based = baseline.rush(base, requests, expected, args.duration)
        finally:
            base.stop()
        out["baseline"] = based
        rows.append(based)
        ratio = round(rushed["ok_per_s"] / based["ok_per_s"], 2) if rushed["ok_per_s"] and based["ok_per_s"] else None
        out["throughput_ratio_vs_baseline"] = ratio
        misses += targets.check_ratio(ratio)
    print()
    print(report.table(rows, RUSH_COLUMNS))
    for row in rows:
        print(f"{row['wave']}: CPU ms per successful request {row.get('cpu_ms_per_ok')}, "
              f"infrastructure CPU s {row['process_cpu'].get('infra_cpu_s')}")
    if "throughput_ratio_vs_baseline" in out:
        print(f"throughput platform / baseline: {out['throughput_ratio_vs_baseline']}")
    out["targets_missed"] = misses
    print("targets: all met" if not misses else "targets missed:\n  " + "\n  ".join(misses))
    print("saved", report.save("rush", out))
    return out


if __name__ == "__main__":
    main()
