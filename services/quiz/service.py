"""Nameko entrypoints of the quiz service: wiring only. Rules live in services/quiz/domain/, what
strings them together (batches, the rush, periodic work, scoring's events) in workflow.py."""
from nameko.rpc import rpc
from nameko.timer import timer

from common import audit, health
from common.backpressure import Backpressure
from common.broker import caller_rpc
from common.errors import EXPECTED
from common.nameko_deps import RequestContext
from common import retry
from common.retry import reliable_handler
from common.uow import StoreProvider
from common.upstream import Upstream
from services.quiz import config, workflow
from services.quiz.domain import accounts, attempts, changes, closing, contestants, contests, jury, questions, rosters, seed, stats, units
from services.quiz.models import AuditEntry, Outbox


class QuizService(retry.DeadLetterRpc):
    name = config.SERVICE_NAME

    db = StoreProvider(config.database_url, config.MIGRATIONS_DIR, Outbox, on_start=seed.on_start,
                       audit_model=AuditEntry)
    ctx = RequestContext()
    # Starts and submits a second, plus requests waiting in rpc-quiz: a rush (workflow.py).
    pressure = Backpressure(config.settings.rush_calls_per_s)
    # Asked before a disqualification or a reinstatement: does an approved award set stand in the way?
    awards = Upstream("awards", config.settings.rpc_timeout_s)

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

    # accounts
    @rpc(expected_exceptions=EXPECTED)
    def authenticate(self, username, password, source_ip=None):
        return self.db.run(accounts.authenticate, username, password, source_ip)

    @rpc(expected_exceptions=EXPECTED)
    def get_user(self, user_id):
        return self.db.read(accounts.get_user, user_id)

    @rpc(expected_exceptions=EXPECTED)
    def register_contestant(self, data, source_ip=None):
        return self.db.run(accounts.register_contestant, data, source_ip)

    @rpc(expected_exceptions=EXPECTED)
    def create_staff(self, actor, data):
        return self.db.run(accounts.create_staff, actor, data)

    @rpc(expected_exceptions=EXPECTED)
    def unlock_account(self, actor, user_id, reason=None):
        return self.db.run(accounts.unlock_account, actor, user_id, reason)

    # contestants and disqualification (SPEC 6)
    @rpc(expected_exceptions=EXPECTED)
    def search_contestants(self, actor, q=None, unit=None, limit=None, offset=None):
        return self.db.read(contestants.search_contestants, actor, q, unit, limit, offset)

    @rpc(expected_exceptions=EXPECTED)
    def disqualify(self, actor, contest, contestant_id, reason):
        return workflow.disqualify(self.db, self.awards, actor, contest, contestant_id, reason)

    @rpc(expected_exceptions=EXPECTED)
    def reinstate(self, actor, contest, contestant_id, reason):
        return workflow.reinstate(self.db, self.awards, actor, contest, contestant_id, reason)

    @rpc(expected_exceptions=EXPECTED)
    def list_disqualifications(self, actor, contest):
        return self.db.read(contestants.list_disqualifications, actor, contest)
    @rpc(expected_exceptions=EXPECTED)
    def list_all_staff(self, actor):
        return self.db.read(accounts.list_all_staff, actor)

    @rpc(expected_exceptions=EXPECTED)
    def update_staff(self, actor, user_id, data):
        return self.db.run(accounts.update_staff, actor, user_id, data)

    @rpc(expected_exceptions=EXPECTED)
    def reset_password(self, actor, user_id, reason=None):
        return self.db.run(accounts.reset_password, actor, user_id, reason)

    @rpc(expected_exceptions=EXPECTED)
    def change_password(self, actor, current_password, new_password):
        return self.db.run(accounts.change_password, actor, current_password, new_password)

    # The gateway's cache of token versions asks this on a miss (gateway/sessions.py); many misses
    # together (a round's opening) come coalesced as one token_states.
    @rpc(expected_exceptions=EXPECTED)
    def token_state(self, user_id):
        return self.db.read(accounts.token_state, user_id)

    @rpc
    def token_states(self, calls):
        return workflow.token_states(self.db, calls)

    # units
    @rpc(expected_exceptions=EXPECTED)
    def import_units(self, actor, file):
        return workflow.import_units(self.db, actor, file)

    @rpc(expected_exceptions=EXPECTED)
    def upload_roster(self, actor, unit_code, file):
        return self.db.run(rosters.upload_roster, actor, unit_code, file)

    @rpc
    def list_units(self):
        return self.db.read(units.list_units)

    # contests
    @rpc(expected_exceptions=EXPECTED)
    def create_contest(self, actor, data):
        return self.db.run(contests.create_contest, actor, data)

    @rpc(expected_exceptions=EXPECTED)
    def update_contest(self, actor, code, data):
        return self.db.run(changes.update_contest, actor, code, data)

    @rpc(expected_exceptions=EXPECTED)
    def get_contest(self, code):
        return self.db.read(contests.get_contest, code)

    @rpc
    def list_contests(self, include_unlisted=False):
        return self.db.read(contests.list_contests, include_unlisted is True)

    @rpc(expected_exceptions=EXPECTED)
    def add_exclusions(self, actor, contest, id_numbers):
        return self.db.run(contests.add_exclusions, actor, contest, id_numbers)

    @rpc(expected_exceptions=EXPECTED)
    def list_exclusions(self, actor, contest):
        return self.db.read(contests.list_exclusions, actor, contest)

    @rpc(expected_exceptions=EXPECTED)
    def remove_exclusion(self, actor, contest, id_number, reason=None):
        return self.db.run(contests.remove_exclusion, actor, contest, id_number, reason)

    @rpc(expected_exceptions=EXPECTED)
    def excluded_contestants(self, contest, contestant_ids):
        return self.db.read(contests.excluded_contestants, contest, contestant_ids)

    # jury (Ban Giám khảo) per contest
    @rpc(expected_exceptions=EXPECTED)
    def list_jury(self, contest):
        return self.db.read(jury.list_jury, contest)

    @rpc(expected_exceptions=EXPECTED)
    def get_jury(self, actor, contest):
        return self.db.read(jury.get_jury, actor, contest)

    @rpc(expected_exceptions=EXPECTED)
    def set_jury(self, actor, contest, usernames, confirm=False, reason=None):
        return self.db.run(jury.set_jury, actor, contest, usernames, confirm, reason)

    @rpc(expected_exceptions=EXPECTED)
    def close_round(self, actor, contest, n):
        return self.db.run(closing.close_round, actor, contest, n)

    # question bank
    @rpc(expected_exceptions=EXPECTED)
    def import_questions(self, actor, contest, file):
        return workflow.import_questions(self.db, actor, contest, file)

    @rpc(expected_exceptions=EXPECTED)
    def list_questions(self, actor, contest, q=None, active=None, used=None, limit=100, offset=0):
        return self.db.read(questions.list_questions, actor, contest, q, active, used, limit, offset)

    @rpc(expected_exceptions=EXPECTED)
    def update_question(self, actor, contest, question_id, data):
        return self.db.run(questions.update_question, actor, contest, question_id, data)

    # Scoring's alone: the broker verifies who calls (common/broker.py), not an actor in the message.
    @caller_rpc(callers=config.answer_key_callers, expected_exceptions=EXPECTED)
    def get_answer_keys(self, contest):
        return self.db.read(questions.answer_keys, contest)

    @rpc(expected_exceptions=EXPECTED)
    def question_stats(self, actor, contest, n):
        return self.db.read(stats.question_stats, actor, contest, n)

    # attempts
    @rpc(expected_exceptions=EXPECTED)
    def start_attempt(self, actor, contest, n):
        return workflow.start_attempt(self.db, self.pressure, actor, contest, n)

    @rpc(expected_exceptions=EXPECTED)
    def resume_attempt(self, actor, attempt_id):
        return self.db.read(attempts.resume_attempt, actor, attempt_id)

    @rpc(expected_exceptions=EXPECTED)
    def save_answers(self, actor, attempt_id, answers, prediction=None):
        return self.db.run(attempts.save_answers, actor, attempt_id, answers, prediction)

    @rpc(expected_exceptions=EXPECTED)
    def submit_attempt(self, actor, attempt_id, answers, prediction=None):
        return workflow.submit_attempt(self.db, self.pressure, actor, attempt_id, answers, prediction)

    # The gateway coalesces the starts and submits that arrive together (a round's opening, a
    # deadline rush) into one of these: one transaction, one reply, each call's own outcome.
    @rpc
    def start_attempts(self, calls):
        return workflow.start_attempts(self.db, self.pressure, calls)

    @rpc
    def submit_attempts(self, calls):
        return workflow.submit_attempts(self.db, self.pressure, calls)

    @rpc(expected_exceptions=EXPECTED)
    def get_attempt(self, actor, attempt_id):
        return self.db.read(attempts.get_attempt, actor, attempt_id)

    @rpc(expected_exceptions=EXPECTED)
    def review_attempt(self, actor, attempt_id):
        return self.db.read(attempts.review_attempt, actor, attempt_id)

    @rpc(expected_exceptions=EXPECTED)
    def list_attempts(self, actor):
        return self.db.read(attempts.list_attempts, actor)

    # events from scoring
    @reliable_handler("scoring", "attempt_graded")
    def on_attempt_graded(self, payload):
        workflow.on_attempt_graded(self.db, payload)

    @reliable_handler("scoring", "round_ranked")
    def on_round_ranked(self, payload):
        workflow.on_round_ranked(self.db, payload)

    # events from media: judging of a contest has begun (its jury is fixed, SPEC 5)
    @reliable_handler("media", "clip_scored")
    def on_clip_scored(self, payload):
        self.db.run(jury.record_judging_started, payload)

    # periodic work
    @timer(interval=0.5)
    def publish_held(self):
        workflow.publish_held(self.db, self.pressure)

    @timer(interval=config.settings.sweep_interval_s)
    def sweep(self):
        workflow.sweep(self.db)
