"""Column types that read back the same Python values from SQLite and PostgreSQL.

- `UTCDateTime`: timezone-aware UTC datetimes. SQLite has no time zones: values are stored as UTC
  text (fixed width, so text order is time order) and get `tzinfo=UTC` back when read.
- `JSONValue`: JSON text on SQLite, JSONB on PostgreSQL (so models may use `@>` / `?` there);
  Python `None` is stored as SQL NULL, not JSON `null`.
- UUIDs use SQLAlchemy's `Uuid`: native `uuid` on PostgreSQL, 32 hex digits (no dashes) on SQLite.
  `databases` skips the column type for the values of an expanded `IN (...)` list, so sqlite3 is
  taught the same 32-digit form here; PostgreSQL's driver takes `uuid.UUID` values as they are.
"""

from __future__ import annotations

import datetime
import sqlite3
import uuid
from typing import Any

import sqlalchemy as sa

UTC = datetime.timezone.utc

sqlite3.register_adapter(uuid.UUID, lambda value: value.hex)


class UTCDateTime(sa.TypeDecorator[datetime.datetime]):
    """A timezone-aware datetime, always UTC. Naive values are refused: their zone is a guess."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime.datetime | None, dialect: sa.Dialect) -> datetime.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: give it a time zone")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime.datetime | None, dialect: sa.Dialect) -> datetime.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class _JSONValue(sa.TypeDecorator[Any]):
    """JSON, as JSONB on PostgreSQL. Chosen per dialect when a statement is compiled (a `with_variant`
    would import SQLAlchemy's PostgreSQL dialect into every server, SQLite ones included)."""

    impl = sa.JSON(none_as_null=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: sa.Dialect) -> sa.types.TypeEngine[Any]:
        if dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import JSONB

            return dialect.type_descriptor(JSONB(none_as_null=True))
        return dialect.type_descriptor(self.impl_instance)


JSONValue: Any = _JSONValue()


def utcnow() -> datetime.datetime:
    """Now, as the `created`/`updated` value of a row (the `databases` package runs no Python
    column defaults, so inserts give these explicitly)."""
    return datetime.datetime.now(UTC)
