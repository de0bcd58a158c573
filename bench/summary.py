"""Markdown tables of the latest results under bench/out/ (to paste into bench/RESULTS.md).

    .venv/bin/python -m bench.summary
"""
import glob
import json
import os

from bench.cluster import OUT


def latest(name):
    files = sorted(glob.glob(os.path.join(OUT, f"{name}-*.json")))
    if not files:
        return None, None
    with open(files[-1], encoding="utf-8") as fh:
        return files[-1], json.load(fh)


def md(rows, columns):
    out = ["| " + " | ".join(h for h, _ in columns) + " |", "|" + "---|" * len(columns)]
    for r in rows:
        out.append("| " + " | ".join("" if r.get(k) is None else str(r.get(k)) for _, k in columns) + " |")
    return "\n".join(out)


COLUMNS = [("wave", "wave"), ("N", "requests"), ("ok", "ok"), ("errors", "errors"), ("ok/s", "ok_per_s"),
           ("p50 ms", "p50_ms"), ("p95 ms", "p95_ms"), ("p99 ms", "p99_ms"), ("max ms", "max_ms"),
           ("grading lag s", "grading_lag_s"), ("lost", "lost"), ("dup", "duplicated"), ("wrong", "wrong"),
           ("generator CPU s (% of a core)", "gen")]


def _row(s):
    r = dict(s)
    r["gen"] = f"{s['generator_cpu_s']} ({s['generator_cpu_pct_of_one_core']} %)"
    return r


def cpu_line(s):
    per = s.get("cpu_ms_per_ok") or {}
    groups = {}
    for label, ms in per.items():
        name = label.split("-")[0]
        if name in ("media", "awards", "s3"):
            continue
        groups[name] = round(groups.get(name, 0) + ms, 2)
    infra = s["process_cpu"].get("infra_cpu_s", {})
    ok = s["ok"] or 1
    groups["postgres*"] = round(1000 * infra.get("postgres", 0) / ok, 2)
    groups["rabbitmq*"] = round(1000 * infra.get("beam.smp", 0) / ok, 2)
    return ", ".join(f"{k} {v}" for k, v in groups.items())


def main():
    for name in ("open", "rush", "scale"):
        path, data = latest(name)
        if not data:
            continue
        print(f"\n### {name}: {os.path.basename(path)}")
        cfg = data["config"]
        print(f"config: n={cfg['n']}, duration={cfg['duration_s']} s, quiz×{cfg['quiz']}, scoring×{cfg['scoring']}, "
              f"gateway workers {cfg['gateway_workers']}, scoring nice {cfg.get('scoring_nice', 0)}, "
              f"load average at start {cfg['machine']['load_avg_at_start']}")
        if name == "scale":
            waves = [w for r in data["runs"] for w in (r["open"], r["rush"])]
        else:
            waves = [data[k] for k in ("open", "rush", "baseline") if k in data]
        print(md([_row(w) for w in waves], COLUMNS))
        print()
        for w in waves:
            print(f"- {w['wave']}: CPU ms per accepted request: {cpu_line(w)}")
        if "throughput_ratio_vs_baseline" in data:
            print(f"- throughput platform / baseline: **{data['throughput_ratio_vs_baseline']}**")
        misses = data.get("targets_missed") or [m for r in data.get("runs", []) for m in r["targets_missed"]]
        print("- targets missed: " + ("none" if not misses else "; ".join(misses)))


if __name__ == "__main__":
    main()
