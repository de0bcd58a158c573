"""scripts/run_tests.py has no blind spot: what did not run fails the run.

Each test lays out a small tests/ tree of its own (real test files, run by real pytest processes)
and runs the runner's main() on it.
"""
import os
import sys
import textwrap

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "scripts"))
import run_tests  # noqa: E402

ROOT = run_tests.ROOT


@pytest.fixture
def tree(tmp_path, monkeypatch):
    """A tests/ folder inside the project (pytest runs from ROOT), removed afterwards."""
    base = tmp_path / "tests"
    base.mkdir()
    monkeypatch.setattr(run_tests, "ARTIFACTS", str(tmp_path / "artifacts"))

    def write(path, body=""):
        target = base / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(body))
        return target

    write.base = base
    return write


PASSING = """
    def test_ok():
        assert True
"""
FAULT = """
    import pytest

    @pytest.mark.fault
    def test_kills_something():
        assert True
"""


def run(tree, capsys, *args):
    code = run_tests.main(["--tests-dir", str(tree.base), *args, "-p", "no:cacheprovider"])
    return code, capsys.readouterr().out


def test_a_green_tree_passes_and_the_total_counts_each_layer(tree, capsys):
    tree("alpha/test_a.py", PASSING)
    tree("beta/test_b.py", PASSING + FAULT)
    code, out = run(tree, capsys)
    assert code == 0, out
    assert "Ran per layer: alpha 1, beta 2" in out
    assert out.strip().splitlines()[-1] == "Total: 3 passed, 0 failed, 0 skipped"


def test_a_new_folder_is_a_layer_without_being_listed(tree, capsys):
    tree("alpha/test_a.py", PASSING)
    tree("zeta_new/test_z.py", "def test_fails():\n    assert False\n")
    code, out = run(tree, capsys)
    assert code == 1
    assert "zeta_new" in out and "1 failed" in out


def test_a_layer_folder_without_test_files_fails_the_run(tree, capsys):
    tree("alpha/test_a.py", PASSING)
    tree("emptied/__init__.py")
    code, out = run(tree, capsys)
    assert code == 1
    assert "no test files in the layer folder" in out


def test_a_fault_test_that_is_not_collected_fails_the_run(tree, capsys):
    tree("alpha/test_a.py", PASSING)
    # Marked `fault`, but its file fails to import: pytest collects nothing in the fault phase.
    tree("alpha/test_broken_fault.py", "import no_such_module_here\n" + textwrap.dedent(FAULT))
    code, out = run(tree, capsys, "--faults-only")
    assert code == 1
    assert "alpha     fault" in out and "FAILED" in out


def test_a_layer_whose_tests_all_skip_fails(tree, capsys):
    tree("alpha/test_a.py", "import pytest\n\n@pytest.mark.skip(reason='no server')\ndef test_x():\n    pass\n")
    code, out = run(tree, capsys)
    assert code == 1
    assert "nothing ran (all skipped)" in out


def test_faults_only_without_any_fault_test_fails(tree, capsys):
    tree("alpha/test_a.py", PASSING)
    code, out = run(tree, capsys, "--faults-only")
    assert code == 1
    assert "no fault test found" in out


def test_the_fault_marker_in_a_string_is_not_a_fault_test(tree, capsys):
    """This very file writes `@pytest.mark.fault` inside strings: that must not make its layer
    expect fault tests (whose phase would then collect nothing and fail)."""
    tree("alpha/test_a.py", 'SOURCE = """\n@pytest.mark.fault\ndef test_x():\n    pass\n"""\n' + textwrap.dedent(PASSING))
    code, out = run(tree, capsys)
    assert code == 0, out
    assert "alpha     fault" not in out
    assert run_tests.has_fault_tests([__file__]) is False
