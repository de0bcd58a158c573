"""Nameko entrypoints of the scoring service: wiring only, the steps live in workflow.py and the
rules in domain/."""
from nameko.events import event_handler
from nameko.rpc import rpc
from nameko.timer import timer

from common import health
from common.errors import EXPECTED
from common.nameko_deps import RequestContext
from common.upstream import Upstream
from common.uow import StoreProvider
from services.scoring import config, workflow
from services.scoring.domain import boards
from services.scoring.models import Outbox


class ScoringService:
    name = config.SERVICE_NAME

    db = StoreProvider(config.database_url, config.MIGRATIONS_DIR, Outbox)
    ctx = RequestContext()
    quiz = Upstream("quiz", config.settings.rpc_timeout_s)

    # --- events from quiz (requeued on any failure, UpstreamUnavailable included: nothing
    # submitted may be lost) ---

    @event_handler("quiz", "bank_changed", requeue_on_error=True)
    def on_bank_changed(self, payload):
        workflow.bank_changed(self.db, payload)

    @event_handler("quiz", "attempt_submitted", requeue_on_error=True)
    def on_attempt_submitted(self, payload):
        workflow.attempt_submitted(self.db, self.quiz, payload)

    @event_handler("quiz", "round_closed", requeue_on_error=True)
    def on_round_closed(self, payload):
        workflow.round_closed(self.db, payload)

    @timer(interval=config.settings.ranking_interval_s)
    def tick(self):
        workflow.tick(self.db)

    # --- RPC ---

    @rpc
    def health(self):
        return health.check(self.name, self.db)

    @rpc(expected_exceptions=EXPECTED)
    def get_leaderboard(self, contest, n, limit=50):
        return self.db.read(boards.leaderboard, contest, n, limit)

    @rpc(expected_exceptions=EXPECTED)
    def get_round_ranking(self, contest, n):
        """The round's final ranking, rows already in final order with their rank (awards takes
        this order as it is); Conflict `round_not_ranked` until the round is ranked."""
        return self.db.read(boards.round_ranking, contest, n)


    @rpc(expected_exceptions=EXPECTED)
    def get_unit_stats(self, contest, final_only=False):
        return workflow.unit_stats(self.db, self.quiz, contest, final_only)
