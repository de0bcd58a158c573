"""The docker-compose.yml stack of a test session: brought up from nothing by scripts/compose.py (the
same path as `make compose-up`) under its own project name, env file and free host ports, so it never
touches `make compose-up`'s stack or the machine's own services.

`Stack.compose(...)` runs `docker compose` on it; `psql(db, sql)` asks its PostgreSQL from inside
(not published on the host); `kill9(container)` crashes a container's main process from the host,
as a crash would (Podman treats `docker kill` as a manual stop and does not restart).
"""
import importlib.util
import json
import os
import secrets
import subprocess
import time

import httpx

from tests.s3 import free_port

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ARTIFACTS = os.path.join(os.environ.get("TEST_ARTIFACTS_DIR") or os.path.join(ROOT, "tests", "artifacts"), "deploy")
PROJECT = os.environ.get("DEPLOY_PROJECT", "cchc-deploy-test")
ADMIN = ("admin", "mật-khẩu-tổ-chức-" + secrets.token_hex(4))


def load_compose_script():
    spec = importlib.util.spec_from_file_location("cchc_compose", os.path.join(ROOT, "scripts", "compose.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Stack:
    def __init__(self, project=PROJECT, artifacts=ARTIFACTS, extra_env=None, extra_files=()):
        self.script = load_compose_script()
        self.project = project
        self.artifacts = artifacts
        self.extra_env = dict(extra_env or {})   # more lines for the env file (e.g. GATEWAY_WORKERS)
        # Waves of registrations from this one host: not throttled (REGISTRATION_MAX_PER_ADDRESS).
        self.extra_env.setdefault("REGISTRATION_EXEMPT_ADDRESSES", "0.0.0.0/0,::/0")
        # `compose.py backup` writes here (the compose file mounts it into the backup tool container).
        self.extra_env.setdefault("BACKUP_HOST_DIR", os.path.join(artifacts, "backups"))
        self.extra_files = list(extra_files)     # more compose files (e.g. the benchmark's)
        self.env_file = os.path.join(artifacts, "compose.env")
        self.env = None
        self.standins = None
        self.ports = {}
        self.timings = {}

    # --- lifecycle --------------------------------------------------------------------------------
    def script_run(self, *args, timeout=1800):
        """scripts/compose.py with this stack's env file and project name."""
        started = time.monotonic()
        with open(os.path.join(self.artifacts, "compose-script.log"), "ab") as log:
            subprocess.run(["python3", os.path.join(ROOT, "scripts", "compose.py"), *args,
                            "--env-file", self.env_file, "--project", self.project,
                            *[f"--file={f}" for f in self.extra_files]],
                           check=True, stdout=log, stderr=subprocess.STDOUT, timeout=timeout, cwd=ROOT)
        return time.monotonic() - started

    def write_env(self):
        self.ports = {"GATEWAY_PORT": free_port(), "S3_PORT": free_port(), "PROMETHEUS_PORT": free_port(),
                      "GRAFANA_PORT": free_port()}
        saved = {k: os.environ.get(k) for k in [*self.ports, "BOOTSTRAP_ADMIN_USERNAME", "BOOTSTRAP_ADMIN_PASSWORD"]}
        os.environ.update({k: str(v) for k, v in self.ports.items()})
        os.environ["BOOTSTRAP_ADMIN_USERNAME"], os.environ["BOOTSTRAP_ADMIN_PASSWORD"] = ADMIN
        try:
            if os.path.exists(self.env_file):
                os.remove(self.env_file)
            self.script.write_env(self.env_file, self.standins)
            with open(self.env_file, "a") as fh:
                fh.writelines(f"{k}={v}\n" for k, v in self.extra_env.items())
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
        self.values = self.script.read_env(self.env_file)

    def start(self):
        os.makedirs(self.artifacts, exist_ok=True)
        self.env = self.script.ensure_engine()
        self.standins = self.script.use_standins(self.env)
        started = time.monotonic()
        if self.standins:
            self.script.ensure_images()
        self.timings["images_s"] = time.monotonic() - started
        # From nothing: a previous run's containers and volumes go first.
        self.write_env()
        self.compose("down", "--volumes", "--remove-orphans", check=False)
        self.timings["up_s"] = self.script_run("up")
        return self

    def stop(self):
        self.collect_logs()
        if os.environ.get("DEPLOY_KEEP_STACK") != "1":
            self.compose("down", "--volumes", "--remove-orphans", check=False)

    def collect_logs(self):
        out = self.compose("logs", "--no-color", "--timestamps", check=False, capture=True, timeout=120)
        with open(os.path.join(self.artifacts, "compose-logs.txt"), "w", encoding="utf-8") as fh:
            fh.write(out.stdout or "")

    # --- docker compose ---------------------------------------------------------------------------
    def compose_cmd(self):
        cmd = ["docker", "compose", "--project-directory", ROOT, "-f", os.path.join(ROOT, "docker-compose.yml")]
        if self.standins:
            cmd += ["-f", os.path.join(ROOT, "deploy", "compose.local.yml")]
        for extra in self.extra_files:
            cmd += ["-f", extra]
        return cmd + ["--env-file", self.env_file, "-p", self.project]

    def compose(self, *args, check=True, capture=False, timeout=900):
        return subprocess.run(self.compose_cmd() + list(args), env=self.env, check=check, text=True,
                              capture_output=capture, timeout=timeout, cwd=ROOT)

    def up(self, *args):
        started = time.monotonic()
        out = self.compose("up", "-d", "--wait", "--wait-timeout", "600", *args, capture=True, check=False)
        if out.returncode:
            states = [(c["Name"], c["State"], c.get("Health"), c.get("Status")) for c in self.containers()]
            raise AssertionError(f"docker compose up {' '.join(args)} failed ({out.returncode}):\n"
                                 f"{out.stdout[-3000:]}\n{out.stderr[-3000:]}\n{states}")
        return time.monotonic() - started

    def docker(self, *args, check=True, timeout=120):
        return subprocess.run(["docker", *args], env=self.env, check=check, text=True, capture_output=True,
                              timeout=timeout)

    def containers(self, service=None):
        """[{Name, Service, State, Health, ExitCode}] of the project's containers (stopped ones too)."""
        args = ["ps", "-a", "--format", "json"] + ([service] if service else [])
        out = self.compose(*args, capture=True).stdout.strip()
        if not out:
            return []
        if out.startswith("["):
            return json.loads(out)
        return [json.loads(line) for line in out.splitlines() if line.strip()]

    def inspect(self, container, fmt):
        return self.docker("inspect", "-f", fmt, container).stdout.strip()

    def kill9(self, container):
        """SIGKILL the container's main process from the host: a crash, which the restart policy
        answers (Podman takes `docker kill` for a manual stop)."""
        pid = int(self.inspect(container, "{{.State.Pid}}"))
        assert pid > 0, f"{container} is not running"
        os.kill(pid, 9)
        return pid

    def restart_count(self, container):
        return int(self.inspect(container, "{{.RestartCount}}") or 0)

    def exec(self, service, *cmd, index=None, timeout=120):
        args = ["exec", "-T"] + (["--index", str(index)] if index else []) + [service, *cmd]
        return self.compose(*args, capture=True, timeout=timeout).stdout

    def psql(self, db, sql):
        """Rows (lists of strings) of `sql` run by PostgreSQL's own psql inside its container."""
        out = self.exec("postgres", "psql", "-U", self.values["POSTGRES_USER"], "-d", db, "-AtF", "\t",
                        "-v", "ON_ERROR_STOP=1", "-c", sql)
        return [line.split("\t") for line in out.splitlines() if line]

    def metrics(self, container):
        """The /metrics text of a service container (its exporter on 9100, not published)."""
        return self.docker("exec", container, "python", "-c",
                           "import urllib.request;print(urllib.request.urlopen("
                           "'http://127.0.0.1:9100/metrics', timeout=5).read().decode())").stdout

    # --- addresses ----------------------------------------------------------------------------------
    @property
    def base_url(self):
        return f"http://127.0.0.1:{self.values['GATEWAY_PORT']}"

    @property
    def portal_origin(self):
        return f"http://localhost:{self.values['GATEWAY_PORT']}"

    def wait_ready(self, timeout_s=180):
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                if httpx.get(self.base_url + "/readyz", timeout=5).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.base_url}/readyz not 200 within {timeout_s} s")
            time.sleep(1)
