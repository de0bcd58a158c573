"""Secrets never reach a log: after every other security test has run (logins, failed logins,
forged tokens, fuzzing as the organizer), the log files of every process of the run are searched
for each password, the JWT secret and every token handed out.

Runs last (marker `last`, see conftest.py) so that it sees everything the session did.
"""
import glob
import os
import secrets as pysecrets

import pytest

from tests.e2e.quizclient import wait_for

pytestmark = pytest.mark.last


def read_logs(cluster):
    logs = {}
    for path in glob.glob(os.path.join(cluster.log_dir, "*.log")):
        with open(path, encoding="utf-8", errors="replace") as fh:
            logs[os.path.basename(path)] = fh.read()
    return logs


def test_no_secret_appears_in_any_log(cluster, api, users, secrets):
    # A few more ways to leak, right before reading: a failed login with a recognizable password,
    # a wrong-password login for a real user, a request with a token the gateway refuses.
    wrong = "SaiMatKhau-" + pysecrets.token_urlsafe(12)
    secrets["password:wrong"] = wrong
    assert api.token(users["judge"]["username"], wrong).status_code == 401
    assert api.token("khong-ton-tai", wrong).status_code == 401
    assert cluster.http.get("/api/v1/me", headers={"Authorization": f"Bearer {users['judge']['token']}x"}).status_code == 401
    # A one-time password and the new password that replaces it (issue 13).
    person = api.new_contestant(api.units().json()[0]["code"], password="Mk-" + pysecrets.token_urlsafe(12))
    secrets["password:contestant-old"] = person["password"]
    resp = api.http.post(f"/admin/accounts/{person['id']}/password-reset", json={"reason": "Kiểm thử nhật ký"},
                         headers=users["organizer"]["headers"])
    assert resp.status_code == 200, resp.text
    secrets["password:temporary"] = temporary = resp.json()["temporary_password"]
    pending = api.token(person["phone"], temporary)
    assert pending.status_code == 200, pending.text
    secrets["token:pending"] = pending.json()["access_token"]
    secrets["password:changed"] = changed = "Mk-" + pysecrets.token_urlsafe(12)
    resp = api.http.post("/me/password", json={"current_password": temporary, "new_password": changed},
                         headers={"Authorization": f"Bearer {pending.json()['access_token']}"})
    assert resp.status_code == 204, resp.text
    # A service logs a request's lines before it replies, the gateway its access line as it answers;
    # a marker request after those above, once its line is in the gateway's log (one process, one
    # file, in order), says every line of theirs has been written too.
    marker = f"/api/v1/log-marker-{pysecrets.token_hex(8)}"
    assert cluster.http.get(marker).status_code == 404
    wait_for(lambda: marker in read_logs(cluster).get("gateway-1.log", ""), 30)

    logs = read_logs(cluster)
    assert {"gateway-1.log", "quiz-1.log", "quiz-2.log", "scoring-1.log", "media-1.log", "awards-1.log"} <= logs.keys()
    assert sum(len(text) for text in logs.values()) > 1000, "the processes logged nothing: nothing was checked"
    assert len(secrets) >= 10, secrets.keys()  # passwords of 4 users, 5 tokens, the JWT secret, ...
    leaks = [(name, file) for name, value in secrets.items() for file, text in logs.items()
             if value and value in text]
    assert not leaks, f"secrets found in logs: {leaks}"
    # Whatever the values, bearer tokens and password fields have no business in a log line.
    for file, text in logs.items():
        assert "Bearer ey" not in text, file
        assert '"password":' not in text and "'password':" not in text, file
