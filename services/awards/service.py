"""Nameko entrypoints of the awards service: wiring only, the steps live in workflow.py and the
rules in domain/.

Inputs come from quiz, scoring and media by RPC (common.upstream bounds each call); approval
announces `award_set_approved` and revocation `award_set_revoked` through the store (published
after the commit); a timer relays whatever a crash or a broker outage left unpublished.
"""
from nameko.rpc import rpc
from nameko.timer import timer

from common import audit, health
from common.errors import EXPECTED
from common.nameko_deps import RequestContext
from common import retry
from common.uow import StoreProvider
from common.upstream import Upstream
from services.awards import config, workflow
from services.awards.domain import disqualification, sets
from services.awards.models import AuditEntry, Outbox

TIMEOUT_S = config.settings.rpc_timeout_s


class AwardsService(retry.DeadLetterRpc):
    name = config.SERVICE_NAME

    db = StoreProvider(config.database_url, config.MIGRATIONS_DIR, Outbox, audit_model=AuditEntry)
    ctx = RequestContext()
    quiz = Upstream("quiz", TIMEOUT_S)
    scoring = Upstream("scoring", TIMEOUT_S)
    media = Upstream("media", TIMEOUT_S)

    @rpc
    def health(self):
        return health.check(self.name, self.db)

    # audit log (SPEC 6): read by the gateway from every service that keeps one
    @rpc(expected_exceptions=EXPECTED)
    def audit_log(self, actor, filters=None):
        return self.db.read(audit.list_entries, self.name, AuditEntry, actor, filters)

    @rpc(expected_exceptions=EXPECTED)
    def audit_verify(self, actor):
        return self.db.read(audit.verify, self.name, AuditEntry, actor)

    # award sets
    @rpc(expected_exceptions=EXPECTED)
    def compute(self, actor, contest, kind, round=None):
        return workflow.compute_set(self.db, self.quiz, self.scoring, self.media, actor, contest, kind, round)

    @rpc(expected_exceptions=EXPECTED)
    def approve(self, actor, award_set_id):
        return workflow.approve_set(self.db, self.media, actor, award_set_id, self.quiz, self.scoring)

    @rpc(expected_exceptions=EXPECTED)
    def revoke(self, actor, award_set_id, reason):
        return workflow.revoke_set(self.db, actor, award_set_id, reason)

    @rpc(expected_exceptions=EXPECTED)
    def get_award_set(self, actor, award_set_id):
        return self.db.read(sets.get, actor, award_set_id)

    @rpc(expected_exceptions=EXPECTED)
    def list_award_sets(self, actor, contest):
        return workflow.admin_sets(self.db, actor, contest)

    @rpc(expected_exceptions=EXPECTED)
    def public_awards(self, contest, kind=None, round=None):
        return workflow.public_sets(self.db, contest, kind, round)

    # Quiz asks before it disqualifies or reinstates a contestant (SPEC 6): the approved sets that
    # would change, [{award_set_id, kind, round}] (revoke them first).
    @rpc(expected_exceptions=EXPECTED)
    def disqualification_conflicts(self, contest, contestant_id, unit_code, rounds, reinstate=False):
        return self.db.read(disqualification.conflicts, contest, contestant_id, unit_code, rounds, reinstate)

    # prize table and budget
    @rpc(expected_exceptions=EXPECTED)
    def get_prize_table(self, contest):
        return workflow.get_prize_table(self.db, contest)

    @rpc(expected_exceptions=EXPECTED)
    def set_prize_table(self, actor, contest, table):
        return workflow.set_prize_table(self.db, self.quiz, actor, contest, table)

    @rpc(expected_exceptions=EXPECTED)
    def budget(self, actor, contest):
        return workflow.budget(self.db, self.quiz, actor, contest)

    # documents: {filename, content_type, content_b64}
    @rpc(expected_exceptions=EXPECTED)
    def decision_document(self, actor, award_set_id, fmt):
        return workflow.decision_document(self.db, self.quiz, actor, award_set_id, fmt)

    @rpc(expected_exceptions=EXPECTED)
    def certificate(self, actor, award_set_id, index):
        return workflow.certificate(self.db, self.quiz, actor, award_set_id, index)

    @rpc(expected_exceptions=EXPECTED)
    def certificates_zip(self, actor, award_set_id):
        return workflow.certificates_zip(self.db, self.quiz, actor, award_set_id)

    @rpc(expected_exceptions=EXPECTED)
    def report(self, actor, contest, fmt):
        return workflow.report(self.db, self.quiz, self.scoring, self.media, actor, contest, fmt)

    @timer(interval=config.settings.relay_interval_s)
    def relay(self):
        self.db.relay()
