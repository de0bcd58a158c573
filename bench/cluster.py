"""The platform as real processes on a fresh RabbitMQ vhost and fresh PostgreSQL databases.

Reuses the end-to-end harness (tests/e2e/cluster.py: vhost, databases, moto, spawn, readiness,
clean-up) with what a benchmark needs on top: the number of quiz instances can change while the
cluster runs, the gateway may run several uvicorn workers, logs go to bench/out/logs/, and the
services keep their production defaults (RPC_TIMEOUT_S etc.) unless the benchmark says otherwise.
"""
import os
import time

from tests.e2e.cluster import ROOT, SERVICES, Cluster

OUT = os.path.join(ROOT, "bench", "out")


class BenchCluster(Cluster):
    def __init__(self, quiz=2, scoring=1, gateway_workers=2, extra_env=None, nice=None):
        super().__init__()
        self.nice = dict(nice or {})  # service -> niceness (lower CPU priority on a shared machine)
        self.vhost = self.vhost.replace("cchc_e2e_", "cchc_bench_")
        self.log_dir = os.path.join(OUT, "logs", time.strftime("%Y%m%d-%H%M%S") + "-" + self.vhost[-8:])
        self.instances = {"quiz": quiz, "scoring": scoring, "media": 1, "awards": 1}
        self.gateway_workers = gateway_workers
        self.extra_env = dict(extra_env or {})

    def start(self, timeout_s=180):
        os.makedirs(self.log_dir, exist_ok=True)
        self.rabbit.create_vhost(self.vhost)
        from tests import pg, s3

        for service in SERVICES:
            self.databases[service] = pg.create_database(prefix=f"cchc_bench_{service}")
        self.moto, self.s3_endpoint = s3.start_moto(log_file=os.path.join(self.log_dir, "s3.log"))
        # One instance of each first: the first start migrates and seeds; the others would only
        # wait on the start-up lock, and on 2 cores a parallel start just takes longer.
        for service in SERVICES:
            self.spawn(service, 1)
        self.spawn("gateway", 1)
        self.wait_ready(timeout_s)
        for service in SERVICES:
            self.scale(service, self.instances[service], timeout_s)
        return self

    def env(self, service, n):
        env = super().env(service, n)
        env.pop("RPC_TIMEOUT_S", None)  # the e2e harness shortens it; production default here
        env.pop("CLIP_PART_SIZE", None)
        env["LOG_LEVEL"] = "WARNING"  # an INFO line per request would cost CPU we are measuring
        env.update(self.extra_env)
        return env

    def command(self, service):
        cmd = super().command(service)
        if self.nice.get(service):
            cmd = ["nice", "-n", str(self.nice[service])] + cmd
        if service == "gateway":
            # uvicorn's own process manager: N workers share the port (the gateway is stateless).
            cmd += ["--workers", str(self.gateway_workers), "--no-access-log", "--log-level", "warning"]
        return cmd

    def running(self, service):
        return sorted(n for (s, n), p in self.procs.items() if s == service and p.poll() is None)

    def scale(self, service, count, timeout_s=120):
        """Start or stop instances until `count` run, then wait until they all consume."""
        alive = self.running(service)
        for n in range(1, count + 1):
            if n not in alive:
                self.spawn(service, n)
        for n in alive:
            if n > count:
                self.stop_service(service, n)
                del self.procs[(service, n)]
        self.instances[service] = count
        self.wait_consumers(service, count, timeout_s)

    def wait_consumers(self, service, count, timeout_s):
        deadline = time.monotonic() + timeout_s
        while True:
            for (s, n), proc in self.procs.items():
                if proc.poll() is not None:
                    raise RuntimeError(f"{s}-{n} exited with {proc.returncode}\n{self.log_tail(s, n)}")
            queues = {q["name"]: q for q in self.rabbit.queues(self.vhost)}
            consumers = (queues.get(f"rpc-{service}") or {}).get("consumers", 0)
            if consumers == count:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"rpc-{service} has {consumers} consumers, want {count}")
            time.sleep(0.5)

    def pids(self):
        """{process label: pid} of every running process (for CPU accounting with psutil)."""
        out = {f"{s}-{n}": p.pid for (s, n), p in self.procs.items() if p.poll() is None}
        if self.moto and self.moto.poll() is None:
            out["s3"] = self.moto.pid
        return out
