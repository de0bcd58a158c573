"""Write a new Alembic revision for one service by comparing its models with a scratch database.

    python scripts/new_migration.py quiz "add column x"
"""
import importlib
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from alembic import command  # noqa: E402
from alembic.config import Config  # noqa: E402


def main(service, message):
    config = importlib.import_module(f"services.{service}.config")
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/scratch.db"
        os.environ[f"{service.upper()}_DATABASE_URL"] = url
        cfg = Config()
        cfg.set_main_option("script_location", config.MIGRATIONS_DIR)
        cfg.set_main_option("sqlalchemy.url", url)
        command.upgrade(cfg, "head")
        command.revision(cfg, message=message, autogenerate=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
