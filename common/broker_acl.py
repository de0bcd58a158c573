"""What each process may do on the broker, and who it is there (issue 15, finding 8).

Plain functions and tables, without nameko: the gateway (asyncio) and scripts/broker_users.py use
them too. The nameko side (a service's own user, caller checks) is common/broker.py.
"""
import re
import urllib.parse


def broker_user(amqp_uri):
    """The user a connection to `amqp_uri` logs in as (kombu's default: guest)."""
    user = urllib.parse.urlparse(amqp_uri).username
    return urllib.parse.unquote(user) if user else "guest"


# --- what each broker user may do (scripts/broker_users.py) -----------------------------------
# nameko's names: RPC requests go through the topic exchange `nameko-rpc` to `rpc-<service>`,
# replies through it to `rpc.reply-<caller>-<uuid>`; events through `<source>.events` to
# `evt-<source>-<type>--<service>.<method>`; common/retry.py adds `<service>.retry*` and
# `<service>.dead-letter`. RabbitMQ checks configure (declare, delete), write (publish to an
# exchange, bind a queue) and read (consume from a queue, bind from an exchange).

SERVICES = ("quiz", "scoring", "media", "awards")
# Whose events each service handles (its reliable_handler entrypoints; tests/services/test_broker_users.py checks this
# against the service classes).
LISTENS_TO = {"quiz": ("scoring", "media"), "scoring": ("quiz",), "media": ("media", "awards"), "awards": ()}
RPC_EXCHANGE = "nameko-rpc"
# Whose events the gateway hears (gateway/rpc.py `subscribe`): quiz's `account_sessions_ended`.
GATEWAY_LISTENS_TO = ("quiz",)


def _anchored(patterns):
    return "^(" + "|".join(patterns) + ")$"


def permissions(name):
    """{configure, write, read} regexes of the broker user of `name` (a service or "gateway")."""
    if name == "gateway":
        # Calls services and reads their answers; hears quiz's events on its own exclusive queue
        # (ended sessions, gateway/sessions.py): binds it to quiz.events, never publishes there.
        own = [re.escape(RPC_EXCHANGE), r"rpc\.reply-gateway-.*", r"gateway\.events-.*"]
        events = [rf"{re.escape(src)}\.events" for src in GATEWAY_LISTENS_TO]
        return {"configure": _anchored(own + events), "write": _anchored(own), "read": _anchored(own + events)}
    s = re.escape(name)
    sources = [re.escape(src) for src in LISTENS_TO[name]]
    own = [re.escape(RPC_EXCHANGE), f"rpc-{s}", rf"rpc\.reply-{s}-.*", rf"{s}\.events", rf"{s}\.retry.*",
           rf"{s}\.dead-letter"] + [rf"evt-{src}-.*--{s}\..*" for src in sources]
    source_exchanges = [rf"{src}\.events" for src in sources]
    return {
        # nameko declares the exchanges it listens to as well (same arguments: a no-op).
        "configure": _anchored(own + source_exchanges),
        # Publish only to the RPC exchange and its own events/retry exchanges: never another
        # service's events.
        "write": _anchored(own),
        "read": _anchored(own + source_exchanges),
    }


# The gateway reads queue depths from the management API (monitor page, /metrics).
TAGS = {"gateway": "monitoring"}
