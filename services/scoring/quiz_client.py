"""Calls to the quiz service with a deadline (common/upstream.py).

Silence or no connection raises QuizUnavailable: an event handler raising it gets its message
requeued, an RPC caller sees a failure.
"""
from common import upstream
from services.scoring import config
from services.scoring.errors import QuizUnavailable


def call(method, *args, timeout_s=None):
    return upstream.call("quiz", method, *args, unavailable=QuizUnavailable,
                         timeout_s=config.RPC_TIMEOUT_S if timeout_s is None else timeout_s)
