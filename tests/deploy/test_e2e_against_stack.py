"""The project's end-to-end suite against the compose stack (issue 12): tests/e2e pointed at this
session's stack by E2E_BASE_URL (tests/e2e/external.py, what `make e2e-compose` does for `make
compose-up`'s stack), in a pytest process of its own: every test that only speaks HTTP (and to the
presigned S3 URLs) runs, about two minutes on 2 cores; the ones marked local_cluster or fault are
skipped with their reason. DEPLOY_E2E_FILES names fewer files (pytest arguments).

The stack's own .env exempts this host from the registration throttle (tests/deploy/stack.py).
Output: tests/artifacts/deploy/e2e-against-stack.txt and .xml.
"""
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

import httpx
import pytest

from tests.deploy.stack import ADMIN, ARTIFACTS, ROOT

pytestmark = pytest.mark.timeout(int(os.environ.get("DEPLOY_TEST_TIMEOUT_S", "2400")))

FILES = os.environ.get("DEPLOY_E2E_FILES", "tests/e2e").split()
# Why a test may be skipped there: it needs the harness's own cluster (tests/e2e/external.py), or it
# restarts the machine's RabbitMQ (outside CI, whichever cluster).
SKIP_REASONS = ("needs the harness's own cluster", "restarts RabbitMQ for the whole machine")


def junit_counts(path):
    suite = ET.parse(path).getroot()
    suite = suite if suite.tag == "testsuite" else suite.find("testsuite")
    skipped = [(case.get("classname"), case.get("name"), case.find("skipped").get("message", ""))
               for case in suite.iter("testcase") if case.find("skipped") is not None]
    return {"tests": int(suite.get("tests", 0)), "failed": int(suite.get("failures", 0)) + int(suite.get("errors", 0)),
            "skipped": skipped}


def contest_codes(stack):
    resp = httpx.get(stack.base_url + "/api/v1/contests", timeout=60)
    assert resp.status_code == 200, resp.text
    return {c["code"] for c in resp.json()}


def test_the_end_to_end_suite_passes_against_the_stack(stack):
    stack.wait_ready()
    before = contest_codes(stack)
    os.makedirs(ARTIFACTS, exist_ok=True)
    report = os.path.join(ARTIFACTS, "e2e-against-stack.xml")
    env = {**os.environ, "E2E_BASE_URL": stack.base_url, "E2E_ADMIN_USERNAME": ADMIN[0],
           "E2E_ADMIN_PASSWORD": ADMIN[1]}
    out = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:pytest_nameko", *FILES, "-q", "-rs",
                          "--timeout=300", f"--junitxml={report}", "-p", "no:cacheprovider"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800)
    with open(os.path.join(ARTIFACTS, "e2e-against-stack.txt"), "w", encoding="utf-8") as fh:
        fh.write(out.stdout + out.stderr)
    assert out.returncode == 0, f"tests/e2e against {stack.base_url}:\n{out.stdout[-6000:]}\n{out.stderr[-2000:]}"
    counts = junit_counts(report)
    ran = counts["tests"] - len(counts["skipped"])
    print(f"\n[deploy] tests/e2e against the stack: {ran} passed, {len(counts['skipped'])} skipped")
    assert counts["failed"] == 0 and ran > 0, counts
    # Only what needs the harness's own cluster is skipped, never a test that could run over HTTP.
    for classname, name, message in counts["skipped"]:
        assert message.startswith(SKIP_REASONS), (classname, name, message)
    # It was this stack the suite worked on (not a cluster of its own): its contests are there now.
    made = contest_codes(stack) - before
    assert {code for code in made if code.startswith("e2e-")}, sorted(made)
