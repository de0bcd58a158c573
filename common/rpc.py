"""The `rpc` entrypoint every service uses: nameko's, except that a lost reply does not kill the service.

Nameko 2.14 publishes an RPC reply from the worker's thread; if the broker is unreachable at that
moment (a broker restart while calls are in flight), the publish error escapes the worker, the
container treats it as fatal and the whole service process exits. Here a reply that cannot be
published is logged and dropped instead, and the request is NOT acked: when the consumer reconnects,
the broker redelivers it and the (idempotent) method runs again, answering on the new connection.
The caller meanwhile times out (the gateway answers 503) or gets the re-run's reply.

Use `from common.rpc import rpc` instead of `from nameko.rpc import rpc`.
"""
import logging

import amqp.exceptions
import kombu.exceptions
import nameko.rpc

log = logging.getLogger(__name__)

# What a publish raises when the connection to the broker is gone.
CONNECTION_ERRORS = (
    OSError,
    kombu.exceptions.OperationalError,
    amqp.exceptions.ConnectionError,
    amqp.exceptions.RecoverableConnectionError,
)


class Rpc(nameko.rpc.Rpc):
    def handle_result(self, message, worker_ctx, result, exc_info):
        try:
            return super().handle_result(message, worker_ctx, result, exc_info)
        except CONNECTION_ERRORS as exc:
            log.warning(
                "reply of %s.%s not sent (broker unreachable: %s); the request will be redelivered",
                self.container.service_name, self.method_name, exc,
            )
            return result, exc_info


rpc = Rpc.decorator
