"""`make test`: run every test layer in its own pytest process and sum up.

Layers differ in their event loop, so they never share a process: the services' tests run under
eventlet (`nameko test`), every other layer under plain pytest (asyncio). Tests marked `fault` (they
kill processes or restart the broker for the whole machine) run last, in a second phase.

A layer is a folder `tests/<name>/`; every such folder is a layer, so a new one cannot be forgotten.
No blind spot is green:
- a layer folder without a test file fails the run (an emptied folder is a lost layer, not a pass);
- pytest's exit 5 ("no tests collected") fails the run in either phase, except in the fault phase for
  a layer that has no `fault` test at all (checked by looking for the marker in its files), and
  `--faults-only` needs at least one fault test somewhere;
- the final `Total:` line counts what ran, layer by layer.
"""
import argparse
import glob
import os
import ast
import subprocess
import sys
import xml.etree.ElementTree as ET

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.dirname(sys.executable)
ARTIFACTS = os.environ.get("TEST_ARTIFACTS_DIR") or os.path.join(ROOT, "tests", "artifacts")

E2E_TIMEOUT_S = os.environ.get("E2E_TEST_TIMEOUT_S", "600")

PYTEST = [sys.executable, "-m", "pytest", "-p", "no:pytest_nameko"]
# Layers that need something other than plain pytest; every other tests/<dir> runs with PYTEST plus a
# per-test timeout, so a hung test fails after E2E_TEST_TIMEOUT_S instead of eating CI's whole time
# limit (pytest-timeout's signal method lets a cluster fixture tear everything down).
COMMANDS = {
    "services": [os.path.join(BIN, "nameko"), "test"],  # eventlet
    "gateway": PYTEST,
}
# The order layers run in: quick ones first, so a broken build fails early. Unknown layers run last.
ORDER = ["services", "gateway", "e2e", "browser", "security"]


def discover(tests_dir):
    """Every folder of tests/ that is a Python package or holds a test file, in ORDER first."""
    names = [n for n in sorted(os.listdir(tests_dir))
             if os.path.isdir(os.path.join(tests_dir, n)) and not n.startswith((".", "_"))
             and n != "artifacts"]
    return sorted(names, key=lambda n: (ORDER.index(n) if n in ORDER else len(ORDER), n))


def test_files(tests_dir, name):
    return glob.glob(os.path.join(tests_dir, name, "**", "test_*.py"), recursive=True)


def has_fault_tests(files):
    """Whether any of these files marks a test `fault` (`pytest.mark.fault` in its code; the words
    in a string or a comment do not count). A file Python cannot parse counts as having one: its
    fault phase then runs and fails loudly instead of being skipped."""
    for path in files:
        with open(path, encoding="utf-8") as fh:
            try:
                tree = ast.parse(fh.read(), path)
            except SyntaxError:
                return True
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and node.attr == "fault"
                    and isinstance(node.value, ast.Attribute) and node.value.attr == "mark"):
                return True
    return False


def command(name):
    return COMMANDS.get(name) or PYTEST + [f"--timeout={E2E_TIMEOUT_S}"]


def read_report(report):
    counts = {"passed": 0, "failed": 0, "skipped": 0}
    if os.path.exists(report):
        suite = ET.parse(report).getroot()
        suite = suite if suite.tag == "testsuite" else suite.find("testsuite")
        total = int(suite.get("tests", 0))
        failed = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
        skipped = int(suite.get("skipped", 0))
        counts = {"passed": total - failed - skipped, "failed": failed, "skipped": skipped}
    return counts


def judge(code, marker, counts, fault_tests_expected):
    """(ok, why) for a layer's exit code and counts."""
    if code == 5:
        if marker == "fault" and not fault_tests_expected:
            return True, "no fault test in this layer"
        return False, "no test collected"
    if code != 0:
        return False, f"pytest exit {code}"
    if counts["passed"] + counts["failed"] == 0:
        return False, "nothing ran (all skipped)"
    return True, ""


def run_layer(tests_dir, name, marker, extra):
    report = os.path.join(ARTIFACTS, f"junit-{name}-{'fault' if marker == 'fault' else 'main'}.xml")
    if os.path.exists(report):
        os.remove(report)  # a stale report must not stand in for a run that wrote none
    folder = os.path.relpath(os.path.join(tests_dir, name), ROOT)
    args = command(name) + [folder, "-m", marker, f"--junitxml={report}"] + extra
    print(f"\n===== {name} ({marker}): {' '.join(args)}", flush=True)
    code = subprocess.call(args, cwd=ROOT)
    return code, read_report(report)


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--faults-only", action="store_true")
    parser.add_argument("--tests-dir", default=os.path.join(ROOT, "tests"), help=argparse.SUPPRESS)
    opts, opts.pytest_args = parser.parse_known_args(argv)  # the rest goes to every pytest
    os.makedirs(ARTIFACTS, exist_ok=True)

    layers = discover(opts.tests_dir)
    results = []  # (name, marker, ok, why, code, counts)
    for name in layers:
        if not test_files(opts.tests_dir, name):
            results.append((name, "-", False, "no test files in the layer folder", None,
                            {"passed": 0, "failed": 0, "skipped": 0}))
    runnable = [n for n in layers if test_files(opts.tests_dir, n)]
    phases = ["fault"] if opts.faults_only else ["not fault", "fault"]
    for marker in phases:
        for name in runnable:
            fault_expected = has_fault_tests(test_files(opts.tests_dir, name))
            if marker == "fault" and not fault_expected:
                continue  # nothing to select: no pytest process for it
            code, counts = run_layer(opts.tests_dir, name, marker, opts.pytest_args)
            ok, why = judge(code, marker, counts, fault_expected)
            results.append((name, marker, ok, why, code, counts))
    if opts.faults_only and not any(r[1] == "fault" for r in results):
        results.append(("(all)", "fault", False, "no fault test found", None,
                        {"passed": 0, "failed": 0, "skipped": 0}))

    print("\n===== summary")
    totals = {"passed": 0, "failed": 0, "skipped": 0}
    for name, marker, ok, why, code, counts in results:
        for key in totals:
            totals[key] += counts[key]
        print(f"{name:9} {marker:10} exit {'-' if code is None else code:<3} {'ok' if ok else 'FAILED'}  "
              f"{counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped"
              + (f"  ({why})" if why else ""))
    per_layer = ", ".join(f"{name} {sum(c['passed'] + c['failed'] for n, _m, _o, _w, _c, c in results if n == name)}"
                          for name in layers)
    print(f"Ran per layer: {per_layer}")
    print(f"Total: {totals['passed']} passed, {totals['failed']} failed, {totals['skipped']} skipped")
    return 1 if not results or not all(r[2] for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
