"""Nameko dependency providers shared by the services (the database is common/uow.py's StoreProvider).

`RequestContext` copies the gateway's request id into the log records of the worker.
"""
import logging

from nameko.extensions import DependencyProvider

from common import broker, logs, metrics, nameko_patches

log = logging.getLogger(__name__)

# A broker restart must not kill a busy service (see common/nameko_patches.py).
nameko_patches.apply()
# Only the gateway's broker user may say who acts (common/broker.py, ACTOR_CALLERS).
broker.apply()


class RequestContext(DependencyProvider):
    """Request id (header `nameko.request_id` from the gateway) into logs; worker metrics.

    Its setup also configures logging and starts the metrics exporter of the process.
    """

    def setup(self):
        logs.configure(self.container.service_name)
        metrics.start_exporter()

    def worker_setup(self, worker_ctx):
        logs.set_request_id(worker_ctx.data.get("request_id") or worker_ctx.call_id)
        metrics.worker_started(worker_ctx)

    def worker_result(self, worker_ctx, result=None, exc_info=None):
        metrics.worker_finished(worker_ctx, exc_info)

    def worker_teardown(self, worker_ctx):
        logs.set_request_id(None)

    def get_dependency(self, worker_ctx):
        return worker_ctx.data.get("request_id")
