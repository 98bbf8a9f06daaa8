from __future__ import annotations

import anyio
import pytest
import sqlalchemy as sa

from asgi_api.server.database import Database, metadata, migrate, open_database, utcnow
from asgi_api.server.database.migrations import MIGRATIONS, schema_migration

pytestmark = pytest.mark.anyio


@pytest.fixture
def database_url(empty_database_url: str) -> str:
    """A database of these tests' own, without the schema: they create it, and one spoils it."""
    return empty_database_url


async def _table_names(database: Database) -> set[str]:
    query = (sa.text("SELECT name FROM sqlite_master WHERE type = 'table'") if database.dialect == "sqlite" else
             sa.text("SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'"))
    async with database.transaction() as session:
        return {row["name"] for row in await session.fetch_all(query)}


async def _versions(database: Database) -> list[int]:
    async with database.transaction() as session:
        return [row["version"] for row in await session.fetch_all(
            sa.select(schema_migration.c.version).order_by(schema_migration.c.version))]


async def test_migrate_creates_every_table_and_is_idempotent(database_url: str) -> None:
    async with open_database(database_url) as database:
        assert await migrate(database) == MIGRATIONS[-1].version
        assert await _table_names(database) >= {*metadata.tables, "schema_migration"}
        assert await _versions(database) == [migration.version for migration in MIGRATIONS]


async def test_concurrent_migrations_from_separate_processes_agree(database_url: str) -> None:
    # Two `Database` objects share no in-process lock: they stand for two worker processes.
    first, second = Database(database_url), Database(database_url)
    await first.connect()
    await second.connect()
    try:
        with anyio.fail_after(60):
            async with anyio.create_task_group() as group:
                for database in (first, second, first):
                    group.start_soon(migrate, database)
        assert await _versions(second) == [migration.version for migration in MIGRATIONS]
    finally:
        await first.disconnect()
        await second.disconnect()


async def test_a_database_newer_than_the_code_is_refused(database: Database) -> None:
    async with database.transaction(write=True) as session:
        await session.execute(schema_migration.insert().values(
            version=MIGRATIONS[-1].version + 1, name="from the future", applied=utcnow()))
    with pytest.raises(RuntimeError, match="newer than this code"):
        await migrate(database)


async def test_is_ready(database: Database) -> None:
    assert await database.is_ready()
    unreachable = Database("postgresql+asyncpg://nobody@127.0.0.1:1/none")
    assert not await unreachable.is_ready()


async def test_a_database_from_before_artifacts_gets_their_tables(database: Database) -> None:
    async with database.transaction(write=True) as session:
        for name in ("artifact_collection", "artifact"):
            await session.execute(sa.text(f"DROP TABLE {name}"))
        await session.execute(sa.delete(schema_migration).where(schema_migration.c.version >= 2))
    assert "artifact" not in await _table_names(database)
    await migrate(database)
    assert {"artifact", "artifact_collection"} <= await _table_names(database)
    assert await _versions(database) == [migration.version for migration in MIGRATIONS]
