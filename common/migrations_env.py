"""Shared body of every service's Alembic env.py.

`common.db.migrate` hands over an open connection in `config.attributes["connection"]`; running
`alembic` from the command line (to write a new revision) uses the URL of the service's config.
"""
from alembic import context
from sqlalchemy import engine_from_config, pool


def run(target_metadata, default_url):
    config = context.config
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection, target_metadata)
        return
    url = config.get_main_option("sqlalchemy.url") or default_url
    engine = engine_from_config({"sqlalchemy.url": url}, prefix="sqlalchemy.", poolclass=pool.NullPool)
    with engine.connect() as conn:
        _run(conn, target_metadata)
        conn.commit()


def _run(connection, target_metadata):
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # ALTER TABLE support on SQLite
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
