"""Group commit on SQLite: concurrent write transactions share COMMITs, and one that fails fails alone."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Awaitable, Callable

import anyio
import pytest
import sqlalchemy as sa

from asgi_api.server.database import Database, tables, utcnow

pytestmark = [pytest.mark.anyio, pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)]

WRITERS = 48


def _variable(name: str) -> dict[str, object]:
    now = utcnow()
    return {"id": uuid.uuid4(), "created": now, "updated": now, "name": name, "value": 1, "tags": []}


async def _statements(database: Database) -> list[str]:
    """Every statement the writer connection runs from now on, as SQLite traces them."""
    statements: list[str] = []
    async with database.transaction(write=True) as session:
        await session._connection.raw_connection.set_trace_callback(statements.append)
    return statements


async def _all_at_once(count: int, write: Callable[[int], Awaitable[None]]) -> dict[int, BaseException]:
    """`write(0)` ... `write(count - 1)` concurrently; the exception each one raised, by number."""
    errors: dict[int, BaseException] = {}

    async def one(number: int) -> None:
        try:
            await write(number)
        except Exception as exc:
            errors[number] = exc

    with anyio.fail_after(60):
        async with anyio.create_task_group() as group:
            for number in range(count):
                group.start_soon(one, number)
    return errors


async def _names(database: Database) -> set[str]:
    async with database.transaction() as session:
        return {row["name"] for row in await session.fetch_all(sa.select(tables.variable.c.name))}


async def test_concurrent_writes_share_commits(database: Database) -> None:
    statements = await _statements(database)

    async def write(number: int) -> None:
        async with database.transaction(write=True) as session:
            await session.execute(tables.variable.insert().values(_variable(f"v{number}")))
            await anyio.sleep(0)  # the others queue up meanwhile

    assert await _all_at_once(WRITERS, write) == {}
    assert await _names(database) == {f"v{number}" for number in range(WRITERS)}
    assert 1 <= statements.count("COMMIT") < WRITERS / 2


async def test_a_failing_write_rolls_back_alone_and_the_others_commit(database: Database) -> None:
    async with database.transaction(write=True) as session:
        await session.execute(tables.variable.insert().values(_variable("taken")))
    statements = await _statements(database)

    async def write(number: int) -> None:
        async with database.transaction(write=True) as session:
            await session.execute(tables.variable.insert().values(_variable(f"v{number}")))
            await anyio.sleep(0)
            if number % 3 == 0:  # a unique constraint violated after a write of its own
                await session.execute(tables.variable.insert().values(_variable("taken")))

    errors = await _all_at_once(WRITERS, write)
    assert sorted(errors) == list(range(0, WRITERS, 3))
    assert all(isinstance(error, sqlite3.IntegrityError) for error in errors.values())
    assert await _names(database) == {"taken"} | {f"v{number}" for number in range(WRITERS) if number % 3}
    assert statements.count("COMMIT") < WRITERS / 2  # the failures happened inside shared transactions


async def test_an_error_raised_by_the_code_rolls_back_that_write_only(database: Database) -> None:
    async def write(number: int) -> None:
        async with database.transaction(write=True) as session:
            await session.execute(tables.variable.insert().values(_variable(f"v{number}")))
            await anyio.sleep(0)
            if number % 2:
                raise ValueError("changed my mind")

    errors = await _all_at_once(WRITERS, write)
    assert sorted(errors) == list(range(1, WRITERS, 2))
    assert await _names(database) == {f"v{number}" for number in range(0, WRITERS, 2)}


async def test_a_cancelled_write_rolls_back_and_the_others_commit(database: Database) -> None:
    async def write(number: int) -> None:
        with anyio.move_on_after(0.2 if number == 0 else 60):
            async with database.transaction(write=True) as session:
                await session.execute(tables.variable.insert().values(_variable(f"v{number}")))
                await anyio.sleep(1 if number == 0 else 0)

    assert await _all_at_once(8, write) == {}
    assert await _names(database) == {f"v{number}" for number in range(1, 8)}
