"""Nameko entrypoints of the scoring service: wiring only, the steps live in workflow.py and
the logic in domain.py / ranking.py."""
from nameko.events import EventDispatcher, event_handler
from nameko.rpc import RpcProxy, rpc
from nameko.timer import timer

from common import health
from common.backlog import QueueBacklog
from common.errors import EXPECTED
from common.nameko_deps import DatabaseProvider, RequestContext
from services.scoring import config, domain, quiz_client, workflow


class ScoringService:
    name = config.SERVICE_NAME

    db = DatabaseProvider(config.database_url, config.MIGRATIONS_DIR)
    ctx = RequestContext()
    dispatch = EventDispatcher()
    quiz = RpcProxy("quiz")
    quiz_backlog = QueueBacklog("rpc-quiz")  # submissions waiting: grading yields to them

    # --- events from quiz (requeued on any failure: nothing submitted may be lost) ---

    @event_handler("quiz", "bank_changed", requeue_on_error=True)
    def on_bank_changed(self, payload):
        workflow.bank_changed(self.db, payload)

    @event_handler("quiz", "attempt_submitted", requeue_on_error=True)
    def on_attempt_submitted(self, payload):
        workflow.yield_to_submissions(self.quiz_backlog.ready)
        workflow.attempt_submitted(self.db, self.dispatch, self._fetch_keys, payload)

    @event_handler("quiz", "round_closed", requeue_on_error=True)
    def on_round_closed(self, payload):
        workflow.round_closed(self.db, self.dispatch, payload)

    @timer(interval=config.FINALIZE_INTERVAL_S)
    def tick(self):
        workflow.tick(self.db, self.dispatch)

    # --- RPC ---

    @rpc
    def health(self):
        return health.check(self.name, self.db)

    @rpc(expected_exceptions=EXPECTED)
    def get_leaderboard(self, contest, n, limit=50):
        with self.db.session() as session:
            return domain.leaderboard(session, contest, n, limit)

    @rpc(expected_exceptions=EXPECTED)
    def get_round_ranking(self, contest, n):
        with self.db.session() as session:
            return domain.round_ranking(session, contest, n)

    @rpc(expected_exceptions=EXPECTED)
    def get_grade(self, attempt_id):
        with self.db.session() as session:
            return domain.get_grade(session, attempt_id)

    @rpc(expected_exceptions=EXPECTED)
    def get_unit_stats(self, contest):
        return workflow.unit_stats(self.db, self._fetch_units, contest)

    # --- calls to quiz, each with a deadline ---

    def _fetch_keys(self, contest):
        return quiz_client.call(self.quiz.get_answer_keys, contest)

    def _fetch_units(self):
        return quiz_client.call(self.quiz.list_units)
