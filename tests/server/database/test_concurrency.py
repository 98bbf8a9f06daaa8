"""Many writers at once in one process: no "database is locked", and no lost updates on SQLite."""

from __future__ import annotations

import uuid

import anyio
import pytest
import sqlalchemy as sa

from asgi_api.server.database import Database, tables, utcnow

pytestmark = pytest.mark.anyio

WRITERS = 64


async def _write(database: Database, number: int) -> None:
    now = utcnow()
    async with database.transaction(write=True) as session:
        flow_id = uuid.uuid4()
        await session.execute(tables.flow.insert().values(
            id=flow_id, created=now, updated=now, name=f"flow-{number}", tags=[], labels={}))
        await anyio.sleep(0)  # let the others run while this transaction is open
        await session.execute(tables.flow.update().where(tables.flow.c.id == flow_id).values(tags=[str(number)]))


async def _read(database: Database) -> None:
    async with database.transaction() as session:
        await session.fetch_all(sa.select(tables.flow.c.name))


async def test_concurrent_write_transactions_all_succeed(database: Database) -> None:
    with anyio.fail_after(60):
        async with anyio.create_task_group() as group:
            for number in range(WRITERS):
                group.start_soon(_write, database, number)
                group.start_soon(_read, database)
    async with database.transaction() as session:
        assert await session.fetch_val(sa.select(sa.func.count()).select_from(tables.flow)) == WRITERS


# SQLite only: PostgreSQL runs write transactions side by side (READ COMMITTED); that is the point.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_sqlite_write_transactions_take_turns(database: Database) -> None:
    """Read-modify-write with a pause in between: a lost update would show if two overlapped."""
    now = utcnow()
    async with database.transaction(write=True) as session:
        await session.execute(tables.variable.insert().values(
            id=uuid.uuid4(), created=now, updated=now, name="counter", value=0, tags=[]))

    async def increment() -> None:
        async with database.transaction(write=True) as session:
            value = await session.fetch_val(sa.select(tables.variable.c.value))
            await anyio.sleep(0.001)
            await session.execute(tables.variable.update().values(value=value + 1))

    with anyio.fail_after(60):
        async with anyio.create_task_group() as group:
            for _ in range(WRITERS):
                group.start_soon(increment)
    async with database.transaction() as session:
        assert await session.fetch_val(sa.select(tables.variable.c.value)) == WRITERS
