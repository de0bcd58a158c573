"""Fixtures for the services' tests. Run them with `nameko test tests/services` (eventlet-patched)."""
import pytest

from tests import pg


@pytest.fixture
def pg_url():
    """A fresh, empty PostgreSQL database for one test."""
    name, url = pg.create_database()
    yield url
    pg.drop_database(name)


@pytest.fixture
def sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path}/test.db"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """Run a test on both supported databases."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/test.db"
    else:
        name, url = pg.create_database()
        yield url
        pg.drop_database(name)
