"""`SQLitePool`: long-lived SQLite connections, one writer and a few readers, each set up once.

The `databases` SQLite backend opens a new aiosqlite connection (a thread, a connect, the PRAGMAs)
for every `databases.core.Connection`, which costs more than a short transaction itself. This pool
keeps its `Connection`s open instead. One writer is enough: write transactions take turns anyway,
and concurrent ones share a COMMIT (`GroupCommit`). Readers run alongside it thanks to WAL and
are `query_only`, so a write in a read transaction fails loudly instead of going around the lock.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import anyio
import databases
from databases.core import Connection

from asgi_api.server.database.group_commit import GroupCommit
from asgi_api.server.database.sqlite_backend import CachingConnection, run_statements

logger = logging.getLogger("asgi_api.server.database")

BUSY_TIMEOUT_MS = 30_000
READERS = 2  # reader threads contend for the GIL: 2 measured fastest on 2 cores, 4 and more slower

# WAL with synchronous=NORMAL loses nothing when the server process is killed, only on power loss.
# The writer switches the file to WAL (a no-op once it is) before any reader opens it.
_SETUP = ("PRAGMA busy_timeout = {busy}; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; "
          "PRAGMA query_only = {read_only};")
_WRITER_SETUP = "PRAGMA journal_mode = WAL;"


class SQLitePool:
    """The writer and up to `readers` readers of one `databases.Database`; readers open on first use.

    A reader goes back into the pool only outside a transaction: one left inside (a failed COMMIT,
    say) is rolled back first, and closed if even that fails. A task should not hold two read
    transactions at once (with every reader busy elsewhere, it would wait for itself), nor two
    write transactions (the second waits for the first's turn to end).
    """

    def __init__(self, database: databases.Database, readers: int = READERS) -> None:
        self._database = database
        self._writes = GroupCommit(lambda: self._open(write=True), _close)
        self._reader_slots = anyio.Semaphore(readers)
        self._idle_readers: list[Connection] = []
        self._closed = False

    async def connect(self) -> None:
        """Open the writer, which sets the file up (WAL) before any reader can open it."""
        await self._writes.connect()

    def writer(self) -> AbstractAsyncContextManager[Connection]:
        """A write transaction: a turn on the writer connection, ending once its COMMIT is done."""
        return self._writes.turn()

    @asynccontextmanager
    async def reader(self) -> AsyncIterator[Connection]:
        """An idle reader connection (a new one while fewer than `readers` exist)."""
        async with self._reader_slots:
            connection = self._idle_readers.pop() if self._idle_readers else await self._open(write=False)
            try:
                yield connection
            finally:
                with anyio.CancelScope(shield=True):
                    if await self._reusable(connection):
                        self._idle_readers.append(connection)

    async def close(self) -> None:
        """Close every idle connection; one in use is closed when its transaction ends."""
        with anyio.CancelScope(shield=True):
            await self._writes.close()
            self._closed = True
            idle, self._idle_readers = self._idle_readers, []
            for connection in idle:
                await _close(connection)

    async def _open(self, write: bool) -> Connection:
        if self._closed:
            raise RuntimeError("The database is disconnected")
        connection = CachingConnection(self._database, self._database._backend)  # seam: databases Database._backend
        await connection.__aenter__()
        try:
            setup = _SETUP.format(busy=BUSY_TIMEOUT_MS, read_only="OFF" if write else "ON")
            setup += _WRITER_SETUP if write else ""
            await (await connection.raw_connection.executescript(setup)).close()
        except BaseException:
            await _close(connection)
            raise
        return connection

    async def _reusable(self, connection: Connection) -> bool:
        """Whether `connection` may serve another transaction; closes it if not."""
        if not self._closed:
            try:
                if connection.raw_connection.in_transaction:
                    await run_statements(connection, "ROLLBACK")
                return True
            except Exception:
                logger.warning("Dropping an SQLite connection that could not roll back", exc_info=True)
        await _close(connection)
        return False


async def _close(connection: Connection) -> None:
    try:
        await connection.__aexit__(None, None, None)
    except Exception:  # closing is best effort: the file stays consistent either way
        logger.warning("Closing an SQLite connection failed", exc_info=True)
