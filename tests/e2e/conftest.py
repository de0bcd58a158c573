"""End-to-end fixtures: the real processes, started once per test session.

Run with `.venv/bin/python -m pytest -p no:pytest_nameko tests/e2e` (never under `nameko test`: the
harness is plain blocking code plus child processes). Logs: tests/artifacts/e2e-*/<process>-<n>.log.

With E2E_BASE_URL (and E2E_ADMIN_USERNAME/E2E_ADMIN_PASSWORD) the suite runs against a platform that
is already running instead (tests/e2e/external.py, `make e2e-compose`): tests marked `local_cluster`
and the `fault` ones are skipped there.
"""
import os

import pytest

from tests.e2e import external
from tests.e2e.cluster import running_cluster
from tests.e2e.quizclient import Client

# The contest the quiz service seeds at start (SEED_DEMO, default on).
DEMO_CONTEST = os.environ.get("E2E_DEMO_CONTEST", "cchc-demo")


def pytest_configure(config):
    config.addinivalue_line("markers", "broker_restart: restarts RabbitMQ for the whole machine; runs last")
    config.addinivalue_line("markers", "local_cluster(reason): needs the harness's own cluster (its processes, "
                                       "databases or broker); skipped against E2E_BASE_URL")


def pytest_collection_modifyitems(items):
    for item in items:
        item.add_marker(pytest.mark.e2e)
        if external.BASE_URL:
            local = item.get_closest_marker("local_cluster")
            if local is not None:
                why = local.kwargs.get("reason") or (local.args[0] if local.args else "")
                item.add_marker(pytest.mark.skip(reason=f"{external.LOCAL_ONLY}: {why}" if why else external.LOCAL_ONLY))
            elif item.get_closest_marker("fault") is not None:
                item.add_marker(pytest.mark.skip(reason=f"{external.LOCAL_ONLY}: a fault test"))
    # A broker restart disturbs every process on the machine: those tests run after all others
    # (stable sort: file order is kept otherwise).
    items.sort(key=lambda item: item.get_closest_marker("broker_restart") is not None)


@pytest.fixture(scope="session")
def cluster():
    if external.BASE_URL:
        stack = external.from_env()
        yield stack
        stack.stop()
        return
    with running_cluster() as c:
        yield c


@pytest.fixture(scope="session")
def admin_headers(cluster):
    return cluster.auth()


@pytest.fixture
def demo_contest():
    return DEMO_CONTEST


@pytest.fixture(scope="module")
def client(cluster):
    """The quiz client (tests/e2e/quizclient.py) of a test module, on the cluster's gateway."""
    c = Client(cluster.base_url)
    yield c
    c.close()
