"""The compose layer: one docker-compose.yml stack per session (tests/deploy/stack.py), brought up
from nothing the way `make compose-up` does. Needs a Docker engine, or root to set up Podman (CI).

Logs: tests/artifacts/deploy/ (compose-logs.txt, compose-script.log, ledger-*.txt, timings.json).
"""
import json
import os
import shutil

import pytest

from tests.deploy.stack import ARTIFACTS, Stack


@pytest.fixture(scope="session")
def stack():
    if not shutil.which("docker"):
        pytest.skip("no docker CLI")
    if os.geteuid() != 0 and os.environ.get("CI") != "true":
        probe = Stack()
        try:
            probe.script.ensure_engine()
        except SystemExit as exc:
            pytest.skip(f"no container engine: {exc}")
    s = Stack()
    try:
        s.start()
        yield s
    finally:
        with open(os.path.join(ARTIFACTS, "timings.json"), "w") as fh:
            json.dump(s.timings, fh, indent=1)
        print(f"\n[deploy] timings: {s.timings}")
        s.stop()
