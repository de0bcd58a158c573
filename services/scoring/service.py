"""Nameko entrypoints of the scoring service: wiring only, the steps live in workflow.py and the
rules in domain/."""
from nameko.rpc import rpc
from nameko.timer import timer

from common import health
from common.errors import EXPECTED
from common.nameko_deps import RequestContext
from common import retry
from common.retry import reliable_handler
from common.upstream import Upstream
from common.uow import StoreProvider
from services.scoring import config, workflow
from services.scoring.domain import boards
from services.scoring.models import Outbox


class ScoringService(retry.DeadLetterRpc):
    name = config.SERVICE_NAME

    db = StoreProvider(config.database_url, config.MIGRATIONS_DIR, Outbox)
    ctx = RequestContext()
    quiz = Upstream("quiz", config.settings.rpc_timeout_s)

    # --- events from quiz (a failure is retried with backoff, then dead-lettered; quiz unreachable
    # is retried without limit: nothing submitted may be lost; common/retry.py) ---

    @reliable_handler("quiz", "bank_changed")
    def on_bank_changed(self, payload):
        workflow.bank_changed(self.db, payload)

    @reliable_handler("quiz", "attempt_submitted")
    def on_attempt_submitted(self, payload):
        workflow.attempt_submitted(self.db, self.quiz, payload)

    @reliable_handler("quiz", "round_closed")
    def on_round_closed(self, payload):
        workflow.round_closed(self.db, payload)

    # SPEC 6: a disqualified contestant leaves the boards, rankings and unit statistics of a contest.
    @reliable_handler("quiz", "contestant_disqualified")
    def on_contestant_disqualified(self, payload):
        workflow.disqualification_changed(self.db, payload)

    @reliable_handler("quiz", "contestant_reinstated")
    def on_contestant_reinstated(self, payload):
        workflow.disqualification_changed(self.db, payload)

    @timer(interval=config.settings.ranking_interval_s)
    def tick(self):
        workflow.tick(self.db)

    # --- RPC ---

    @rpc
    def health(self):
        return health.check(self.name, self.db)

    @rpc(expected_exceptions=EXPECTED)
    def get_leaderboard(self, contest, n, limit=50, contestant_id=None):
        return self.db.read(boards.leaderboard, contest, n, limit, contestant_id)

    @rpc(expected_exceptions=EXPECTED)
    def get_round_ranking(self, contest, n):
        """The round's final ranking, rows already in final order with their rank (awards takes
        this order as it is); Conflict `round_not_ranked` until the round is ranked."""
        return self.db.read(boards.round_ranking, contest, n)

    @rpc(expected_exceptions=EXPECTED)
    def get_score_distribution(self, contest, n):
        return self.db.read(boards.score_distribution, contest, n)

    @rpc(expected_exceptions=EXPECTED)
    def get_unit_stats(self, contest, final_only=False):
        return workflow.unit_stats(self.db, self.quiz, contest, final_only)
