"""`Database`: the `databases` package for SQLite or PostgreSQL, one transaction per `Session`.

SQLite allows one writer at a time. Left to itself, a second writer in the same process spins on
`busy_timeout` and may still fail with "database is locked" (a deferred transaction that turns into
a write cannot wait). So write transactions take turns on the pool's one writer connection, each
in a SAVEPOINT of a `BEGIN IMMEDIATE` transaction that concurrent turns share (`GroupCommit`);
reads start with a plain `BEGIN` on reader connections and, thanks to WAL, run alongside the
writer. `busy_timeout` is left for what the pool cannot see: other processes. PostgreSQL needs no
lock: each transaction takes a connection of asyncpg's pool. Read transactions are read-only on
both backends, so a write that slipped into a read session fails loudly instead of going around
the lock.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

import anyio
import databases
import sqlalchemy as sa
from databases.core import Connection

from asgi_api.server.database.session import Session
from asgi_api.server.database.sqlite_backend import CachingSQLiteConnection, SQLiteDatabase, run_statements
from asgi_api.server.database.sqlite_pool import SQLitePool

logger = logging.getLogger("asgi_api.server.database")

_BEGIN = {("postgresql", True): "BEGIN", ("postgresql", False): "BEGIN READ ONLY"}


class Database:
    """A database at a `sqlite+aiosqlite:///path` or `postgresql+asyncpg://...` URL (the bare
    `sqlite://` and `postgresql://` schemes mean the same drivers). In-memory SQLite is not
    supported: the writer and the readers are separate connections, so each would see its own
    empty database."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.dialect = "sqlite" if url.startswith("sqlite") else "postgresql"
        self._database = SQLiteDatabase(url) if self.dialect == "sqlite" else _postgres_database(url)
        self._sqlite: SQLitePool | None = None

    async def connect(self) -> None:
        """Open the pool (PostgreSQL); create the file's directory and switch it to WAL (SQLite)."""
        if self.dialect == "sqlite":
            Path(self._database.url.database).parent.mkdir(parents=True, exist_ok=True)
        await self._database.connect()
        if self.dialect == "sqlite":
            self._sqlite = SQLitePool(self._database)
            await self._sqlite.connect()

    async def disconnect(self) -> None:
        if self._sqlite is not None:
            await self._sqlite.close()
            self._sqlite = None
        await self._database.disconnect()

    @asynccontextmanager
    async def transaction(self, write: bool = False) -> AsyncIterator[Session]:
        """One transaction: committed when the block ends normally, rolled back on any error.
        (On SQLite, concurrent write transactions share a COMMIT: see `GroupCommit`.)"""
        if write and self.dialect == "sqlite":
            async with self._sqlite_pool().writer() as connection:
                yield Session(connection, self.dialect, write)
            return
        async with self._connection() as connection:
            await self._begin(connection, write)
            try:
                yield Session(connection, self.dialect, write)
            except BaseException:
                with anyio.CancelScope(shield=True):
                    await self._rollback(connection)
                raise
            # If COMMIT fails, releasing the connection below rolls the transaction back.
            with anyio.CancelScope(shield=True):
                await _run(connection, "COMMIT", self.dialect)

    async def check_writable(self) -> None:
        """Raise the database's own error unless a write commits now.

        A committed no-op update of the migrations table: a read-only file or file system, a full
        disk, a read-only PostgreSQL or a lost connection all fail it, where `SELECT 1` would pass.
        """
        async with self.transaction(write=True) as session:
            await session.execute(sa.text("UPDATE schema_migration SET version = version"))

    async def is_ready(self) -> bool:
        """Whether the database takes writes now (for `GET /ready`)."""
        try:
            await self.check_writable()
        except Exception as exc:
            logger.warning("Database not ready: %r", exc)
            return False
        return True

    def _connection(self) -> AbstractAsyncContextManager[Connection]:
        """The connection a read transaction (or a PostgreSQL one) runs on, held while the block runs."""
        if self.dialect == "postgresql":
            return self._postgres_connection()
        return self._sqlite_pool().reader()

    def _sqlite_pool(self) -> SQLitePool:
        if self._sqlite is None:
            raise RuntimeError("The database is not connected")
        return self._sqlite

    @asynccontextmanager
    async def _postgres_connection(self) -> AsyncIterator[Connection]:
        # A connection of our own rather than `databases`' task-local one: two transactions in one
        # task (a read and a background write, say) must never share a connection.
        connection = Connection(self._database, self._database._backend)  # seam: databases Database._backend
        await connection.__aenter__()
        try:
            yield connection
        finally:
            with anyio.CancelScope(shield=True):
                await connection.__aexit__(None, None, None)

    async def _begin(self, connection: Connection, write: bool) -> None:
        """BEGIN; on SQLite, in the same trip to the driver's thread as the first statement."""
        if self.dialect == "sqlite":
            _sqlite_connection(connection).run_first("BEGIN")
        else:
            await _run(connection, _BEGIN[self.dialect, write], self.dialect)

    async def _rollback(self, connection: Connection) -> None:
        try:
            await _run(connection, "ROLLBACK", self.dialect)
        except Exception:  # the original error matters more; the connection is released anyway
            logger.warning("ROLLBACK failed", exc_info=True)


def _postgres_database(url: str) -> databases.Database:
    """The PostgreSQL backend, imported only for a PostgreSQL URL: asyncpg and SQLAlchemy's
    PostgreSQL dialect are a large share of a SQLite server's start-up time and memory."""
    from asgi_api.server.database.postgres_backend import PostgresDatabase

    return PostgresDatabase(url)


def _sqlite_connection(connection: Connection) -> CachingSQLiteConnection:
    backend = connection._connection  # seam: databases Connection._connection (the backend's connection)
    assert isinstance(backend, CachingSQLiteConnection)
    return backend


async def _run(connection: Connection, sql: str, dialect: str) -> None:
    """COMMIT or ROLLBACK (or BEGIN on PostgreSQL) straight on the driver, bypassing `databases`'
    own transactions. A SQLite transaction whose BEGIN never ran (no statement came) is just dropped."""
    if dialect == "postgresql":
        await connection.raw_connection.execute(sql)
    elif connection.raw_connection.in_transaction:
        await run_statements(connection, sql)
    else:
        _sqlite_connection(connection).discard_prelude()
