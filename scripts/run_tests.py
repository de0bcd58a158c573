"""`make test`: run every test layer in its own pytest process and sum up.

Layers differ in their event loop, so they never share a process: the services' tests run under
eventlet (`nameko test`), the gateway's and the end-to-end tests under plain pytest (asyncio).
Tests marked `fault` (they kill processes or restart the broker for the whole machine) run last.

Exit code: non-zero if any layer failed. A layer whose folder holds no test file is skipped; pytest's
exit 5 ("no tests collected") counts as a failure only for a folder that has test files.
"""
import argparse
import glob
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.dirname(sys.executable)
ARTIFACTS = os.path.join(ROOT, "tests", "artifacts")

E2E_TIMEOUT_S = os.environ.get("E2E_TEST_TIMEOUT_S", "600")

LAYERS = [
    ("services", [os.path.join(BIN, "nameko"), "test"]),
    ("gateway", [sys.executable, "-m", "pytest", "-p", "no:pytest_nameko"]),
    # A hung end-to-end test fails after E2E_TEST_TIMEOUT_S instead of eating CI's whole time limit
    # (pytest-timeout; its signal method lets the cluster fixture tear everything down).
    ("e2e", [sys.executable, "-m", "pytest", "-p", "no:pytest_nameko", f"--timeout={E2E_TIMEOUT_S}"]),
    # The portal in headless Chromium (scripts/install_browser.sh) against its own cluster.
    ("browser", [sys.executable, "-m", "pytest", "-p", "no:pytest_nameko", f"--timeout={E2E_TIMEOUT_S}"]),
    # The security sweep (authorization matrix, tokens, limits, schemathesis, logs) on its own cluster.
    ("security", [sys.executable, "-m", "pytest", "-p", "no:pytest_nameko", f"--timeout={E2E_TIMEOUT_S}"]),
]


def has_tests(folder):
    return bool(glob.glob(os.path.join(ROOT, "tests", folder, "**", "test_*.py"), recursive=True))


def run_layer(name, command, marker, extra):
    report = os.path.join(ARTIFACTS, f"junit-{name}-{'fault' if marker == 'fault' else 'main'}.xml")
    args = command + [f"tests/{name}", "-m", marker, f"--junitxml={report}"] + extra
    print(f"\n===== {name} ({marker}): {' '.join(args)}", flush=True)
    code = subprocess.call(args, cwd=ROOT)
    counts = {"passed": 0, "failed": 0, "skipped": 0}
    if os.path.exists(report):
        suite = ET.parse(report).getroot()
        suite = suite if suite.tag == "testsuite" else suite.find("testsuite")
        total = int(suite.get("tests", 0))
        failed = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
        skipped = int(suite.get("skipped", 0))
        counts = {"passed": total - failed - skipped, "failed": failed, "skipped": skipped}
    ok = code == 0 or (code == 5 and marker == "fault")  # selecting no fault test is fine
    return ok, code, counts


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--faults-only", action="store_true")
    parser.add_argument("pytest_args", nargs="*")
    opts = parser.parse_args()
    os.makedirs(ARTIFACTS, exist_ok=True)

    phases = ["fault"] if opts.faults_only else ["not fault", "fault"]
    results = []
    for marker in phases:
        for name, command in LAYERS:
            if not has_tests(name):
                print(f"\n===== {name}: no test files, skipped", flush=True)
                continue
            results.append((name, marker) + run_layer(name, command, marker, opts.pytest_args))

    print("\n===== summary")
    totals = {"passed": 0, "failed": 0, "skipped": 0}
    for name, marker, ok, code, counts in results:
        for key in totals:
            totals[key] += counts[key]
        print(f"{name:9} {marker:10} exit {code:<3} {'ok' if ok else 'FAILED'}  "
              f"{counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped")
    failed_layers = [r for r in results if not r[2]]
    print(f"Total: {totals['passed']} passed, {totals['failed']} failed, {totals['skipped']} skipped")
    return 1 if failed_layers or not results else 0


if __name__ == "__main__":
    sys.exit(main())
