"""Schemathesis against the gateway's own /openapi.json, on the real processes.

Every operation gets generated requests (valid and invalid by the schema), anonymously and as the
organizer (who passes every role check, so the generated bodies reach the services). Checks: no 5xx
(`not_a_server_error`) and every documented answer matches its schema (`response_schema_conformance`).
Bounded by FUZZ_MAX_EXAMPLES per operation and pass (default 10) so the layer stays within minutes.

Run through schemathesis' own command line (`st run`): its pytest plugin does not load under this
pytest. The report of each pass is written to tests/artifacts/schemathesis-<pass>.txt.
The organizer pass leaves POST /auth/token out: its random failed logins would count against the
per-address login limit that every test here shares (127.0.0.1).
"""
import os
import subprocess
import sys

import pytest

from tests.e2e.cluster import ARTIFACTS

MAX_EXAMPLES = os.environ.get("FUZZ_MAX_EXAMPLES", "10")
# No generated contest in roster registration mode: see fuzz_hooks.py.
HOOKS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fuzz_hooks.py")
ST = os.path.join(os.path.dirname(sys.executable), "st")


# schemathesis 4.32's coverage phase crashes on this operation's body schema (its own "Runtime
# Error", not an answer of ours): it gets the other phases only.
NO_COVERAGE_PHASE = "/api/v1/admin/contests"

# Routes that end sessions of existing accounts (see the organizer pass).
ACCOUNT_CHANGES = ("/api/v1/admin/staff/{user_id}", "/api/v1/admin/accounts/{user_id}/password-reset")


# One worker: with two threads, Python 3.11.7's AST constructor (hypothesis parses the source of
# schemathesis' filters) sometimes fails with "SystemError: AST constructor recursion depth mismatch",
# a CPython bug (python/cpython#106905) that crashed the fuzzer itself, not our API.


def run_schemathesis(cluster, name, phases, *extra):
    report = os.path.join(ARTIFACTS, f"schemathesis-{name}.txt")
    cmd = [ST, "run", f"{cluster.base_url}/openapi.json",
           "--checks", "not_a_server_error,response_schema_conformance",
           "--max-examples", MAX_EXAMPLES, "--phases", phases,
           "--seed", "20240601", "--request-timeout", "30", "--workers", "1",
           "--suppress-health-check", "all", "--generation-database", "none", *extra]
    with open(report, "w", encoding="utf-8") as out:
        # cwd: schemathesis keeps a crash cache in ./.schemathesis; under tests/artifacts, not the repo.
        proc = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, timeout=1200, cwd=ARTIFACTS,
                              env=dict(os.environ, NO_COLOR="1", SCHEMATHESIS_HOOKS=HOOKS))
    with open(report, encoding="utf-8") as fh:
        text = fh.read()
    return proc.returncode, text


@pytest.mark.parametrize("who", ["anonymous", "organizer"])
def test_generated_requests_never_break_the_api(cluster, users, who):
    extra = []
    if who == "organizer":
        extra = ["--header", f"Authorization: Bearer {users['organizer']['token']}",
                 "--exclude-path", "/api/v1/auth/token"]
        # Schemathesis reuses ids it read in answers (GET /me, GET /admin/staff): as the organizer it
        # would lock or reset the password of the shared users of every role, the organizer's own
        # included, and end their sessions for the tests after this one. tests/e2e/test_accounts.py
        # covers these two routes; the anonymous pass still fuzzes them.
        for path in ACCOUNT_CHANGES:
            extra += ["--exclude-path", path]
    runs = [run_schemathesis(cluster, who, "examples,coverage,fuzzing", "--exclude-path", NO_COVERAGE_PHASE, *extra),
            run_schemathesis(cluster, f"{who}-contests", "examples,fuzzing", "--include-path", NO_COVERAGE_PHASE,
                             *extra)]
    for code, text in runs:
        summary = text[-6000:]
        print(summary)
        assert "Tested:" in text and "generated" in text, summary  # it really ran operations
        assert code == 0, summary
