"""Nameko entrypoints of the quiz service: wiring only, logic lives in services/quiz/domain/.

State changes that announce themselves write outbox rows in their transaction; the entrypoint
publishes those rows right after the commit (`_publish`), and the sweep relays whatever is left.
"""
import logging

from nameko.events import EventDispatcher, event_handler
from nameko.rpc import rpc
from nameko.timer import timer

from common import batch, health, outbox
from common.backlog import QueueBacklog
from common.errors import EXPECTED
from common.nameko_deps import DatabaseProvider, RequestContext
from services.quiz import config, metrics
from services.quiz.domain import accounts, attempts, closing, contests, jury, questions, seed, stats, units
from services.quiz.errors import Conflict, err
from services.quiz.models import Outbox

log = logging.getLogger(__name__)


class QuizService:
    name = config.SERVICE_NAME

    db = DatabaseProvider(config.database_url, config.MIGRATIONS_DIR, on_start=seed.on_start)
    ctx = RequestContext()
    dispatch = EventDispatcher()
    backlog = QueueBacklog("rpc-quiz")  # requests waiting for any quiz instance, calls reaching this one

    def _publish(self, ids):
        outbox.publish(self.db, Outbox, self.dispatch, ids)

    def _busy(self):
        return (0 < config.PUBLISH_YIELD_BACKLOG <= self.backlog.ready()
                or 0 < config.PUBLISH_YIELD_RATE <= self.backlog.calls_per_s())

    def _run(self, fn, *args):
        with self.db.session() as session:
            return fn(session, *args)

    @rpc
    def health(self):
        return health.check(self.name, self.db)

    # accounts
    @rpc(expected_exceptions=EXPECTED)
    def authenticate(self, username, password, source_ip=None):
        return self._run(accounts.authenticate, username, password, source_ip)

    @rpc(expected_exceptions=EXPECTED)
    def get_user(self, user_id):
        return self._run(accounts.get_user, user_id)

    @rpc(expected_exceptions=EXPECTED)
    def register_contestant(self, data):
        return self._run(accounts.register_contestant, data)

    @rpc(expected_exceptions=EXPECTED)
    def create_staff(self, actor, data):
        return self._run(accounts.create_staff, actor, data)

    @rpc(expected_exceptions=EXPECTED)
    def list_staff(self, role):
        return self._run(accounts.list_staff, role)

    # units
    @rpc(expected_exceptions=EXPECTED)
    def import_units(self, actor, file):
        return self._run(units.import_units, actor, file)

    @rpc
    def list_units(self):
        return self._run(units.list_units)

    # contests
    @rpc(expected_exceptions=EXPECTED)
    def create_contest(self, actor, data):
        return self._run(contests.create_contest, actor, data)

    @rpc(expected_exceptions=EXPECTED)
    def get_contest(self, code):
        return self._run(contests.get_contest, code)

    @rpc
    def list_contests(self):
        return self._run(contests.list_contests)

    @rpc(expected_exceptions=EXPECTED)
    def add_exclusions(self, actor, contest, id_numbers):
        return self._run(contests.add_exclusions, actor, contest, id_numbers)

    @rpc(expected_exceptions=EXPECTED)
    def excluded_contestants(self, contest, contestant_ids):
        return self._run(contests.excluded_contestants, contest, contestant_ids)

    # jury (Ban Giám khảo) per contest
    @rpc(expected_exceptions=EXPECTED)
    def list_jury(self, contest):
        return self._run(jury.list_jury, contest)

    @rpc(expected_exceptions=EXPECTED)
    def get_jury(self, actor, contest):
        return self._run(jury.get_jury, actor, contest)

    @rpc(expected_exceptions=EXPECTED)
    def set_jury(self, actor, contest, usernames):
        return self._run(jury.set_jury, actor, contest, usernames)

    @rpc(expected_exceptions=EXPECTED)
    def get_round_facts(self, contest, n):
        return self._run(contests.get_round_facts, contest, n)

    @rpc(expected_exceptions=EXPECTED)
    def close_round(self, actor, contest, n):
        result = self._run(closing.close_round, actor, contest, n)
        self._publish(result["outbox_ids"])
        return result["round"]

    # question bank
    @rpc(expected_exceptions=EXPECTED)
    def import_questions(self, actor, contest, file):
        result = self._run(questions.import_questions, actor, contest, file)
        self._publish(result.pop("outbox_ids"))
        return result

    @rpc(expected_exceptions=EXPECTED)
    def deactivate_question(self, actor, question_id):
        return self._run(questions.deactivate_question, actor, question_id)

    @rpc(expected_exceptions=EXPECTED)
    def get_answer_keys(self, contest):
        return self._run(questions.answer_keys, contest)

    @rpc(expected_exceptions=EXPECTED)
    def question_stats(self, actor, contest, n):
        return self._run(stats.question_stats, actor, contest, n)

    # attempts
    @rpc(expected_exceptions=EXPECTED)
    def start_attempt(self, actor, contest, n):
        self.backlog.count_calls()
        return self._run(attempts.start_attempt, actor, contest, n)

    @rpc(expected_exceptions=EXPECTED)
    def resume_attempt(self, actor, attempt_id):
        return self._run(attempts.resume_attempt, actor, attempt_id)

    @rpc(expected_exceptions=EXPECTED)
    def save_answers(self, actor, attempt_id, answers, prediction=None):
        return self._run(attempts.save_answers, actor, attempt_id, answers, prediction)

    @rpc(expected_exceptions=EXPECTED)
    def submit_attempt(self, actor, attempt_id, answers, prediction=None):
        self.backlog.count_calls()
        result = self._run(attempts.submit_attempt, actor, attempt_id, answers, prediction)
        self._announce_submitted(result["outbox_ids"])
        return self._submitted(result)

    # The gateway coalesces the starts and submits that arrive together (a round's opening, a
    # deadline rush) into one of these: one transaction, one reply, each call's own outcome.
    @rpc
    def start_attempts(self, calls):
        self.backlog.count_calls(len(calls))
        return [batch.reply(result, exc) for result, exc in batch.run(self.db, attempts.start_attempt, calls)]

    @rpc
    def submit_attempts(self, calls):
        self.backlog.count_calls(len(calls))
        outcomes = batch.run(self.db, attempts.submit_attempt, calls)
        self._announce_submitted([i for result, _ in outcomes if result for i in result["outbox_ids"]])
        replies = []
        for result, exc in outcomes:
            if result is not None:
                try:
                    result = self._submitted(result)
                except Conflict as conflict:
                    result, exc = None, conflict
            replies.append(batch.reply(result, exc))
        return replies

    def _announce_submitted(self, outbox_ids):
        if self._busy():
            # A rush: answer the next submissions first; grading starts once the queue drains.
            outbox.hold(Outbox, outbox_ids)
            metrics.set_held(outbox.held_count(Outbox))
        else:
            self._publish(outbox_ids)  # grading starts now, not at the next relay

    @staticmethod
    def _submitted(result):
        if result["deadline_passed"]:
            # Committed already: the autosaved answers were submitted and will be graded.
            raise err(Conflict, "deadline_passed")
        return {"attempt_id": result["attempt_id"], "status": result["status"]}

    @rpc(expected_exceptions=EXPECTED)
    def get_attempt(self, actor, attempt_id):
        return self._run(attempts.get_attempt, actor, attempt_id)

    @rpc(expected_exceptions=EXPECTED)
    def list_attempts(self, actor):
        return self._run(attempts.list_attempts, actor)

    # events from scoring
    @event_handler("scoring", "attempt_graded", requeue_on_error=True)
    def on_attempt_graded(self, payload):
        try:
            attempt_id, correct, total = payload["attempt_id"], int(payload["correct"]), int(payload["total"])
        except (KeyError, TypeError, ValueError):
            # Requeueing a malformed message would loop forever: log it and drop it.
            log.error("malformed attempt_graded dropped: %r", payload)
            return
        if not self._run(attempts.record_grade, attempt_id, correct, total):
            log.warning("attempt_graded for unknown or unsubmitted attempt %s", attempt_id)

    @event_handler("scoring", "round_ranked", requeue_on_error=True)
    def on_round_ranked(self, payload):
        try:
            contest, n = payload["contest"], int(payload["round"])
        except (KeyError, TypeError, ValueError):
            log.error("malformed round_ranked dropped: %r", payload)
            return
        self._run(contests.mark_finalized, contest, n)

    # periodic work
    @timer(interval=0.5)
    def publish_held(self):
        outbox.publish_held(self.db, Outbox, self.dispatch, self._busy, config.PUBLISH_YIELD_MAX_S)
        metrics.set_held(outbox.held_count(Outbox))

    @timer(interval=config.SWEEP_INTERVAL_S)
    def sweep(self):
        ids = self._run(closing.sweep)
        self._publish(ids)
        outbox.relay_pending(self.db, Outbox, self.dispatch)
        metrics.set_in_progress(self._run(metrics.count_in_progress))
