from common.migrations_env import run
from services.scoring import config
from services.scoring.models import Base

run(Base.metadata, config.database_url())
