"""Start and submit wait RUSH_RPC_TIMEOUT_S (longer than other calls): when a round opens or
closes, thousands of them queue up in front of quiz, and a 503 for queued work helps nobody."""
from fastapi.testclient import TestClient

from gateway import config
from gateway.deps import get_rpc
from gateway.main import create_app
from tests.gateway.conftest import FakeRpc, bearer


class TimeoutRecorder(FakeRpc):
    async def call(self, service, method, *args, timeout=None, **kwargs):
        self.timeouts[f"{service}.{method}"] = timeout
        return await super().call(service, method, *args, timeout=timeout, **kwargs)


def test_start_and_submit_wait_longer_than_other_calls():
    fake = TimeoutRecorder()
    fake.timeouts = {}
    fake.answers.update({
        "quiz.start_attempt": {"attempt_id": "a-1", "deadline": "2026-06-01T00:20:00+00:00",
                               "prediction_question": "Dự đoán?", "questions": []},
        "quiz.submit_attempt": {"attempt_id": "a-1", "status": "submitted"},
        "quiz.get_attempt": {"attempt_id": "a-1", "status": "submitted", "correct": None, "total": None,
                             "duration_ms": 1000, "submitted_at": "2026-06-01T00:01:00+00:00"},
    })
    app = create_app(rpc=fake)
    app.dependency_overrides[get_rpc] = lambda: fake
    h = bearer("contestant", user_id="c-1")
    with TestClient(app) as client:
        assert client.post("/api/v1/contests/cchc-2023/rounds/1/attempts", headers=h).status_code == 201
        assert client.post("/api/v1/attempts/a-1/submit", json={"answers": {}}, headers=h).status_code == 202
        assert client.get("/api/v1/attempts/a-1", headers=h).status_code == 200
    assert config.settings.rush_rpc_timeout_s > config.settings.rpc_timeout_s
    assert fake.timeouts["quiz.start_attempt"] == config.settings.rush_rpc_timeout_s
    assert fake.timeouts["quiz.submit_attempt"] == config.settings.rush_rpc_timeout_s
    assert fake.timeouts["quiz.get_attempt"] is None  # the client's default, RPC_TIMEOUT_S
