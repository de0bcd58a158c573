"""The hash-pinned lock files (`make lock`) match pyproject.toml: a dependency added, removed or
re-ranged there without `make lock` fails here, before an install (`pip install --require-hashes`)
fails on a fresh machine or in the image build."""
import os
import re
import tomllib

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# lock file -> the extras it holds on top of the project's own dependencies
LOCKS = {"requirements.lock": [], "requirements-test.lock": ["test"], "requirements-bench.lock": ["test", "bench"]}
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?==([^\s;\\]+)")


def read_lock(name):
    """{canonical name: version}; every pinned entry must carry at least one sha256 hash."""
    with open(os.path.join(ROOT, name), encoding="utf-8") as fh:
        text = fh.read()
    pins = {}
    for entry in re.split(r"\n(?=[A-Za-z0-9])", text):
        match = PIN.match(entry)
        if not match:
            continue
        assert "--hash=sha256:" in entry, f"{name}: {match.group(1)} has no hash"
        pins[canonicalize_name(match.group(1))] = match.group(3)
    return pins


def declared(extras):
    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as fh:
        project = tomllib.load(fh)["project"]
    reqs = [Requirement(r) for r in project["dependencies"]]
    for extra in extras:
        reqs += [Requirement(r) for r in project["optional-dependencies"][extra]]
    return reqs


@pytest.mark.parametrize("lock", sorted(LOCKS))
def test_lock_pins_every_declared_dependency_within_its_range(lock):
    pins = read_lock(lock)
    for req in declared(LOCKS[lock]):
        name = canonicalize_name(req.name)
        assert name in pins, f"{lock}: {req} is in pyproject.toml but not locked: run `make lock`"
        assert req.specifier.contains(pins[name], prereleases=True), \
            f"{lock}: {name}=={pins[name]} is outside {req.specifier}: run `make lock`"


def test_the_three_locks_agree():
    """One resolution: what two locks both hold has the same version in each."""
    locks = {name: read_lock(name) for name in LOCKS}
    base, test, bench = locks["requirements.lock"], locks["requirements-test.lock"], locks["requirements-bench.lock"]
    assert set(base) <= set(test) <= set(bench)
    assert all(test[n] == bench[n] for n in test) and all(base[n] == bench[n] for n in base)
