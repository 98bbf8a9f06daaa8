"""`GroupCommit`: concurrent write transactions on SQLite share one real transaction and one COMMIT.

Write transactions take turns on the one writer connection anyway. Committing each on its own
costs a `BEGIN IMMEDIATE`, a `COMMIT` (the WAL frames of every page it touched, written again by
the next one) and two thread hops. Here a turn that ends while other writers wait leaves the
transaction open for them, and the last turn of the run (or the one that fills a group) commits for
all. Each turn runs inside its own SAVEPOINT, so a failing request rolls back only its own writes
and gets its own error. A turn returns only once the COMMIT that holds it succeeded: a 2xx still
means committed, and a failed COMMIT fails every turn of the group. (So would a deferred
constraint, checked only at COMMIT: the server's tables have none.)
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import anyio
from databases.core import Connection

from asgi_api.server.database.sqlite_backend import run_statements

logger = logging.getLogger("asgi_api.server.database")

MAX_TURNS = 32  # requests per COMMIT at most: bounds how long the first one waits for the others
NOBODY_COMMITS_S = 0.05  # a waiting turn checks this often that its group still has a committer


class GroupRolledBack(sqlite3.OperationalError):
    """Another turn's failure took the whole transaction with it; this write was not kept."""

    def __init__(self) -> None:
        # "database is busy": the wording errors.is_retryable_error recognises, since a retry succeeds.
        super().__init__("database is busy: another write of the same group commit failed; try again")


class _Group:
    """The turns sharing one transaction, and how it ended."""

    __slots__ = ("done", "error", "turns")

    def __init__(self) -> None:
        self.done = anyio.Event()
        self.error: BaseException | None = None
        self.turns = 0


class GroupCommit:
    """Turns on the writer connection that `open_writer` opens (again, after one was dropped)."""

    def __init__(self, open_writer: Callable[[], Awaitable[Connection]],
                 close: Callable[[Connection], Awaitable[None]]) -> None:
        self._open_writer = open_writer
        self._close = close
        self._lock = anyio.Lock()
        self._connection: Connection | None = None
        self._group: _Group | None = None

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[Connection]:
        """The writer inside a savepoint of the group's transaction; returns once committed."""
        async with self._lock:
            connection, group = await self._join()
            try:
                yield connection
            except BaseException:
                with anyio.CancelScope(shield=True):
                    await self._undo(connection, group)
                    await self._end_turn(group)
                raise
            with anyio.CancelScope(shield=True):
                commit = self._commits_now(group, group.turns + 1)
                try:
                    await run_statements(connection, "RELEASE turn", *(["COMMIT"] if commit else []))
                except BaseException as exc:
                    await self._fail(group, exc)
                    raise
                group.turns += 1
                if commit:
                    self._committed_now(group)
        await self._committed(group)

    async def connect(self) -> None:
        """Open the writer now, so the database file is set up before anything reads it."""
        async with self._lock:
            if self._connection is None:
                self._connection = await self._open_writer()

    async def close(self) -> None:
        """Commit what is pending and close the writer."""
        async with self._lock:
            if self._group is not None:
                await self._commit(self._group)
            if self._connection is not None:
                connection, self._connection = self._connection, None
                await self._close(connection)

    async def _join(self) -> tuple[Connection, _Group]:
        if self._connection is None:
            self._connection = await self._open_writer()
        connection = self._connection
        begin = ["BEGIN IMMEDIATE"] if self._group is None else []  # "database is locked" from another process: a 503
        group = self._group = self._group or _Group()
        try:
            await run_statements(connection, *begin, "SAVEPOINT turn")
        except BaseException as exc:
            await self._fail(group, exc)
            raise
        return connection, group

    async def _undo(self, connection: Connection, group: _Group) -> None:
        """Roll back this turn's writes only; if SQLite already rolled back everything, fail the group."""
        try:
            await run_statements(connection, "ROLLBACK TO turn", "RELEASE turn")
        except Exception:
            await self._fail(group, GroupRolledBack())

    def _commits_now(self, group: _Group, turns: int) -> bool:
        """Whether the turn ending now commits: the group is full, or nobody waits to join it."""
        return self._group is group and (turns >= MAX_TURNS or not self._lock.statistics().tasks_waiting)

    async def _end_turn(self, group: _Group) -> None:
        if self._commits_now(group, group.turns):
            await self._commit(group)

    async def _commit(self, group: _Group) -> None:
        assert self._connection is not None
        try:
            await run_statements(self._connection, "COMMIT")
        except BaseException as exc:
            await self._fail(group, exc)
            return
        self._committed_now(group)

    def _committed_now(self, group: _Group) -> None:
        self._group = None
        group.done.set()

    async def _fail(self, group: _Group, error: BaseException) -> None:
        """End `group` with `error` for every turn still waiting; roll back, or drop the connection."""
        group.error = error
        group.done.set()
        self._group = None
        connection = self._connection
        if connection is None:
            return
        try:
            if connection.raw_connection.in_transaction:
                await run_statements(connection, "ROLLBACK")
        except Exception:
            logger.warning("Dropping the SQLite writer connection, which could not roll back", exc_info=True)
            self._connection = None
            await self._close(connection)

    async def _committed(self, group: _Group) -> None:
        """Wait for the group's end. Should the turn meant to commit never come (a waiting task that
        was cancelled), take the lock and commit the group here."""
        while not group.done.is_set():
            with anyio.move_on_after(NOBODY_COMMITS_S):
                await group.done.wait()
            if not group.done.is_set():
                async with self._lock:
                    if self._group is group:
                        with anyio.CancelScope(shield=True):
                            await self._commit(group)
        if group.error is not None:
            raise group.error
