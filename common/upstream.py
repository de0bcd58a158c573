"""The one way a service calls another: `Upstream("quiz", timeout_s)` as a nameko dependency.

    quiz = Upstream("quiz", config.settings.rpc_timeout_s)
    ...
    self.quiz.get_contest(code)

Nameko's RpcProxy waits forever for a reply: a silent service would hang the worker (and, in an
event handler, hold its message). Each call here is bounded by `timeout_s` (`eventlet.Timeout`, a
BaseException nameko's worker does not catch, made an ordinary exception here).

What a call raises:
- the other service's domain errors as the same common.errors classes (NotFound, Conflict, ...,
  registered with nameko's exception registry), so they map to HTTP like this service's own;
- UpstreamUnavailable when the service is silent past the deadline, not running, too old to have
  the method, unreachable, or itself unable to reach its own upstream: an event handler raising it
  gets its message requeued, an RPC caller answers 503;
- nameko's RemoteError for anything else (a bug over there), unchanged.
"""
import eventlet
from nameko.constants import AMQP_URI_CONFIG_KEY
from nameko.exceptions import MethodNotFound, RemoteError, UnknownService
from nameko.rpc import RpcProxy

from common.broker_acl import broker_user
from common.errors import DomainError, UpstreamUnavailable


def call(service, method, *args, timeout_s, **kwargs):
    """`method(*args, **kwargs)` (a bound RpcProxy method of `service`) within `timeout_s` seconds."""
    timer = eventlet.Timeout(timeout_s)
    try:
        return method(*args, **kwargs)
    except eventlet.Timeout as exc:
        if exc is not timer:  # someone else's deadline: not ours to translate
            raise
        raise UpstreamUnavailable(service, f"{service} did not answer within {timeout_s}s") from None
    except (DomainError, UpstreamUnavailable, RemoteError):
        raise
    except (UnknownService, MethodNotFound) as exc:
        # Not running, or an older version without this method.
        raise UpstreamUnavailable(service, f"{service}: {type(exc).__name__}") from None
    except Exception as exc:  # the call itself failed on our side (connection trouble)
        raise UpstreamUnavailable(service, f"{service}: {type(exc).__name__}") from exc
    finally:
        timer.cancel()


class Client:
    """`client.method(*args)` calls `service.method` with the deadline (see `call`)."""

    def __init__(self, service, proxy, timeout_s):
        self.service = service
        self.proxy = proxy
        self.timeout_s = timeout_s

    def __getattr__(self, method):
        if method.startswith("_"):
            raise AttributeError(method)
        remote = getattr(self.proxy, method)
        return lambda *args, **kwargs: call(self.service, remote, *args, timeout_s=self.timeout_s, **kwargs)


class Upstream(RpcProxy):
    """A nameko dependency: another service's RPC methods, each call bounded by `timeout_s`.
    (nameko's RpcProxy, whose methods come wrapped in `call`.)"""

    def __init__(self, service, timeout_s, **options):
        super().__init__(service, **options)
        self.service = service
        self.timeout_s = timeout_s

    def setup(self):
        # Who we are, in a property the broker verifies: the callee can tell which service calls
        # (common/broker.py, caller_rpc).
        self.options.setdefault("user_id", broker_user(self.container.config[AMQP_URI_CONFIG_KEY]))
        super().setup()

    def get_dependency(self, worker_ctx):
        return Client(self.service, super().get_dependency(worker_ctx), self.timeout_s)
