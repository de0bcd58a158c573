"""Gateway tests run in plain asyncio: `.venv/bin/python -m pytest -p no:pytest_nameko tests/gateway`.

Route tests replace the RPC client with FakeRpc (dependency override); tests/gateway/test_rpc_client.py
and test_app_live.py use the real broker.
"""
import time

import pytest
from fastapi.testclient import TestClient

from gateway import auth, context
from gateway.deps import get_rpc
from gateway.main import create_app
from gateway.rpc_errors import RemoteError


def remote(exc_type, code, detail):
    """A RemoteError as the RPC client raises it for `common.errors.<exc_type>(code, detail)`."""
    return RemoteError("quiz", "x", {"exc_type": exc_type, "exc_path": f"common.errors.{exc_type}",
                                     "exc_args": [code, detail], "value": str((code, detail))})


class FakeRpc:
    """Answers RPC calls from a table {"service.method": value | exception | callable(*args, **kwargs)}."""

    def __init__(self):
        self.answers = {}
        self.calls = []
        self.connected = True
        self.amqp_uri = "amqp://guest:guest@127.0.0.1:5672/"
        self.queues = {}

    async def start(self, wait=0):
        pass

    async def stop(self):
        pass

    async def call(self, service, method, *args, timeout=None, **kwargs):
        key = f"{service}.{method}"
        if key == "quiz.token_state" and key not in self.answers:
            # Every token's session stands unless a test says otherwise (gateway/sessions.py);
            # not recorded, so tests that check the calls a route made see only the route's.
            return {"version": 0, "active": True}
        self.calls.append({"key": key, "args": args, "kwargs": kwargs, "request_id": context.request_id.get()})
        if key not in self.answers:
            raise AssertionError(f"unexpected RPC {key}")
        answer = self.answers[key]
        if isinstance(answer, BaseException):
            raise answer
        if callable(answer):
            return answer(*args, **kwargs)
        return answer

    async def queue_state(self, name):
        return self.queues.get(name)

    def last(self, key):
        matching = [c for c in self.calls if c["key"] == key]
        assert matching, f"{key} was not called"
        return matching[-1]


@pytest.fixture
def fake():
    return FakeRpc()


@pytest.fixture
def app(fake):
    app = create_app(rpc=fake)
    app.dependency_overrides[get_rpc] = lambda: fake
    return app


@pytest.fixture
def client(app):
    with TestClient(app) as c:
        yield c


def token_for(role, user_id="u1", unit_code="SNV", ttl_s=None, now=None):
    token, _ = auth.issue_token({"id": user_id, "role": role, "unit_code": unit_code}, ttl_s=ttl_s, now=now)
    return token


def bearer(role, **kw):
    return {"Authorization": f"Bearer {token_for(role, **kw)}"}


@pytest.fixture
def expired_headers():
    return bearer("organizer", ttl_s=60, now=time.time() - 3600)
