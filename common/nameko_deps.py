"""Nameko dependency providers shared by the services.

`DatabaseProvider` gives each worker a `Database` (engine shared per container); domain functions
take a SQLAlchemy session and know nothing about nameko.
`RequestContext` copies the gateway's request id into the log records of the worker.
"""
import logging

from nameko.extensions import DependencyProvider

from common import logs, metrics, nameko_patches
from common.db import Database

log = logging.getLogger(__name__)

# A broker restart must not kill a busy service (see common/nameko_patches.py).
nameko_patches.apply()


class DatabaseProvider(DependencyProvider):
    def __init__(self, url_factory, migrations_dir=None, on_start=None):
        self.url_factory = url_factory
        self.migrations_dir = migrations_dir
        self.on_start = on_start
        self.db = None

    def setup(self):
        service = self.container.service_name
        self.db = Database(self.url_factory(), self.migrations_dir, self.on_start, lock_name=f"{service}-startup")

    def stop(self):
        if self.db:
            self.db.dispose()

    def get_dependency(self, worker_ctx):
        return self.db


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
