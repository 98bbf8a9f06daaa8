"""`Session`: the queries of one transaction (routers get one from `asgi_api.server.dependencies`)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from databases.core import Connection
from sqlalchemy.dialects import sqlite
from sqlalchemy.sql import ClauseElement

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
        if self.dialect == "postgresql":
            from sqlalchemy.dialects import postgresql  # only on PostgreSQL: a SQLite server never loads it

            return postgresql.insert(table)
        return sqlite.insert(table)


def _row(record: Any) -> Row:
    # Indexing by key applies the column type's result processing; `record._mapping` would not on PostgreSQL.
    # str(): SQLAlchemy hands out `quoted_name` keys, which msgspec does not take as `str`.
    return {str(key): record[key] for key in record.keys()}

