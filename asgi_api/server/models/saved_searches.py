"""Saved searches, unique by name."""

from __future__ import annotations

import uuid

import msgspec
import sqlalchemy as sa

from asgi_api.server.database import Session, tables, utcnow
from asgi_api.server.schemas.saved_searches import SavedSearch, SavedSearchCreate

__all__ = ["delete_saved_search", "read_saved_search", "read_saved_searches", "upsert_saved_search"]

_table = tables.saved_search


async def upsert_saved_search(session: Session, search: SavedSearchCreate) -> tuple[SavedSearch, bool]:
    """The search stored under its name, and whether it is new."""
    now = utcnow()
    filters = msgspec.to_builtins(search.filters)
    statement = session.insert(_table).values(id=uuid.uuid4(), created=now, updated=now, name=search.name,
                                              filters=filters)
    statement = statement.on_conflict_do_update(index_elements=[_table.c.name],
                                                set_={"filters": filters, "updated": now})
    row = await session.fetch_one(statement.returning(*_table.c))
    assert row is not None
    return msgspec.convert(row, SavedSearch), row["created"] == now


async def read_saved_search(session: Session, search_id: uuid.UUID) -> SavedSearch | None:
    row = await session.fetch_one(sa.select(_table).where(_table.c.id == search_id))
    return None if row is None else msgspec.convert(row, SavedSearch)


async def read_saved_searches(session: Session, limit: int, offset: int) -> list[SavedSearch]:
    rows = await session.fetch_all(sa.select(_table).order_by(_table.c.name).limit(limit).offset(offset))
    return [msgspec.convert(row, SavedSearch) for row in rows]


async def delete_saved_search(session: Session, search_id: uuid.UUID) -> bool:
    return await session.fetch_one(sa.delete(_table).where(_table.c.id == search_id).returning(_table.c.id)) \
        is not None
