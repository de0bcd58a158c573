"""Benchmarks 1 and 2 against the docker-compose stack: the round opening and the deadline rush of N
contestants (same scenario, loads and checks as bench/rush.py), with the platform in containers as
`make compose-up` runs it (Podman here, images built from Debian/PyPI packages) instead of processes.

The stack is its own compose project (`cchc-bench`, fresh volumes, free host ports; PostgreSQL also on
a loopback port for the setup shortcut and the lost/duplicated/wrong checks), torn down at the end.
CPU per process: the containers' main processes and their children, as seen from the host.

    .venv/bin/python -m bench.compose --n 3000 --quiz 2
"""
import argparse
import os
import time

import httpx

from bench import report, scenario, targets
from bench.rush import RUSH_COLUMNS
from tests.deploy.stack import ADMIN, ARTIFACTS, Stack
from tests.s3 import free_port


class ComposeCluster:
    """What bench/scenario.py needs of a cluster, for a compose stack."""

    def __init__(self, stack, pg_port, log_dir):
        self.stack = stack
        self.base_url = stack.base_url
        self.jwt_secret = stack.values["JWT_SECRET"]
        user, password = stack.values["POSTGRES_USER"], stack.values["POSTGRES_PASSWORD"]
        self.databases = {svc: (svc, f"postgresql://{user}:{password}@127.0.0.1:{pg_port}/{svc}")
                          for svc in ("quiz", "scoring", "media", "awards")}
        self.log_dir = log_dir

    def login(self):
        resp = httpx.post(self.base_url + "/api/v1/auth/token", json={"username": ADMIN[0], "password": ADMIN[1]},
                          timeout=60)
        resp.raise_for_status()
        return resp.json()["access_token"]

    def pids(self):
        out = {}
        for c in self.stack.containers():
            if c["State"] == "running" and c["Service"] in ("gateway", "quiz", "scoring", "media", "awards", "minio"):
                pid = int(self.stack.inspect(c["Name"], "{{.State.Pid}}") or 0)
                if pid:
                    out[c["Name"].replace(f"{self.stack.project}-", "")] = pid
        return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--n", type=int, default=3000)
    p.add_argument("--duration", type=float, default=10.0)
    p.add_argument("--quiz", type=int, default=2)
    p.add_argument("--gateway-workers", type=int, default=2)
    p.add_argument("--keep", action="store_true", help="leave the stack running")
    args = p.parse_args(argv)

    log_dir = os.path.join(os.path.dirname(ARTIFACTS), "bench-compose")
    os.makedirs(log_dir, exist_ok=True)
    pg_port = free_port()
    override = os.path.join(log_dir, "compose.bench.yml")
    with open(override, "w") as fh:
        fh.write(f'services:\n  postgres:\n    ports: ["127.0.0.1:{pg_port}:5432"]\n')
    stack = Stack(project="cchc-bench", artifacts=log_dir, extra_files=[override],
                  extra_env={"GATEWAY_WORKERS": args.gateway_workers, "SEED_DEMO": "true"})
    out = {"benchmark": "compose-rush", "config": {"n": args.n, "duration_s": args.duration, "quiz": args.quiz,
                                                     "gateway_workers": args.gateway_workers, "scoring": 1,
                                                     "machine": report.machine()}}
    began = time.monotonic()
    try:
        stack.start()
        if args.quiz != 1:
            stack.up("--scale", f"quiz={args.quiz}")
        stack.wait_ready()
        print(f"compose stack up in {time.monotonic() - began:.0f} s: {stack.base_url}", flush=True)
        cluster = ComposeCluster(stack, pg_port, log_dir)
        run = scenario.setup(cluster, args.n)
        opened, papers = scenario.open_wave(cluster, run, args.duration)
        print(report.table([opened], report.WAVE_COLUMNS), flush=True)
        rushed = scenario.rush_wave(cluster, run, papers, args.duration)
    finally:
        if not args.keep:
            stack.stop()
    out.update(open=opened, rush=rushed)
    misses = targets.check_wave(opened) + targets.check_rush(rushed)
    print()
    print(report.table([opened, rushed], RUSH_COLUMNS))
    for row in (opened, rushed):
        print(f"{row['wave']}: CPU ms per successful request {row.get('cpu_ms_per_ok')}")
    out["targets_missed"] = misses
    print("targets: all met" if not misses else "targets missed:\n  " + "\n  ".join(misses))
    print("saved", report.save("compose-rush", out))
    return out


if __name__ == "__main__":
    main()
