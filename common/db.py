"""Database access for a nameko service: engine, Alembic migrations at start, a session per worker.

PostgreSQL is reached through psycopg2 made cooperative with psycogreen: nameko runs on eventlet,
and a plain blocking C driver would freeze every worker of the process during one slow query.
SQLite (the single-machine default) runs in WAL mode with a busy timeout, since two quiz processes
may share one file.
"""
import contextlib
import fcntl
import logging
import os
import zlib

from sqlalchemy import create_engine, event, text
from sqlalchemy.orm import sessionmaker

log = logging.getLogger(__name__)

_green_patched = False


def _make_postgres_green():
    global _green_patched
    if _green_patched:
        return
    try:
        from eventlet import patcher
    except ImportError:  # pragma: no cover - eventlet ships with nameko
        return
    if patcher.is_monkey_patched("socket"):
        from psycogreen.eventlet import patch_psycopg

        patch_psycopg()
        _green_patched = True


def normalize_url(url):
    """`postgresql://` means psycopg2 here (SQLAlchemy 2.1 would pick psycopg 3)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg2://" + url[len(prefix):]
    return url


def make_engine(url, **kwargs):
    url = normalize_url(url)
    if url.startswith("postgresql"):
        _make_postgres_green()
        kwargs.setdefault("pool_size", int(os.environ.get("DB_POOL_SIZE", "10")))
        kwargs.setdefault("max_overflow", 10)
        # No `SELECT 1` before every transaction (DB_POOL_PRE_PING=true restores it): that extra round
        # trip is a large share of a short request's CPU (bench/RESULTS.md). After a database
        # restart the first use of a broken connection fails instead: SQLAlchemy then discards the
        # pool, RPCs answer 503 (the portal retries) and event handlers requeue, so nothing is lost
        # (tests/e2e/test_faults_suite.py crashes PostgreSQL mid-submissions and checks exactly that).
        kwargs.setdefault("pool_pre_ping", os.environ.get("DB_POOL_PRE_PING", "false").strip().lower()
                          not in ("0", "false", "no", "off"))
        return create_engine(url, **kwargs)
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, **kwargs)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine
    return create_engine(url, **kwargs)


@contextlib.contextmanager
def startup_lock(engine, name):
    """Serialise start-up work (migrations, seeding) between instances of one service.

    PostgreSQL: an advisory lock. SQLite: a lock file beside the database file.
    """
    if engine.dialect.name == "postgresql":
        key = zlib.crc32(name.encode())  # stable across processes, unlike hash()
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                conn.commit()
        return
    db_path = engine.url.database or ""
    lock_path = (os.path.abspath(db_path) if db_path and db_path != ":memory:" else "/tmp/cchc") + ".lock"
    with open(lock_path, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def migrate(engine, migrations_dir):
    """Bring the schema to Alembic's head. Safe to call from several instances at once."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", migrations_dir)
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


@contextlib.contextmanager
def session_scope(session_factory):
    """One transaction: commit on success, roll back on error, always close."""
    session = session_factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


class Database:
    """Engine + session factory of one service, migrated at construction."""

    def __init__(self, url, migrations_dir=None, on_start=None, lock_name="startup"):
        self.url = url
        self.engine = make_engine(url)
        self.Session = sessionmaker(bind=self.engine, expire_on_commit=False)
        if migrations_dir or on_start:
            with startup_lock(self.engine, lock_name):
                if migrations_dir:
                    migrate(self.engine, migrations_dir)
                if on_start:
                    with session_scope(self.Session) as session:
                        on_start(session)

    def session(self):
        return session_scope(self.Session)

    def dispose(self):
        self.engine.dispose()
