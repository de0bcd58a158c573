from common.migrations_env import run
from services.quiz import config
from services.quiz.models import Base

run(Base.metadata, config.database_url())
