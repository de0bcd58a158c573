"""A service whose database is away (restart, connection refused) answers 503, not 500.

Found by the fault suite (tests/e2e/test_faults_suite.py, PostgreSQL restarted mid-submissions):
the portal retries a 503, while a 500 tells the contestant something is broken for good.
"""
from gateway.rpc_errors import RemoteError
from tests.gateway.conftest import bearer


def db_error(exc_path, value="(psycopg2.OperationalError) connection to server failed: Connection refused"):
    return RemoteError("quiz", "submit_attempt", {"exc_type": exc_path.rsplit(".", 1)[1], "exc_path": exc_path,
                                                  "exc_args": [value], "value": value})


def submit(client):
    return client.post("/api/v1/attempts/3f1c1e9e-1b7a-4a8e-9d8e-2f0e3c4b5a6d/submit",
                       json={"answers": {}}, headers=bearer("contestant"))


def test_database_unreachable_in_a_service_is_503_service_unavailable(client, fake):
    for path in ("sqlalchemy.exc.OperationalError", "sqlalchemy.exc.InterfaceError"):
        fake.answers["quiz.submit_attempt"] = db_error(path)
        resp = submit(client)
        assert resp.status_code == 503, resp.text
        body = resp.json()
        assert body["code"] == "service_unavailable" and body["service"] == "quiz"
        assert "thử lại" in body["detail"]


def test_a_same_named_class_elsewhere_is_still_a_bug(client, fake):
    fake.answers["quiz.submit_attempt"] = db_error("services.quiz.custom.OperationalError", "oops")
    resp = submit(client)
    assert resp.status_code == 500 and resp.json()["code"] == "internal_error"
