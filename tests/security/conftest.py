"""Security sweep: the real processes (tests/e2e/cluster.py), attacked from outside.

Run with `.venv/bin/python -m pytest -p no:pytest_nameko tests/security`. One cluster for the
session; one user of every role (the bootstrap organizer, an expert, a judge, a monitor created
through the API with random passwords, a registered contestant). Every secret the tests use is kept
in `secrets` so that test_zz_secrets_not_logged.py, which runs last, can grep the processes' logs
for them.
"""
import secrets as pysecrets

import pytest

from tests.e2e.cluster import running_cluster
from tests.e2e.quizclient import Client, Ids

ROLES = ("contestant", "organizer", "expert", "judge", "monitor")


def pytest_collection_modifyitems(items):
    # The log check must see every request the other tests made.
    items.sort(key=lambda item: item.get_closest_marker("last") is not None)


def pytest_configure(config):
    config.addinivalue_line("markers", "last: runs after every other security test")


@pytest.fixture(scope="session")
def cluster():
    with running_cluster() as c:
        yield c


@pytest.fixture(scope="session")
def secrets(cluster):
    """Strings that must never appear in a log: passwords, the JWT secret, issued tokens."""
    return {"jwt_secret": cluster.jwt_secret}


@pytest.fixture(scope="session")
def api(cluster):
    client = Client(cluster.base_url, timeout=60)
    yield client
    client.close()


@pytest.fixture(scope="session")
def unit_code(api):
    units = api.units().json()
    assert units, "the demo seed has units"
    return units[0]["code"]


@pytest.fixture(scope="session")
def users(api, cluster, secrets, unit_code):
    """{role: {"username", "password", "headers", "token"}} for every role."""
    admin = api.headers("admin", "admin")
    out = {"organizer": {"username": "admin", "password": "admin", "headers": admin}}
    for role in ("expert", "judge", "monitor"):
        username = f"sec{role}{pysecrets.token_hex(3)}"
        password = "Mk-" + pysecrets.token_urlsafe(18)
        id_number, _phone = Ids.next()
        resp = api.create_staff(admin, username=username, password=password, role=role,
                                full_name=f"Cán bộ kiểm thử {role}", id_number=id_number, unit_code=unit_code)
        assert resp.status_code == 201, resp.text
        out[role] = {"username": username, "password": password, "headers": api.headers(username, password)}
    password = "Mk-" + pysecrets.token_urlsafe(18)
    person = api.new_contestant(unit_code, full_name="Trần Văn Bảo Mật", password=password)
    out["contestant"] = {"username": person["phone"], "password": password, "headers": person["headers"],
                         "id": person["id"]}
    for role, user in out.items():
        user["token"] = user["headers"]["Authorization"].split(" ", 1)[1]
        if role != "organizer":  # admin/admin is the public local default, not a secret
            secrets[f"password:{role}"] = user["password"]
        secrets[f"token:{role}"] = user["token"]
    return out
