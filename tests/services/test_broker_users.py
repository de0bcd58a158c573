"""Broker users (issue 15, finding 8), the nameko side: on a throwaway vhost with throwaway users
(deleted after), the services work each with its own user; quiz's answer keys go to scoring's user
only; an RPC that takes an actor is refused from any user but the gateway's; the permissions follow
the services' event handlers. What each user may do on the broker: tests/security/test_broker_users.py."""
import urllib.parse
import uuid

import pytest
from nameko.events import event_handler
from nameko.rpc import rpc
from nameko.standalone.events import event_dispatcher
from nameko.standalone.rpc import ServiceRpcProxy
from nameko.testing.services import entrypoint_waiter

from common.broker import caller_rpc
from common.errors import Forbidden
from common.nameko_deps import RequestContext
from services.scoring.service import ScoringService
from tests.broker_users import connect, made_users
from tests.services.scoring.helpers import attempt, keys

@pytest.fixture
def users(rabbit_config):
    with made_users(rabbit_config["vhost"]) as made:
        yield made



GRADED = []


class Quiz:
    """Stands in for quiz, as quiz's user: the answer keys for scoring's user only, and the grades."""

    name = "quiz"

    @caller_rpc(callers=lambda: {QUIZ_CALLERS["scoring"]})
    def get_answer_keys(self, contest):
        return keys(20)

    @event_handler("scoring", "attempt_graded")
    def on_attempt_graded(self, payload):
        GRADED.append(payload["attempt_id"])
        return payload


QUIZ_CALLERS = {}


def test_services_work_with_their_own_users(users, container_factory, rabbit_config, sqlite_url, monkeypatch):
    """Scoring as its own user: takes quiz's event, fetches the keys (as scoring, which quiz checks),
    grades, publishes the grade that quiz (as its own user) receives."""
    uris = users["uris"]
    monkeypatch.setenv("SCORING_DATABASE_URL", sqlite_url)
    QUIZ_CALLERS["scoring"] = f"{users['prefix']}-scoring"
    GRADED.clear()
    scoring = container_factory(ScoringService, dict(rabbit_config, AMQP_URI=uris["scoring"]))
    quiz = container_factory(Quiz, dict(rabbit_config, AMQP_URI=uris["quiz"]))
    scoring.start()
    quiz.start()

    with entrypoint_waiter(quiz, "on_attempt_graded", timeout=30) as graded:
        event_dispatcher(dict(rabbit_config, AMQP_URI=uris["quiz"]))("quiz", "attempt_submitted",
                                                                    attempt("att-own-user", "c1", 13))
    assert graded.get()["correct"] == 13 and GRADED == ["att-own-user"]

    # Anyone else asking for the keys (here: a client as the vhost's administrator, without the
    # scoring user's identity) is refused by quiz.
    with ServiceRpcProxy("quiz", rabbit_config) as proxy:
        with pytest.raises(Forbidden) as refused:
            proxy.get_answer_keys("cchc-2023")
    assert refused.value.code == "caller_not_allowed"


def test_permissions_follow_the_event_handlers_of_each_service():
    """common.broker.LISTENS_TO (what the permissions are built from) names exactly the sources of
    each service's event handlers: a new handler without its permission would fail at start."""
    import inspect

    from nameko.events import EventHandler
    from nameko.extensions import ENTRYPOINT_EXTENSIONS_ATTR

    from common.broker_acl import LISTENS_TO, permissions
    from services.awards.service import AwardsService
    from services.media.service import MediaService
    from services.quiz.service import QuizService

    for cls in (QuizService, ScoringService, MediaService, AwardsService):
        sources = set()
        for _, method in inspect.getmembers(cls, inspect.isfunction):
            for entrypoint in getattr(method, ENTRYPOINT_EXTENSIONS_ATTR, ()):
                if isinstance(entrypoint, EventHandler):
                    sources.add(entrypoint.source_service)
        assert sources == set(LISTENS_TO[cls.name]), cls.name
        assert permissions(cls.name)["write"].count(".events") == 1  # its own events only


class Awards:
    """Stands in for awards, as awards' user: one RPC that takes an actor, one that does not."""

    name = "awards"
    ctx = RequestContext()  # as every service: applies common.broker's actor check

    @rpc
    def approve(self, actor, award_set_id):
        return {"approved_by": actor["username"], "award_set_id": award_set_id}

    @rpc
    def health(self):
        return {"status": "ok"}


def call_raw(uri, caller, routing_key, args):
    """An RPC as `caller`'s broker user, its AMQP user_id stated (what the gateway and
    common.upstream send); returns the reply ({result, error})."""
    import json
    import time

    reply_to = f"rpc.reply-{caller}-{uuid.uuid4()}"
    with connect(uri) as conn:
        channel = conn.channel()
        channel.queue_declare(reply_to, exclusive=True, auto_delete=True)
        channel.queue_bind(reply_to, "nameko-rpc", routing_key=reply_to)
        user = urllib.parse.unquote(urllib.parse.urlparse(uri).username)
        channel.basic_publish(channel.prepare_message(
            json.dumps({"args": args, "kwargs": {}}).encode(), content_type="application/json",
            content_encoding="utf-8", properties={"reply_to": reply_to, "correlation_id": "c1", "user_id": user}),
            exchange="nameko-rpc", routing_key=routing_key)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            got = channel.basic_get(reply_to, no_ack=True)
            if got is not None:
                return json.loads(got.body)
            time.sleep(0.05)
    raise AssertionError("no reply")


def test_only_the_gateway_says_who_acts(users, container_factory, rabbit_config, monkeypatch):
    """An RPC that takes an actor is refused unless the gateway's broker user sent it: a service
    (here scoring's user) cannot call awards.approve as an organizer it made up."""
    uris = users["uris"]
    monkeypatch.setenv("ACTOR_CALLERS", f"{users['prefix']}-gateway")
    container_factory(Awards, dict(rabbit_config, AMQP_URI=uris["awards"])).start()
    organizer = {"id": "u1", "username": "admin", "role": "organizer"}

    ok = call_raw(uris["gateway"], "gateway", "awards.approve", [organizer, "set-1"])
    assert ok == {"result": {"approved_by": "admin", "award_set_id": "set-1"}, "error": None}
    forged = call_raw(uris["scoring"], "scoring", "awards.approve", [organizer, "set-1"])
    assert forged["result"] is None and forged["error"]["exc_type"] == "Forbidden"
    assert forged["error"]["exc_args"][0] == "caller_not_allowed"
    # Calls without an actor stay open to every service.
    assert call_raw(uris["scoring"], "scoring", "awards.health", [])["result"] == {"status": "ok"}
