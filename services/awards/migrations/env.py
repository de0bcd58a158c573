from common.migrations_env import run
from services.awards import config
from services.awards.models import Base

run(Base.metadata, config.database_url())
