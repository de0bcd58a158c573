"""End-to-end fixtures: the real processes, started once per test session.

Run with `.venv/bin/python -m pytest -p no:pytest_nameko tests/e2e` (never under `nameko test`: the
harness is plain blocking code plus child processes). Logs: tests/artifacts/e2e-*/<process>-<n>.log.
"""
import os

import pytest

from tests.e2e.cluster import running_cluster

# The contest the quiz service seeds at start (SEED_DEMO, default on).
DEMO_CONTEST = os.environ.get("E2E_DEMO_CONTEST", "cchc-demo")


def pytest_configure(config):
    config.addinivalue_line("markers", "broker_restart: restarts RabbitMQ for the whole machine; runs last")


def pytest_collection_modifyitems(items):
    for item in items:
        item.add_marker(pytest.mark.e2e)
    # A broker restart disturbs every process on the machine: those tests run after all others
    # (stable sort: file order is kept otherwise).
    items.sort(key=lambda item: item.get_closest_marker("broker_restart") is not None)


@pytest.fixture(scope="session")
def cluster():
    with running_cluster() as c:
        yield c


@pytest.fixture(scope="session")
def admin_headers(cluster):
    return cluster.auth()


@pytest.fixture
def demo_contest():
    return DEMO_CONTEST
