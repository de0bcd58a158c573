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

Only the gateway authenticates people, so only the gateway may say who acts: with ACTOR_CALLERS set
(the gateway's broker user; compose and `make run` set it), an RPC whose first parameter is `actor`
(or `calls`, the coalesced batches of such calls) is refused unless its message comes from one of
those users. Services never pass an actor to each other (docs/CONTRACTS.md). Unset, as in the tests
that run everything as one user, nothing is checked: one shared user cannot be told apart anyway.
"""
import inspect

from nameko import containers
from nameko.constants import AMQP_URI_CONFIG_KEY
from nameko.rpc import Rpc

from common.broker_acl import broker_user
from common.errors import Forbidden
from common.settings import env


def service_amqp_uri(service, default):
    return env(f"{service.upper()}_AMQP_URI") or default


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



def actor_callers():
    """ACTOR_CALLERS: the broker users whose RPC calls may carry an actor; empty: no check."""
    return {name.strip() for name in (env("ACTOR_CALLERS") or "").split(",") if name.strip()}


def _takes_actor(entrypoint):
    takes = getattr(entrypoint, "_takes_actor", None)
    if takes is None:
        method = getattr(entrypoint.container.service_cls, entrypoint.method_name)
        params = list(inspect.signature(method).parameters)[1:]  # after self
        takes = entrypoint._takes_actor = bool(params) and params[0] in ("actor", "calls")
    return takes


_nameko_handle_message = Rpc.handle_message


def handle_message(self, body, message):
    callers = actor_callers()
    if callers and _takes_actor(self):
        caller = message.properties.get("user_id")
        if caller not in callers and caller != broker_user(self.container.config[AMQP_URI_CONFIG_KEY]):
            raise Forbidden("caller_not_allowed", f"{self.container.service_name}.{self.method_name} takes "
                                                  f"an actor from the gateway only, not from {caller or '(none)'}")
    _nameko_handle_message(self, body, message)


def apply():
    """Check the caller of every RPC that takes an actor (idempotent; common.nameko_deps runs it)."""
    Rpc.handle_message = handle_message
