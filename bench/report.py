"""Numbers of a wave, the machine they came from, tables on stdout and JSON under bench/out/."""
import json
import os
import platform
import subprocess
import time

import psutil

from bench.cluster import OUT


def percentile(values, p):
    """Nearest-rank percentile (p in 0..100) of a list; None for an empty one."""
    if not values:
        return None
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, int(round(p / 100 * len(ordered) + 0.5)) - 1))
    return ordered[k]


def summarize(wave, ok_statuses):
    """Throughput, latency percentiles (from the scheduled send time) and errors of one wave."""
    results = wave["results"]
    ok = [r for r in results if r[3] in ok_statuses]
    errors = {}
    for r in results:
        if r[3] not in ok_statuses:
            label = str(r[3]) if r[3] else r[4]
            errors[label] = errors.get(label, 0) + 1
    latencies = [r[2] - r[0] for r in ok]
    span = max((r[2] for r in ok), default=0) - min((r[0] for r in results), default=0)
    return {
        "requests": len(results),
        "ok": len(ok),
        "errors": sum(errors.values()),
        "error_kinds": errors,
        "ok_per_s": round(len(ok) / span, 1) if span > 0 else None,
        "span_s": round(span, 3),
        "p50_ms": _ms(percentile(latencies, 50)),
        "p95_ms": _ms(percentile(latencies, 95)),
        "p99_ms": _ms(percentile(latencies, 99)),
        "max_ms": _ms(max(latencies, default=None)),
        "send_lag_max_ms": _ms(max((r[1] - r[0] for r in results), default=None)),
        "max_in_flight": wave.get("max_open"),
        "generator_cpu_s": round(wave["cpu_s"], 2),
        "generator_cpu_pct_of_one_core": round(100 * wave["cpu_s"] / wave["wall_s"], 1) if wave["wall_s"] else None,
    }


def _ms(seconds):
    return None if seconds is None else round(seconds * 1000, 1)


def last_done_epoch(wave):
    return wave["t0_epoch"] + max(r[2] for r in wave["results"])


class CpuMeter:
    """CPU seconds used by a set of processes (and their children) between start() and stop()."""

    def __init__(self, pids):
        self.procs = {}
        for label, pid in pids.items():
            try:
                self.procs[label] = psutil.Process(pid)
            except psutil.NoSuchProcess:
                pass
        self.before = {}

    def _sample(self):
        out = {}
        for label, proc in self.procs.items():
            total = 0.0
            for p in [proc] + _children(proc):
                try:
                    t = p.cpu_times()
                    total += t.user + t.system
                except psutil.NoSuchProcess:
                    pass
            out[label] = total
        return out

    def start(self):
        self.before = self._sample()
        self.t = time.monotonic()
        return self

    def stop(self):
        after = self._sample()
        wall = time.monotonic() - self.t
        used = {k: round(after[k] - self.before.get(k, 0.0), 2) for k in after}
        return {"wall_s": round(wall, 2), "cpu_s": used, "total_cpu_s": round(sum(used.values()), 2)}


def _children(proc):
    try:
        return proc.children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def system_cpu_of(names=("postgres", "beam.smp")):
    """CPU seconds so far of the shared infrastructure (PostgreSQL, RabbitMQ): a rough share,
    since other users of the machine count too."""
    total = {}
    for p in psutil.process_iter(["name", "cpu_times"]):
        name = p.info["name"] or ""
        for n in names:
            if name.startswith(n) and p.info["cpu_times"]:
                total[n] = total.get(n, 0.0) + p.info["cpu_times"].user + p.info["cpu_times"].system
    return total


def machine():
    def cmd(*args):
        try:
            return subprocess.run(args, capture_output=True, text=True, timeout=10).stdout.strip()
        except Exception:
            return None

    model = None
    try:
        with open("/proc/cpuinfo") as fh:
            model = next((line.split(":", 1)[1].strip() for line in fh if line.startswith("model name")), None)
    except OSError:
        pass
    import fastapi
    import nameko  # noqa: F401
    import sqlalchemy
    import uvicorn
    from importlib.metadata import version

    return {
        "nproc": os.cpu_count(),
        "cpu_model": model,
        "ram_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "postgresql": cmd("psql", "--version"),
        "rabbitmq": cmd("rabbitmqctl", "version"),
        "nameko": version("nameko"), "fastapi": fastapi.__version__, "uvicorn": uvicorn.__version__,
        "sqlalchemy": sqlalchemy.__version__, "aiohttp": version("aiohttp"),
        "load_avg_at_start": os.getloadavg(),
    }


def save(name, data):
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, f"{name}-{time.strftime('%Y%m%d-%H%M%S')}.json")
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=2, ensure_ascii=False, default=str)
    return path


def table(rows, columns):
    """Plain text table: rows are dicts, columns [(header, key)]."""
    cells = [[h for h, _ in columns]] + [["" if r.get(k) is None else str(r.get(k)) for _, k in columns] for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(len(columns))]
    lines = []
    for j, c in enumerate(cells):
        lines.append("  ".join(v.rjust(w) if j else v.ljust(w) for v, w in zip(c, widths)))
        if j == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


WAVE_COLUMNS = [("wave", "wave"), ("N", "requests"), ("ok", "ok"), ("errors", "errors"), ("ok/s", "ok_per_s"),
                ("p50 ms", "p50_ms"), ("p95 ms", "p95_ms"), ("p99 ms", "p99_ms"), ("max ms", "max_ms"),
                ("gen CPU s", "generator_cpu_s"), ("gen CPU %", "generator_cpu_pct_of_one_core")]
