"""Benchmark 4, scaling: the deadline rush with quiz ×1, ×2 and ×4 instances.

One platform and one set of N contestants (the round allows 100 attempts each): for each instance
count, quiz is scaled (instances started or stopped, then we wait until all consume `rpc-quiz`),
a fresh contest is created, every contestant starts an attempt in it (the opening wave, also
reported) and submits it (the rush).

    .venv/bin/python -m bench.scale --n 3000 --instances 1,2,4
"""
from bench import common_cli, report, scenario, targets
from bench.rush import RUSH_COLUMNS


def main(argv=None):
    p = common_cli.parser(__doc__)
    p.add_argument("--instances", default="1,2,4", help="quiz instance counts to try (1,2,4)")
    args = p.parse_args(argv)
    counts = [int(c) for c in args.instances.split(",")]
    args.quiz = counts[0]
    out = {"benchmark": "scale", "config": common_cli.config_of(args), "runs": []}
    rows = []
    with common_cli.cluster_from(args) as cluster:
        run = scenario.setup(cluster, args.n, args.login, args.register)
        for count in counts:
            cluster.scale("quiz", count)
            if count != counts[0]:
                scenario.fresh_contest(cluster, run)
            print(f"quiz ×{count}", flush=True)
            opened, papers = scenario.open_wave(cluster, run, args.duration)
            rushed = scenario.rush_wave(cluster, run, papers, args.duration)
            for s in (opened, rushed):
                s["quiz_instances"] = count
                s["wave"] = f"{s['wave']} quiz×{count}"
            out["runs"].append({"quiz": count, "open": opened, "rush": rushed,
                                "targets_missed": targets.check_wave(opened) + targets.check_rush(rushed)})
            rows += [opened, rushed]
            print(report.table([opened, rushed], RUSH_COLUMNS), flush=True)
    print()
    print(report.table(rows, RUSH_COLUMNS))
    for r in out["runs"]:
        quiz_cpu = sum(v for k, v in r["rush"]["process_cpu"]["cpu_s"].items() if k.startswith("quiz"))
        print(f"quiz ×{r['quiz']}: rush quiz CPU {quiz_cpu:.1f} s, all processes "
              f"{r['rush']['process_cpu']['total_cpu_s']} s in {r['rush']['process_cpu']['wall_s']} s; "
              f"targets {'met' if not r['targets_missed'] else 'missed: ' + '; '.join(r['targets_missed'])}")
    print("saved", report.save("scale", out))
    return out


if __name__ == "__main__":
    main()
