"""Who a process is on the broker (issue 15, finding 8).

Each service and the gateway connect as their own RabbitMQ user, limited to the exchanges and
queues they use (scripts/broker_users.py creates them). A service takes its connection from
`<SERVICE>_AMQP_URI` when set (e.g. QUIZ_AMQP_URI), else from AMQP_URI: `ServiceContainer` (nameko's
SERVICE_CONTAINER_CLS, deploy/nameko.yaml) swaps it into the container's config before anything
connects, so `make run` and compose can give every process its user from one environment.

RPC messages between services carry the AMQP `user_id` property, which RabbitMQ checks against the
connection's user (a message claiming another user is refused by the broker): `caller_rpc`
entrypoints accept a call only from the broker users they name (or, in a deployment where everything
shares one user, from that user: nothing can be told apart there).
"""
import os
import urllib.parse

from nameko import containers
from nameko.constants import AMQP_URI_CONFIG_KEY
from nameko.rpc import Rpc

from common.errors import Forbidden
from common.settings import env


def service_amqp_uri(service, default):
    return env(f"{service.upper()}_AMQP_URI") or default


def broker_user(amqp_uri):
    """The user a connection to `amqp_uri` logs in as (kombu's default: guest)."""
    user = urllib.parse.urlparse(amqp_uri).username
    return urllib.parse.unquote(user) if user else "guest"


class ServiceContainer(containers.ServiceContainer):
    """nameko's container with the service's own broker user (`<SERVICE>_AMQP_URI`)."""

    def __init__(self, service_cls, config):
        config = dict(config)
        name = getattr(service_cls, "name", "")
        config[AMQP_URI_CONFIG_KEY] = service_amqp_uri(name, config.get(AMQP_URI_CONFIG_KEY))
        super().__init__(service_cls, config)


class CallerRpc(Rpc):
    """An RPC entrypoint only the named broker users may call (see the module doc)."""

    def __init__(self, callers=tuple, **kwargs):
        # A callable returning the allowed users (read at each call). Pass it by keyword: nameko takes
        # a lone positional callable for the decorated method itself.
        self.callers = callers
        super().__init__(**kwargs)

    def handle_message(self, body, message):
        caller = message.properties.get("user_id")
        own = broker_user(self.container.config[AMQP_URI_CONFIG_KEY])
        if not caller or (caller not in self.callers() and caller != own):
            # Raised here, the RPC consumer answers the caller with it; nothing runs.
            raise Forbidden("caller_not_allowed", f"{self.container.service_name}.{self.method_name} "
                                                  f"is not for broker user {caller or '(none)'}")
        super().handle_message(body, message)


caller_rpc = CallerRpc.decorator


# --- what each broker user may do (scripts/broker_users.py) -----------------------------------
# nameko's names: RPC requests go through the topic exchange `nameko-rpc` to `rpc-<service>`,
# replies through it to `rpc.reply-<caller>-<uuid>`; events through `<source>.events` to
# `evt-<source>-<type>--<service>.<method>`; common/retry.py adds `<service>.retry*` and
# `<service>.dead-letter`. RabbitMQ checks configure (declare, delete), write (publish to an
# exchange, bind a queue) and read (consume from a queue, bind from an exchange).

SERVICES = ("quiz", "scoring", "media", "awards")
# Whose events each service handles (its reliable_handler entrypoints; tests/security checks this
# against the service classes).
LISTENS_TO = {"quiz": ("scoring",), "scoring": ("quiz",), "media": ("media",), "awards": ()}
RPC_EXCHANGE = "nameko-rpc"


def _anchored(patterns):
    return "^(" + "|".join(patterns) + ")$"


def permissions(name):
    """{configure, write, read} regexes of the broker user of `name` (a service or "gateway")."""
    import re

    if name == "gateway":
        # Calls services and reads their answers; declares nothing else, consumes nothing else.
        own = [re.escape(RPC_EXCHANGE), r"rpc\.reply-gateway-.*"]
        return {"configure": _anchored(own), "write": _anchored(own), "read": _anchored(own)}
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
