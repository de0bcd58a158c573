"""Authorization matrix: every API route × every role (and no token at all) against the real processes.

MATRIX says who may call each route (SPEC.md section 7). The routes come from the gateway app itself,
so a route added without a MATRIX entry fails `test_every_api_route_has_a_matrix_entry` and a
stale entry fails too. For each route and role:
  - allowed role: neither 401 nor 403 nor 5xx (a 404 or 422 for the made-up ids and empty bodies
    shows the request got past the role checks of the gateway and of the service);
  - any other role: 403 `forbidden`;
  - no token: 401 for a protected route, never 401/403 for a public one.
Path parameters are made up (a contest that does not exist...), so allowed calls change nothing.
"""
import uuid

import pytest
from fastapi.routing import APIRoute

from tests.security.conftest import ROLES

PUBLIC = "public"          # no token needed
ANY = "any logged-in"      # any role; the service decides what the actor may see

ORG = ("organizer",)
SETUP = ("organizer", "expert")
MONITORING = ("organizer", "monitor")
STAFF = ("organizer", "expert", "judge", "monitor")
CONTESTANT = ("contestant",)
JUDGE = ("judge",)

MATRIX = {
    # ops
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/readyz"): PUBLIC,
    ("GET", "/metrics"): PUBLIC,
    ("GET", "/api/v1/time"): PUBLIC,
    ("GET", "/api/v1/admin/system"): MONITORING,
    ("GET", "/api/v1/admin/metrics/summary"): MONITORING,
    ("POST", "/api/v1/admin/system/dead-letters/{service}/replay"): MONITORING,
    ("GET", "/api/v1/admin/contests/{contest}/rounds/{n}/question-stats"): ("organizer", "expert", "monitor"),
    ("GET", "/api/v1/admin/contests/{contest}/rounds/{n}/score-distribution"): ("organizer", "expert", "monitor"),
    # identity
    ("POST", "/api/v1/auth/token"): PUBLIC,
    ("POST", "/api/v1/contestants"): PUBLIC,
    ("GET", "/api/v1/me"): ANY,
    ("POST", "/api/v1/admin/staff"): ORG,
    ("POST", "/api/v1/admin/accounts/{user_id}/unlock"): ORG,
    ("GET", "/api/v1/admin/staff"): ORG,
    ("PATCH", "/api/v1/admin/staff/{user_id}"): ORG,
    ("POST", "/api/v1/admin/accounts/{user_id}/password-reset"): ORG,
    ("POST", "/api/v1/me/password"): ANY,
    # contests, units, questions
    ("GET", "/api/v1/contests"): PUBLIC,
    ("GET", "/api/v1/contests/{contest}"): PUBLIC,
    ("GET", "/api/v1/units"): PUBLIC,
    ("POST", "/api/v1/admin/contests"): ORG,
    ("GET", "/api/v1/admin/contests"): STAFF,  # every contest, the unlisted too (issue 16)
    ("POST", "/api/v1/admin/units/import"): SETUP,
    ("POST", "/api/v1/admin/units/{code}/roster"): ORG,  # sets a headcount: collective prizes move
    ("POST", "/api/v1/admin/contests/{contest}/questions/import"): SETUP,
    ("POST", "/api/v1/admin/contests/{contest}/exclusions"): ORG,
    ("GET", "/api/v1/admin/contests/{contest}/exclusions"): ORG,
    ("DELETE", "/api/v1/admin/contests/{contest}/exclusions/{id_number}"): ORG,
    ("GET", "/api/v1/admin/contests/{contest}/questions"): SETUP,
    ("PATCH", "/api/v1/admin/contests/{contest}/questions/{question_id}"): SETUP,
    ("POST", "/api/v1/admin/contests/{contest}/rounds/{n}/close"): ORG,
    ("PATCH", "/api/v1/admin/contests/{contest}"): ORG,
    ("GET", "/api/v1/admin/contests/{contest}/jury"): STAFF,
    ("POST", "/api/v1/admin/contests/{contest}/jury"): ORG,
    # attempts
    ("POST", "/api/v1/contests/{contest}/rounds/{n}/attempts"): CONTESTANT,
    ("GET", "/api/v1/attempts/{attempt_id}/questions"): CONTESTANT,
    ("PUT", "/api/v1/attempts/{attempt_id}/answers"): CONTESTANT,
    ("POST", "/api/v1/attempts/{attempt_id}/submit"): CONTESTANT,
    ("GET", "/api/v1/attempts/{attempt_id}"): ANY,
    ("GET", "/api/v1/attempts/{attempt_id}/review"): ANY,
    ("GET", "/api/v1/me/attempts"): ANY,
    # results
    ("GET", "/api/v1/contests/{contest}/rounds/{n}/leaderboard"): PUBLIC,
    ("GET", "/api/v1/contests/{contest}/stats/units"): PUBLIC,
    # video clips
    ("POST", "/api/v1/contests/{contest}/clips"): SETUP,
    ("POST", "/api/v1/clips/{clip_id}/complete"): SETUP,
    ("POST", "/api/v1/clips/{clip_id}/upload"): SETUP,
    ("DELETE", "/api/v1/clips/{clip_id}"): SETUP,
    ("GET", "/api/v1/clips/{clip_id}"): PUBLIC,  # published clips are public; the service hides the rest
    ("GET", "/api/v1/contests/{contest}/clips"): STAFF,
    ("POST", "/api/v1/clips/{clip_id}/scores"): JUDGE,
    ("GET", "/api/v1/judge/clips"): JUDGE,
    ("GET", "/api/v1/contests/{contest}/clip-rubric"): PUBLIC,
    ("PUT", "/api/v1/admin/contests/{contest}/clip-rubric"): ORG,
    ("POST", "/api/v1/admin/clips/{clip_id}/publish"): ORG,
    ("DELETE", "/api/v1/admin/clips/{clip_id}/publish"): ORG,
    ("GET", "/api/v1/contests/{contest}/gallery"): PUBLIC,
    # awards
    ("POST", "/api/v1/admin/contests/{contest}/awards/compute"): ORG,
    ("POST", "/api/v1/admin/award-sets/{award_set_id}/approve"): ORG,
    ("POST", "/api/v1/admin/award-sets/{award_set_id}/revoke"): ORG,
    ("GET", "/api/v1/admin/award-sets/{award_set_id}"): ORG,
    ("GET", "/api/v1/admin/contests/{contest}/award-sets"): ORG,
    ("GET", "/api/v1/contests/{contest}/awards"): PUBLIC,
    ("GET", "/api/v1/admin/contests/{contest}/awards/prizes"): ORG,
    ("PUT", "/api/v1/admin/contests/{contest}/awards/prizes"): ORG,
    ("GET", "/api/v1/admin/contests/{contest}/awards/budget"): ORG,
    ("GET", "/api/v1/admin/award-sets/{award_set_id}/decision.{fmt}"): ORG,
    ("GET", "/api/v1/admin/award-sets/{award_set_id}/certificates.zip"): ORG,
    ("GET", "/api/v1/admin/award-sets/{award_set_id}/certificates/{index}.pdf"): ORG,
    ("GET", "/api/v1/admin/contests/{contest}/report.{fmt}"): ORG,
    # contestants and disqualification (SPEC 6): organizers only
    ("GET", "/api/v1/admin/contestants"): ORG,
    ("POST", "/api/v1/admin/contests/{contest}/disqualifications"): ORG,
    ("GET", "/api/v1/admin/contests/{contest}/disqualifications"): ORG,
    ("DELETE", "/api/v1/admin/contests/{contest}/disqualifications/{contestant_id}"): ORG,
    # audit log (SPEC 6): organizers and monitors
    ("GET", "/api/v1/admin/audit"): MONITORING,
    ("GET", "/api/v1/admin/audit/verify"): MONITORING,
    ("GET", "/api/v1/admin/audit.xlsx"): MONITORING,
}

# Made-up values: nothing of these exists, so an allowed call finds nothing to change.
PATH_VALUES = {"contest": "khong-ton-tai-sec", "n": "1", "attempt_id": str(uuid.uuid4()),
               "clip_id": str(uuid.uuid4()), "award_set_id": str(uuid.uuid4()), "fmt": "pdf", "index": "1",
               "user_id": str(uuid.uuid4()), "contestant_id": uuid.uuid4().hex,
               "question_id": uuid.uuid4().hex, "id_number": "046099999999",
               "code": "KHONG-TON-TAI-SEC",
               "service": "awards"}  # awards handles no events: its dead-letter queue stays empty


def _routes(routes):
    """Every APIRoute of the app, through FastAPI's included-router wrappers (0.11x–0.16x)."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from _routes(inner.routes)
        elif isinstance(route, APIRoute):
            yield route


def app_api_routes():
    from gateway.main import app

    found = set()
    for route in _routes(app.routes):
        # Portal pages (HTML shells that load their data through /api/v1) are checked in
        # test_http_hardening.py; everything that returns data is here.
        if route.path.startswith("/api/") or route.path in ("/healthz", "/readyz", "/metrics"):
            for method in route.methods - {"HEAD"}:
                found.add((method, route.path))
    return found


def test_every_api_route_has_a_matrix_entry():
    routes = app_api_routes()
    assert routes, "no route found: the app's route layout changed"
    missing = sorted(routes - MATRIX.keys())
    stale = sorted(MATRIX.keys() - routes)
    assert not missing, f"routes without an authorization entry (add them to MATRIX): {missing}"
    assert not stale, f"MATRIX entries for routes that no longer exist: {stale}"


def request(cluster, method, path, headers):
    url = path.format(**PATH_VALUES)
    kwargs = {"headers": headers}
    if path.endswith(("/import", "/roster")):
        kwargs["files"] = {"file": ("kiem-thu.csv", b"code,name\n", "text/csv")}
    elif method in ("POST", "PUT", "PATCH"):
        kwargs["json"] = {}
    return cluster.http.request(method, url, **kwargs)


CASES = [(method, path, role) for (method, path) in sorted(MATRIX) for role in (None,) + ROLES]


@pytest.mark.parametrize("method,path,role", CASES,
                         ids=[f"{m} {p} as {r or 'anonymous'}" for m, p, r in CASES])
def test_route_answers_each_role_as_the_matrix_says(cluster, users, method, path, role):
    allowed = MATRIX[(method, path)]
    headers = users[role]["headers"] if role else {}
    resp = request(cluster, method, path, headers)
    where = f"{method} {path} as {role or 'anonymous'}: {resp.status_code} {resp.text[:300]}"
    assert resp.status_code < 500, where
    if allowed == PUBLIC or (role and (allowed == ANY or role in allowed)):
        assert resp.status_code not in (401, 403), where
    elif role is None:
        assert resp.status_code == 401, where
        assert resp.json()["code"] == "not_authenticated", where
        assert resp.headers.get("www-authenticate", "").lower().startswith("bearer"), where
    else:
        assert resp.status_code == 403, where
        body = resp.json()
        assert body["code"] == "forbidden" and "quyền" in body["detail"], where
