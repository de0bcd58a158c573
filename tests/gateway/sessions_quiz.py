"""A stand-in for quiz's token checks only (`token_state`, `token_states`), for gateway tests that
run a real gateway process without the quiz service: every account stands at version 0, active, as
an account that never changed its password (tokens minted by the tests carry no `ver`, read as 0).
Started with `nameko run` on a throwaway vhost (tests/gateway/rabbit.start_service)."""
from nameko.rpc import rpc

from common import batch

STATE = {"version": 0, "active": True}


class SessionsQuiz:
    name = "quiz"

    @rpc
    def health(self):
        return {"service": self.name, "status": "ok"}

    @rpc
    def token_state(self, user_id):
        return dict(STATE)

    @rpc
    def token_states(self, calls):
        return [batch.reply(dict(STATE)) for _ in calls]
