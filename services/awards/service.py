"""Nameko entrypoints of the awards service: wiring only, the steps live in workflow.py and the
logic in domain/.

Inputs come from quiz, scoring and media by RPC (upstream.py bounds each call); the approval
writes its `award_set_approved` event to the outbox in the same transaction and publishes it
right after the commit; a timer relays whatever a crash or a broker outage left behind.
"""
from nameko.events import EventDispatcher
from nameko.rpc import RpcProxy, rpc
from nameko.timer import timer

from common import health, outbox
from common.errors import EXPECTED
from common.nameko_deps import DatabaseProvider, RequestContext
from services.awards import config, workflow
from services.awards.domain import sets
from services.awards.errors import UpstreamUnavailable
from services.awards.models import Outbox
from services.awards.upstream import Upstream

# Domain errors and "another service did not answer" are outcomes, not crashes of this service.
EXPECTED_HERE = EXPECTED + (UpstreamUnavailable,)


class AwardsService:
    name = config.SERVICE_NAME

    db = DatabaseProvider(config.database_url, config.MIGRATIONS_DIR)
    ctx = RequestContext()
    dispatch = EventDispatcher()
    quiz = RpcProxy("quiz")
    scoring = RpcProxy("scoring")
    media = RpcProxy("media")

    @property
    def upstream(self):
        return Upstream(self.quiz, self.scoring, self.media)

    @rpc
    def health(self):
        return health.check(self.name, self.db)

    # award sets
    @rpc(expected_exceptions=EXPECTED_HERE)
    def compute(self, actor, contest, kind, round=None):
        return workflow.compute_set(self.db, self.upstream, actor, contest, kind, round)

    @rpc(expected_exceptions=EXPECTED_HERE)
    def approve(self, actor, award_set_id):
        with self.db.session() as session:
            result, outbox_ids = sets.approve(session, actor, award_set_id)
        outbox.publish(self.db, Outbox, self.dispatch, outbox_ids)
        return result

    @rpc(expected_exceptions=EXPECTED_HERE)
    def get_award_set(self, actor, award_set_id):
        with self.db.session() as session:
            return sets.get(session, actor, award_set_id)

    @rpc(expected_exceptions=EXPECTED_HERE)
    def list_award_sets(self, actor, contest):
        return workflow.admin_sets(self.db, actor, contest)

    @rpc(expected_exceptions=EXPECTED_HERE)
    def public_awards(self, contest, kind=None, round=None):
        return workflow.public_sets(self.db, contest, kind, round)

    # prize table and budget
    @rpc(expected_exceptions=EXPECTED_HERE)
    def get_prize_table(self, contest):
        return workflow.get_prize_table(self.db, contest)

    @rpc(expected_exceptions=EXPECTED_HERE)
    def set_prize_table(self, actor, contest, table):
        return workflow.set_prize_table(self.db, self.upstream, actor, contest, table)

    @rpc(expected_exceptions=EXPECTED_HERE)
    def budget(self, actor, contest):
        return workflow.budget(self.db, self.upstream, actor, contest)

    # documents: {filename, content_type, content_b64}
    @rpc(expected_exceptions=EXPECTED_HERE)
    def decision_document(self, actor, award_set_id, fmt):
        return workflow.decision_document(self.db, self.upstream, actor, award_set_id, fmt)

    @rpc(expected_exceptions=EXPECTED_HERE)
    def certificate(self, actor, award_set_id, index):
        return workflow.certificate(self.db, self.upstream, actor, award_set_id, index)

    @rpc(expected_exceptions=EXPECTED_HERE)
    def certificates_zip(self, actor, award_set_id):
        return workflow.certificates_zip(self.db, self.upstream, actor, award_set_id)

    @rpc(expected_exceptions=EXPECTED_HERE)
    def report(self, actor, contest, fmt):
        return workflow.report(self.db, self.upstream, actor, contest, fmt)

    @timer(interval=config.RELAY_INTERVAL_S)
    def relay(self):
        outbox.relay_pending(self.db, Outbox, self.dispatch)
