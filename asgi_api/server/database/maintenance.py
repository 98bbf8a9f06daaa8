"""`asgi-api database upgrade|reset`: bring a schema up to date, or drop it and start again.

A reset refuses a database that another process has open: dropping tables under a running server
would leave it failing on every request. SQLite: the file is opened in exclusive locking mode and
`BEGIN EXCLUSIVE` fails while any other connection (a server's idle readers included, in WAL mode)
has it open; the tables are then dropped under that same lock, so no server can start in between.
PostgreSQL: `pg_stat_activity` lists the other sessions on the database.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import asyncpg
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from asgi_api.server.database.connection import Database
from asgi_api.server.database.migrations import migrate, schema_migration
from asgi_api.server.database.tables import metadata

__all__ = ["DatabaseInUseError", "reset", "upgrade"]

_TABLES = [schema_migration.name, *(table.name for table in reversed(metadata.sorted_tables))]


class DatabaseInUseError(RuntimeError):
    """Another process has the database open; the message says how to go on."""


async def upgrade(url: str) -> tuple[int, int]:
    """Apply the pending migrations; returns the schema version before and after (0: no schema)."""
    database = Database(url)
    await database.connect()
    try:
        before = await _schema_version(database)
        return before, await migrate(database)
    finally:
        await database.disconnect()


async def reset(url: str) -> int:
    """Drop the server's tables and create the current schema; returns its version.

    Raises `DatabaseInUseError`, and changes nothing, while another process has the database open.
    """
    if url.startswith("sqlite"):
        _drop_sqlite_tables(Path(make_url(url).database or ""))
    else:
        await _drop_postgresql_tables(url)
    return (await upgrade(url))[1]


async def _schema_version(database: Database) -> int:
    exists = (sa.text("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = :name")
              if database.dialect == "sqlite" else sa.text("SELECT count(*) FROM pg_tables WHERE tablename = :name"))
    async with database.transaction() as session:
        if not await session.fetch_val(exists.bindparams(name=schema_migration.name)):
            return 0
        return int(await session.fetch_val(sa.select(sa.func.coalesce(sa.func.max(schema_migration.c.version), 0))))


def _drop_sqlite_tables(path: Path) -> None:
    if not path.exists():
        return
    connection = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        connection.execute("PRAGMA locking_mode = EXCLUSIVE")
        try:
            connection.execute("BEGIN EXCLUSIVE")
        except sqlite3.OperationalError as exc:  # "database is locked"
            raise DatabaseInUseError(f"{path} is open in another process (a running server?): "
                                     f"stop it, then reset ({exc})") from None
        for table in _TABLES:
            connection.execute(f'DROP TABLE IF EXISTS "{table}"')
        connection.execute("COMMIT")
    finally:
        connection.close()


async def _drop_postgresql_tables(url: str) -> None:
    connection = await asyncpg.connect(make_url(url).set(drivername="postgresql").render_as_string(
        hide_password=False))
    try:
        others = await connection.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND backend_type = 'client backend'")
        if others:
            raise DatabaseInUseError(f"the database {make_url(url).database!r} has {others} other session(s) "
                                     "open (a running server?): stop them, then reset")
        async with connection.transaction():
            for table in _TABLES:
                await connection.execute(f'DROP TABLE IF EXISTS "{table}" CASCADE')
    finally:
        await connection.close()
