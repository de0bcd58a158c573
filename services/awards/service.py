"""Nameko entrypoints of the awards service: wiring only, logic lives in domain.py."""
from nameko.events import EventDispatcher
from nameko.rpc import rpc

from common import health
from common.nameko_deps import DatabaseProvider, RequestContext
from services.awards import config


class AwardsService:
    name = config.SERVICE_NAME

    db = DatabaseProvider(config.database_url, config.MIGRATIONS_DIR)
    ctx = RequestContext()
    dispatch = EventDispatcher()

    @rpc
    def health(self):
        return health.check(self.name, self.db)
