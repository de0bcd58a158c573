"""Logging with the request id of the gateway call that caused the work.

Under eventlet's monkey patching `threading.local` is green-thread local, so each nameko worker
sees its own request id.
"""
import logging
import threading

from common import settings

_local = threading.local()


def set_request_id(value):
    _local.request_id = value


def get_request_id():
    return getattr(_local, "request_id", None)


class RequestIdFilter(logging.Filter):
    def filter(self, record):
        record.request_id = get_request_id() or "-"
        return True


FORMAT = "%(asctime)s %(levelname)s %(name)s [rid=%(request_id)s] %(message)s"


def configure(service):
    handler = logging.StreamHandler()
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(logging.Formatter(f"{service} " + FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.LOG_LEVEL)
    for noisy in ("amqp", "kombu", "urllib3", "botocore", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
