"""The `health` RPC every service answers: process alive, database reachable."""
import os
import socket

from sqlalchemy import text


def check(service_name, db):
    database = "ok"
    try:
        with db.session() as session:
            session.execute(text("SELECT 1"))
    except Exception as exc:  # report, don't raise: health must answer
        database = f"error: {type(exc).__name__}"
    return {
        "service": service_name,
        "status": "ok" if database == "ok" else "degraded",
        "database": database,
        "dialect": db.engine.dialect.name,
        "host": socket.gethostname(),
        "pid": os.getpid(),
    }
