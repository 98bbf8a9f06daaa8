"""`Session`: the queries of one transaction, and the two per-request session dependencies.

Routes ask for `Depends(read_session)` or `Depends(write_session)`. Both are response-scoped: the
transaction commits after the endpoint returns and *before* the response starts, and rolls back
on any error, so a 2xx always means committed and a failed commit becomes the error response.
The `Database` is `request.app.state.database` (inside a mounted app, `request.app` is that app).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from databases.core import Connection
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql import ClauseElement
from starlette.requests import Request

from asgi_api.dependencies import response_scoped_dependency

if TYPE_CHECKING:
    from asgi_api.database.connection import Database

Row = dict[str, Any]


class Session:
    """One open transaction. Rows come back as plain dicts whose values went through the column
    types (UUIDs, aware datetimes, decoded JSON) on both backends; use labels when two selected
    columns share a name. `execute` returns nothing: the drivers disagree on what it would be, so
    use `.returning(...)` with `fetch_one`/`fetch_all` to learn which rows a statement touched."""

    __slots__ = ("_connection", "dialect", "write")

    def __init__(self, connection: Connection, dialect: str, write: bool) -> None:
        self._connection = connection
        self.dialect = dialect  # "sqlite" or "postgresql"
        self.write = write

    async def fetch_all(self, query: ClauseElement) -> list[Row]:
        return [_row(record) for record in await self._connection.fetch_all(query)]

    async def fetch_one(self, query: ClauseElement) -> Row | None:
        record = await self._connection.fetch_one(query)
        return None if record is None else _row(record)

    async def fetch_val(self, query: ClauseElement) -> Any:
        return await self._connection.fetch_val(query)

    async def execute(self, query: ClauseElement) -> None:
        await self._connection.execute(query)

    async def execute_many(self, query: ClauseElement, values: list[dict[str, Any]]) -> None:
        """Run `query` once per dict of `values` (an insert of many rows, say)."""
        await self._connection.execute_many(query, values)

    def insert(self, table: sa.Table) -> Any:
        """The dialect's INSERT for `table`: it has `on_conflict_do_nothing`/`on_conflict_do_update`
        with the same arguments on both backends, which is how models write upserts."""
        return (postgresql.insert if self.dialect == "postgresql" else sqlite.insert)(table)


def _row(record: Any) -> Row:
    # Indexing by key applies the column type's result processing; `record._mapping` would not on PostgreSQL.
    # str(): SQLAlchemy hands out `quoted_name` keys, which msgspec does not take as `str`.
    return {str(key): record[key] for key in record.keys()}


def _database(request: Request) -> Database:
    database = getattr(request.app.state, "database", None)
    if database is None:
        raise RuntimeError("No database on this app: set `app.state.database` to an open `Database`")
    return database


@response_scoped_dependency
async def read_session(request: Request) -> AsyncIterator[Session]:
    """A read-only transaction for this request (runs alongside other reads; writes fail)."""
    async with _database(request).transaction(write=False) as session:
        yield session


@response_scoped_dependency
async def write_session(request: Request) -> AsyncIterator[Session]:
    """A write transaction for this request. On SQLite write transactions take turns within the
    process, so keep the endpoint short and do not open a second write transaction inside it."""
    async with _database(request).transaction(write=True) as session:
        yield session
