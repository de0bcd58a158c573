"""CPU cost per request of each process, at a low rate where nothing queues (for before/after
numbers of a fix on a busy machine, where latencies mean little but CPU seconds per request hold).

    .venv/bin/python -m bench.cost --n 600 --duration 20

Starts the platform, then `--repeat` times: N starts and N submits spread over `--duration` s each,
printing CPU ms per successful request of every process (and of PostgreSQL and RabbitMQ, which
other users of the machine also load).
"""
from bench import common_cli, report, scenario


def main(argv=None):
    p = common_cli.parser(__doc__)
    p.add_argument("--repeat", type=int, default=2)
    p.set_defaults(n=600, duration=20.0)
    args = p.parse_args(argv)
    rows = []
    with common_cli.cluster_from(args) as cluster:
        run = scenario.setup(cluster, args.n, args.login, args.register)
        for k in range(args.repeat):
            opened, papers = scenario.open_wave(cluster, run, args.duration)
            rushed = scenario.rush_wave(cluster, run, papers, args.duration)
            for s in (opened, rushed):
                row = {"wave": f"{s['wave']} #{k + 1}", "ok": s["ok"], "errors": s["errors"], "p50_ms": s["p50_ms"]}
                for label, ms in (s.get("cpu_ms_per_ok") or {}).items():
                    if label.startswith(("quiz", "scoring", "gateway")):
                        row[label] = ms
                infra = s["process_cpu"]["infra_cpu_s"]
                for name, short in (("postgres", "pg"), ("beam.smp", "rabbit")):
                    row[short] = round(1000 * infra.get(name, 0) / s["ok"], 2) if s["ok"] else None
                rows.append(row)
    labels = sorted({k for r in rows for k in r if k.startswith(("quiz", "scoring", "gateway"))})
    cols = [("wave", "wave"), ("ok", "ok"), ("err", "errors"), ("p50 ms", "p50_ms")] + \
        [(f"{l} ms", l) for l in labels] + [("pg ms*", "pg"), ("rabbit ms*", "rabbit")]
    print(report.table(rows, cols))
    print("CPU ms per successful request; * includes other users of PostgreSQL/RabbitMQ on this machine")
    report.save("cost", {"config": common_cli.config_of(args), "rows": rows})


if __name__ == "__main__":
    main()
