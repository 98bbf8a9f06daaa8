"""SQLite's long-lived connections: reused, left outside any transaction, all closed on disconnect."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio
import pytest
import sqlalchemy as sa
from sqlalchemy.schema import CreateTable

from asgi_api.server.database import Database, Session, migrate, tables, utcnow

pytestmark = pytest.mark.anyio

_scratch = sa.MetaData()
parent = sa.Table("parent", _scratch, sa.Column("id", sa.Integer, primary_key=True))
child = sa.Table("child", _scratch, sa.Column("id", sa.Integer, primary_key=True),
                 sa.Column("parent_id", sa.Integer, sa.ForeignKey("parent.id", deferrable=True, initially="DEFERRED")))


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'asgi_api.db'}")
    await database.connect()
    await migrate(database)
    yield database
    await database.disconnect()


def _driver(session: Session) -> object:
    return session._connection.raw_connection


def _variable(name: str, value: object = 1) -> dict[str, object]:
    now = utcnow()
    return {"id": uuid.uuid4(), "created": now, "updated": now, "name": name, "value": value, "tags": []}


async def _names(database: Database) -> list[str]:
    async with database.transaction() as session:
        return [row["name"] for row in await session.fetch_all(
            sa.select(tables.variable.c.name).order_by(tables.variable.c.name))]


async def test_transactions_reuse_the_writer_and_the_readers(database: Database) -> None:
    writers, readers = set(), set()
    for _ in range(3):
        async with database.transaction(write=True) as session:
            writers.add(id(_driver(session)))
        async with database.transaction() as session:
            readers.add(id(_driver(session)))
    assert len(writers) == 1 and len(readers) == 1 and writers != readers


async def test_a_read_sees_one_snapshot_from_its_first_statement(database: Database) -> None:
    """The read's BEGIN travels with its first statement; the snapshot still holds until it ends."""
    async with database.transaction(write=True) as session:
        await session.execute(tables.variable.insert().values(_variable("before")))
    names = sa.select(tables.variable.c.name).order_by(tables.variable.c.name)
    async with database.transaction() as read:
        assert [row["name"] for row in await read.fetch_all(names)] == ["before"]
        async with database.transaction(write=True) as write:
            await write.execute(tables.variable.insert().values(_variable("during")))
        assert [row["name"] for row in await read.fetch_all(names)] == ["before"]
    assert await _names(database) == ["before", "during"]
    async with database.transaction() as idle:
        pass
    assert not _driver(idle).in_transaction  # type: ignore[attr-defined]


async def test_a_cached_textual_select_sees_a_column_added_since(database: Database) -> None:
    """What reading a statement's rows needs is kept per statement, and built again when its columns change."""
    async with database.transaction(write=True) as session:
        await session.execute(sa.text("CREATE TABLE scratch_columns (a INTEGER)"))
        await session.execute(sa.text("INSERT INTO scratch_columns VALUES (1)"))
    select_all = sa.text("SELECT * FROM scratch_columns")
    async with database.transaction() as session:
        assert await session.fetch_all(select_all) == [{"a": 1}]
        assert await session.fetch_all(select_all) == [{"a": 1}]
    async with database.transaction(write=True) as session:
        await session.execute(sa.text("ALTER TABLE scratch_columns ADD COLUMN b INTEGER DEFAULT 2"))
    async with database.transaction() as session:
        assert await session.fetch_all(select_all) == [{"a": 1, "b": 2}]


async def test_a_failed_commit_leaves_the_writer_usable(database: Database) -> None:
    async with database.transaction(write=True) as session:
        for table in _scratch.sorted_tables:
            await session.execute(CreateTable(table))
    with pytest.raises(Exception, match="FOREIGN KEY"):
        async with database.transaction(write=True) as session:
            await session.execute(child.insert().values(id=1, parent_id=42))
    async with database.transaction(write=True) as session:
        await session.execute(parent.insert().values(id=1))
    async with database.transaction() as session:
        assert await session.fetch_all(sa.select(child)) == []
        assert await session.fetch_all(sa.select(parent)) == [{"id": 1}]


async def test_a_cancelled_transaction_rolls_back(database: Database) -> None:
    with anyio.move_on_after(0.05):
        async with database.transaction(write=True) as session:
            await session.execute(tables.variable.insert().values(_variable("cancelled")))
            await anyio.sleep(1)
    async with database.transaction(write=True) as session:  # BEGIN inside a transaction would fail
        await session.execute(tables.variable.insert().values(_variable("next")))
    assert await _names(database) == ["next"]


async def test_disconnect_closes_every_connection(database: Database) -> None:
    async with database.transaction() as first, database.transaction() as second:
        readers = [_driver(first), _driver(second)]
    async with database.transaction(write=True) as session:
        writer = _driver(session)
    async with database.transaction() as busy:
        await database.disconnect()  # closes the idle connections now, a busy one when released
        assert [await _closed(driver) for driver in [writer, *readers]].count(True) == 2
        assert await busy.fetch_val(sa.select(1)) == 1
    assert all([await _closed(driver) for driver in [writer, *readers]])
    with pytest.raises(RuntimeError, match="not connected"):
        async with database.transaction():
            pass
    await database.connect()  # the fixture disconnects again


async def _closed(driver: Any) -> bool:
    try:
        await driver.execute("SELECT 1")
    except ValueError:  # aiosqlite's "Connection closed"
        return True
    return False


async def test_one_statement_shape_runs_with_each_ones_values(database: Database) -> None:
    async with database.transaction(write=True) as session:
        for name in ("a", "b", "c"):
            await session.execute(tables.variable.insert().values(_variable(name, {"name": name})))
    async with database.transaction() as session:
        for names in (["a"], ["b", "c"], ["a", "b", "c"], []):
            rows = await session.fetch_all(sa.select(tables.variable.c.name, tables.variable.c.value)
                                           .where(tables.variable.c.name.in_(names)).order_by("name"))
            assert rows == [{"name": name, "value": {"name": name}} for name in names]


async def test_execute_many_inserts_every_row_with_its_types(database: Database) -> None:
    rows = [_variable(f"v{number:04}", [number]) for number in range(1500)]
    async with database.transaction(write=True) as session:
        await session.execute_many(tables.variable.insert(), rows)
        await session.execute_many(tables.variable.insert(), [])
        # Rows with different keys: one statement each, as before.
        without_value = {key: value for key, value in _variable("y").items() if key != "value"}
        await session.execute_many(tables.variable.insert(), [_variable("x"), without_value])
    async with database.transaction() as session:
        stored = await session.fetch_all(sa.select(tables.variable).order_by(tables.variable.c.name))
    assert [(row["id"], row["name"], row["value"], row["created"]) for row in stored[:1500]] == [
        (row["id"], row["name"], row["value"], row["created"]) for row in rows]
    assert [(row["name"], row["value"]) for row in stored[1500:]] == [("x", 1), ("y", None)]
