"""The two stores for the tests: every test marked `both_stores` runs on SQLite and PostgreSQL.

PostgreSQL comes from `STERK_TEST_DATABASE_URL` (any database on the server; the account must
be allowed to create databases), else from a server answering on 127.0.0.1:5432 (trust auth,
user postgres, as CI and the development machines have it). Each pytest process (each xdist
worker) creates its own database `sterk_test_<worker>_<pid>` and drops it at the end; every
test starts on an empty schema. Without a server the PostgreSQL half is skipped, and the run
ends with a line that says so (`pytest_terminal_summary` in conftest.py).
"""

from __future__ import annotations

import os
import socket
import sqlite3
from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import urlsplit

import psycopg

from bot.config import Settings
from bot.storage import repository
from bot.storage.db import translate

LOCAL = "postgresql://postgres@127.0.0.1:5432/postgres"
STORES = ("sqlite", "postgresql")
ALL = os.environ.get("STERK_TEST_STORES", "") == "all"  # every test on both, not only the marked
NO_SERVER = (
    "no PostgreSQL: STERK_TEST_DATABASE_URL is not set and nothing answers on 127.0.0.1:5432"
)


def server_url() -> str | None:
    """The PostgreSQL server to test on, or None."""
    url = os.environ.get("STERK_TEST_DATABASE_URL", "").strip()
    if url:
        return url
    try:
        socket.create_connection(("127.0.0.1", 5432), timeout=0.5).close()
    except OSError:
        return None
    return LOCAL


def with_database(url: str, name: str) -> str:
    """The same server URL, naming another database."""
    return urlsplit(url)._replace(path=f"/{name}").geturl()


def test_database(url: str) -> Iterator[str]:
    """Create this process's database, yield its URL, drop it afterwards."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    name = f"sterk_test_{worker}_{os.getpid()}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
        # Tests need no durability across a server crash: commits do not wait for the disk.
        admin.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
    try:
        yield with_database(url, name)
    finally:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def empty(url: str) -> None:
    """Leave the test database as a fresh start would find it.

    When exactly the shipped migrations are applied, every row is deleted and the id counters
    restart (about 20 ms; migrating from nothing takes most of a second); otherwise (a test
    added a migration, or nothing is there yet) the schema is dropped and the next open
    migrates from nothing.
    """
    shipped = [number for number, _ in repository._migrations("postgresql")]
    with psycopg.connect(url, autocommit=True) as conn:
        tables = [
            str(name)
            for (name,) in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
            )
        ]
        applied = (
            [n for (n,) in conn.execute("SELECT number FROM schema_migrations ORDER BY number")]
            if "schema_migrations" in tables
            else []
        )
        if applied != shipped:
            conn.execute("DROP SCHEMA public CASCADE")
            conn.execute("CREATE SCHEMA public")
            return
        with conn.transaction():  # every foreign key cascades or nulls: any order works
            for table in tables:
                if table != "schema_migrations":
                    conn.execute(f"DELETE FROM {table}")
            conn.execute(
                "SELECT setval(c.oid, 1, false) FROM pg_class c "
                "WHERE c.relkind = 'S' AND c.relnamespace = current_schema()::regnamespace"
            )


def query(settings: Settings, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """Read or write the bot's database from outside, as an operator would (either store);
    a write is committed at once."""
    if settings.database_url:
        with psycopg.connect(settings.database_url, autocommit=True) as conn:
            cur = conn.execute(translate(sql), tuple(params))
            return cur.fetchall() if cur.description else []
    db = sqlite3.connect(settings.db_path)
    try:
        with db:
            return [tuple(row) for row in db.execute(sql, tuple(params)).fetchall()]
    finally:
        db.close()


def tables_with_user_id(settings: Settings) -> list[str]:
    """Tables with a `user_id` column, read from the catalogue (not through our code)."""
    if settings.database_url:
        rows = query(
            settings,
            "SELECT table_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND column_name = 'user_id'",
        )
        return sorted(str(name) for (name,) in rows)
    tables = query(settings, "SELECT name FROM sqlite_master WHERE type='table'")
    return sorted(
        str(table)
        for (table,) in tables
        if any(row[1] == "user_id" for row in query(settings, f"PRAGMA table_info({table})"))
    )
