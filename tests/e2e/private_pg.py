"""A throwaway PostgreSQL server of our own (initdb on a free port), for the test that restarts
PostgreSQL: the machine's main server (127.0.0.1:5432) is shared with other engineers' tests and is
never restarted.

The server's data lives in a temporary folder owned by the `postgres` user (initdb refuses to run as
root); trust authentication on 127.0.0.1 only; fsync off (a crash of the *server process* is what the
test simulates, not a power cut, so durability against the OS is not under test).
"""
import contextlib
import glob
import os
import shutil
import subprocess
import tempfile

import psycopg2

from tests import pg, s3


def _pg_bin(name):
    found = shutil.which(name)
    if found:
        return found
    for candidate in sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True):
        return candidate
    raise FileNotFoundError(f"{name} not found (install PostgreSQL's server binaries)")


def available():
    try:
        _pg_bin("initdb")
        _pg_bin("pg_ctl")
        return True
    except FileNotFoundError:
        return False


class PrivatePostgres:
    def __init__(self):
        self.port = s3.free_port()
        self.dir = tempfile.mkdtemp(prefix="cchc-pg-")
        self.data = os.path.join(self.dir, "data")
        self.log = os.path.join(self.dir, "server.log")
        self.admin_url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        self._as_root = os.geteuid() == 0

    def _run(self, *args, check=True):
        cmd = list(args)
        if self._as_root:
            cmd = ["runuser", "-u", "postgres", "--"] + cmd
        return subprocess.run(cmd, check=check, capture_output=True, text=True, timeout=120)

    def start(self):
        if self._as_root:
            shutil.chown(self.dir, "postgres", "postgres")
        if not os.path.exists(self.data):
            self._run(_pg_bin("initdb"), "-D", self.data, "-A", "trust", "-U", "postgres", "--no-sync",
                      "-E", "UTF8", "--locale=C.UTF-8")
        self._ctl("start")
        return self

    def _ctl(self, action, mode=None):
        args = [_pg_bin("pg_ctl"), "-D", self.data, "-l", self.log, "-w", "-t", "60"]
        if action == "start":
            # The services' pools: 2 quiz + scoring + media + awards, each up to 20 connections.
            args += ["-o", f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 "
                           f"-c max_connections=300 -c fsync=off"]
        if mode:
            args += ["-m", mode]
        self._run(*args, action)

    def crash(self):
        """Stop as a crash would: `immediate` kills the server without a checkpoint (recovery at start)."""
        self._ctl("stop", mode="immediate")

    def restart_after_crash(self):
        self._ctl("start")

    def is_up(self):
        try:
            psycopg2.connect(self.admin_url, connect_timeout=2).close()
            return True
        except psycopg2.OperationalError:
            return False

    def destroy(self):
        self._run(_pg_bin("pg_ctl"), "-D", self.data, "-w", "stop", "-m", "immediate", check=False)
        shutil.rmtree(self.dir, ignore_errors=True)

    @contextlib.contextmanager
    def as_test_admin(self):
        """tests/pg.py creates and drops the throwaway databases here instead of on the main server."""
        saved = pg.ADMIN_URL
        pg.ADMIN_URL = self.admin_url
        try:
            yield
        finally:
            pg.ADMIN_URL = saved
