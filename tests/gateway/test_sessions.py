"""The gateway's cache of token versions (gateway/sessions.py) and what the routes answer with it."""
import asyncio

import pytest

from gateway import auth
from gateway.rpc_errors import ServiceUnavailable
from gateway.sessions import TokenVersions
from tests.fakes import Clock


class Quiz:
    """quiz.token_state as a table; counts the calls."""

    def __init__(self, **states):
        self.states = states
        self.calls = 0
        self.down = False

    async def fetch(self, user_id):
        self.calls += 1
        await asyncio.sleep(0)
        if self.down:
            raise ServiceUnavailable("quiz", "timeout")
        return self.states.get(user_id, {"version": None, "active": False})


def run(coro):
    return asyncio.run(coro)


def test_a_version_is_asked_once_per_ttl():
    quiz, clock = Quiz(u1={"version": 0, "active": True}), Clock()
    cache = TokenVersions(quiz.fetch, ttl_s=5, clock=clock)

    async def scenario():
        assert await cache.valid("u1", 0)
        assert await cache.valid("u1", 0)
        assert quiz.calls == 1
        clock.now += 5.1
        assert await cache.valid("u1", 0)
        assert quiz.calls == 2

    run(scenario())


def test_concurrent_misses_of_one_account_share_one_call():
    quiz = Quiz(u1={"version": 2, "active": True})
    cache = TokenVersions(quiz.fetch, ttl_s=5, clock=Clock())

    async def scenario():
        return await asyncio.gather(*(cache.valid("u1", 2) for _ in range(20)))

    assert all(run(scenario()))
    assert quiz.calls == 1


def test_an_event_ends_the_sessions_at_once_without_a_call():
    quiz, clock = Quiz(u1={"version": 0, "active": True}), Clock()
    cache = TokenVersions(quiz.fetch, ttl_s=3600, clock=clock)

    async def scenario():
        assert await cache.valid("u1", 0)
        cache.on_event({"user_id": "u1", "version": 1, "active": True, "reason": "password_changed"})
        assert not await cache.valid("u1", 0)
        assert quiz.calls == 1
        # A late duplicate of an older bump changes nothing.
        cache.on_event({"user_id": "u1", "version": 0, "active": True})
        assert not await cache.valid("u1", 0)
        # A deactivation: no version of the account stands.
        cache.on_event({"user_id": "u1", "version": 2, "active": False})
        assert not await cache.valid("u1", 2)
        cache.on_event({"bad": "payload"})  # ignored, never raises
        calls = quiz.calls
        # Reactivated (no bump): a token of version 2 was issued after it; the entry is asked again.
        quiz.states["u1"] = {"version": 2, "active": True}
        assert await cache.valid("u1", 2)
        assert quiz.calls == calls + 1

    run(scenario())


def test_a_newer_token_than_the_cache_asks_again():
    quiz = Quiz(u1={"version": 0, "active": True})
    cache = TokenVersions(quiz.fetch, ttl_s=3600, clock=Clock())

    async def scenario():
        assert await cache.valid("u1", 0)
        quiz.states["u1"] = {"version": 1, "active": True}  # changed; this process missed the event
        assert await cache.valid("u1", 1)  # the fresh login's token
        assert quiz.calls == 2
        assert not await cache.valid("u1", 0)  # and the old one is now refused from the cache
        assert quiz.calls == 2

    run(scenario())


def test_unknown_accounts_and_cleared_cache():
    quiz = Quiz(u1={"version": 0, "active": True})
    cache = TokenVersions(quiz.fetch, ttl_s=3600, clock=Clock())

    async def scenario():
        assert not await cache.valid("ghost", 0)
        assert await cache.valid("u1", 0)
        cache.clear()  # a reconnect: events may have been missed
        assert len(cache) == 0
        assert await cache.valid("u1", 0)
        assert quiz.calls == 3

    run(scenario())


def test_quiz_down_uses_the_last_known_version_or_answers_unavailable():
    quiz, clock = Quiz(u1={"version": 3, "active": True}), Clock()
    cache = TokenVersions(quiz.fetch, ttl_s=1, clock=clock)

    async def scenario():
        assert await cache.valid("u1", 3)
        quiz.down = True
        clock.now += 2
        assert await cache.valid("u1", 3)
        assert not await cache.valid("u1", 2)
        with pytest.raises(ServiceUnavailable):
            await cache.valid("u2", 0)

    run(scenario())


def test_the_cache_stays_bounded():
    quiz = Quiz(**{f"u{i}": {"version": 0, "active": True} for i in range(10)})
    cache = TokenVersions(quiz.fetch, ttl_s=60, clock=Clock(), max_entries=4)

    async def scenario():
        for i in range(10):
            assert await cache.valid(f"u{i}", 0)
            assert len(cache) <= 4

    run(scenario())


# ---- through the app: the fake quiz answers token_state --------------------------------------
def _token(ver=0, must_change=False, user_id="u1", role="organizer"):
    return auth.issue_token({"id": user_id, "role": role, "unit_code": None, "username": "btc",
                             "token_version": ver, "must_change_password": must_change})[0]


def test_an_ended_session_answers_401_session_ended(client, fake):
    fake.answers["quiz.token_state"] = {"version": 1, "active": True}
    fake.answers["quiz.get_user"] = {"id": "u1", "role": "organizer", "full_name": "A", "unit_code": None}
    resp = client.get("/api/v1/me", headers={"Authorization": f"Bearer {_token(ver=0)}"})
    assert resp.status_code == 401 and resp.json()["code"] == "session_ended", resp.text
    assert resp.headers["www-authenticate"] == "Bearer"
    resp = client.get("/api/v1/me", headers={"Authorization": f"Bearer {_token(ver=1)}"})
    assert resp.status_code == 200, resp.text
    fake.answers["quiz.token_state"] = {"version": 1, "active": False}
    client.app.state.sessions.clear()
    resp = client.get("/api/v1/me", headers={"Authorization": f"Bearer {_token(ver=1)}"})
    assert resp.status_code == 401 and resp.json()["code"] == "session_ended"


def test_a_one_time_password_token_may_only_change_the_password(client, fake):
    fake.answers["quiz.get_user"] = {"id": "u1", "role": "organizer", "full_name": "A", "unit_code": None}
    fake.answers["quiz.change_password"] = None
    fake.answers["quiz.list_all_staff"] = []
    headers = {"Authorization": f"Bearer {_token(must_change=True)}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    resp = client.get("/api/v1/admin/staff", headers=headers)
    assert resp.status_code == 403 and resp.json()["code"] == "password_change_required"
    resp = client.post("/api/v1/me/password", headers=headers,
                       json={"current_password": "tam-thoi", "new_password": "matkhau-moi"})
    assert resp.status_code == 204, resp.text
    assert fake.last("quiz.change_password")["args"][1:] == ("tam-thoi", "matkhau-moi")


def test_login_says_must_change_password_and_the_token_carries_its_version(client, fake):
    fake.answers["quiz.token_state"] = {"version": 4, "active": True}
    fake.answers["quiz.authenticate"] = {"id": "u1", "role": "contestant", "full_name": "A", "unit_code": "SNV",
                                         "username": None, "token_version": 4, "must_change_password": True}
    body = client.post("/api/v1/auth/token", json={"username": "0912345678", "password": "x"}).json()
    assert body["must_change_password"] is True
    import jwt
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert claims["ver"] == 4 and claims["pwc"] is True
    resp = client.get("/api/v1/me/attempts", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert resp.status_code == 403 and resp.json()["code"] == "password_change_required"
    fake.answers["quiz.authenticate"] = dict(fake.answers["quiz.authenticate"], must_change_password=False)
    body = client.post("/api/v1/auth/token", json={"username": "0912345678", "password": "x"}).json()
    assert body["must_change_password"] is False
