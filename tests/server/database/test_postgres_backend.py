"""The PostgreSQL backend's compiled-statement cache: a statement shape compiled once gives the
right rows for every set of values, `IN` lists of any length, and literal `%` signs."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from asgi_api.server.database import Database, tables, utcnow
from asgi_api.server.database.postgres_backend import CachingPostgresBackend

pytestmark = [pytest.mark.anyio, pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)]


async def test_cached_statements_take_each_executions_values(database: Database) -> None:
    backend = database._database._backend
    # seam: databases Database.SUPPORTED_BACKENDS, Database._backend
    assert isinstance(backend, CachingPostgresBackend)
    now = utcnow()
    names = [f"v{number}%" for number in range(6)]
    async with database.transaction(write=True) as session:
        for number, name in enumerate(names):
            await session.execute(tables.variable.insert().values(
                id=uuid.uuid4(), created=now, updated=now, name=name, value={"n": number}, tags=[name]))
    shapes = len(backend._prepared)
    variable = tables.variable.c
    async with database.transaction() as session:
        for size in (1, 3, 6):
            rows = await session.fetch_all(sa.select(variable.name, variable.value).where(
                variable.name.in_(names[:size])).order_by(variable.name))
            assert rows == [{"name": name, "value": {"n": number}} for number, name in enumerate(names[:size])]
        for number, name in enumerate(names):
            row = await session.fetch_one(sa.select(variable.value, variable.created).where(variable.name == name))
            assert row == {"value": {"n": number}, "created": now}
        literal = await session.fetch_val(sa.select(sa.func.count()).select_from(tables.variable)
                                          .where(variable.name.like(sa.literal_column("'v1%'"))))
        assert literal == 1
    assert len(backend._prepared) == shapes + 3  # the IN select, the equality select, the LIKE count
