from common.migrations_env import run
from services.media import config
from services.media.models import Base

run(Base.metadata, config.database_url())
