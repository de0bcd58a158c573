"""Benchmark 1, round opening: N contestants (already logged in) start an attempt within 10 s.

    .venv/bin/python -m bench.open --n 3000
"""
from bench import common_cli, report, scenario, targets


def main(argv=None):
    args = common_cli.parser(__doc__).parse_args(argv)
    out = {"benchmark": "open", "config": common_cli.config_of(args)}
    with common_cli.cluster_from(args) as cluster:
        run = scenario.setup(cluster, args.n, args.login, args.register)
        summary, _papers = scenario.open_wave(cluster, run, args.duration)
    out["open"] = summary
    out["targets_missed"] = misses = targets.check_wave(summary)
    print(report.table([summary], report.WAVE_COLUMNS))
    print("process CPU s during the wave:", summary["process_cpu"])
    print("CPU ms per successful request:", summary.get("cpu_ms_per_ok"))
    print("targets: all met" if not misses else "targets missed:\n  " + "\n  ".join(misses))
    print("saved", report.save("open", out))
    return out


if __name__ == "__main__":
    main()
