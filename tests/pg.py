"""Throwaway PostgreSQL databases for tests (each test run gets its own, dropped afterwards).

PG_ADMIN_URL (default postgresql://postgres@127.0.0.1:5432/postgres) must allow CREATE DATABASE.
"""
import os
import uuid

import psycopg2

ADMIN_URL = os.environ.get("PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def _admin():
    conn = psycopg2.connect(ADMIN_URL)
    conn.autocommit = True
    return conn


def create_database(prefix="cchc_t"):
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    # Not `with conn:`: psycopg2's connection context manager opens a transaction even in
    # autocommit mode, and CREATE DATABASE refuses to run inside one.
    conn = _admin()
    try:
        with conn.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{name}"')
    finally:
        conn.close()
    base = ADMIN_URL.rsplit("/", 1)[0]
    return name, f"{base}/{name}"


def drop_database(name):
    conn = _admin()
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            )
            cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
    finally:
        conn.close()
