"""Nameko entrypoints of the media service: wiring only, logic lives in domain.py."""
from nameko.events import EventDispatcher
from nameko.rpc import rpc

from common import health
from common.nameko_deps import DatabaseProvider, RequestContext
from services.media import config
from services.media.storage import ObjectStorage


class MediaService:
    name = config.SERVICE_NAME

    db = DatabaseProvider(config.database_url, config.MIGRATIONS_DIR)
    storage = ObjectStorage()
    ctx = RequestContext()
    dispatch = EventDispatcher()

    @rpc
    def health(self):
        report = health.check(self.name, self.db)
        report["s3"] = self.storage.check()
        report["bucket"] = self.storage.bucket
        if report["s3"] != "ok":
            report["status"] = "degraded"
        return report
