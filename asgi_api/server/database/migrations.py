"""Versioned schema migrations, applied by `migrate(database)` at start-up.

The `schema_migration` table lists the versions applied. A fresh database gets the current schema
from `tables` (migration 1) and is stamped with every version at once; an existing database runs
only the migrations it lacks, in order. So `tables.py` always shows the current schema, and a
change to it ships together with a migration that alters existing databases the same way:

    async def _add_flow_run_note(session: Session) -> None:
        await session.execute(sa.text("ALTER TABLE flow_run ADD COLUMN note VARCHAR"))

    MIGRATIONS = (Migration(1, ...), Migration(2, "flow_run.note", _add_flow_run_note))

Everything runs in one write transaction, so several processes may start at once: PostgreSQL
takes a transaction-scoped advisory lock first, SQLite's `BEGIN IMMEDIATE` admits one writer.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.schema import CreateIndex, CreateTable

from asgi_api.server.database.connection import Database
from asgi_api.server.database.session import Session
from asgi_api.server.database.tables import metadata
from asgi_api.server.database.types import UTCDateTime, utcnow

ADVISORY_LOCK_KEY = 0x6173_6769_6D69_6772  # "asgimigr": any constant no other code uses

schema_migration = sa.Table(
    "schema_migration", sa.MetaData(),
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("name", sa.String, nullable=False),
    sa.Column("applied", UTCDateTime, nullable=False),
)


class Migration(NamedTuple):
    version: int
    name: str
    apply: Callable[[Session], Awaitable[None]]


async def _create(session: Session, tables: list[sa.Table]) -> None:
    for table in tables:
        await session.execute(CreateTable(table, if_not_exists=True))
        for index in sorted(table.indexes, key=lambda index: index.name or ""):
            await session.execute(CreateIndex(index, if_not_exists=True))


async def _create_schema(session: Session) -> None:
    await _create(session, metadata.sorted_tables)


def _create_tables(*names: str) -> Callable[[Session], Awaitable[None]]:
    """A migration that adds new tables (with their indexes) as `tables` defines them now."""

    async def create(session: Session) -> None:
        await _create(session, [metadata.tables[name] for name in names])

    return create


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "create the schema", _create_schema),
    Migration(2, "artifacts", _create_tables("artifact", "artifact_collection")),
    Migration(3, "concurrency limits and leases", _create_tables("concurrency_limit_v2", "concurrency_lease")),
    # `_create` also creates the flow_run indexes that are missing: the new one by deployment.
    Migration(4, "deployments and their schedules", _create_tables("deployment", "deployment_schedule", "flow_run")),
    Migration(5, "events", _create_tables("event")),
    Migration(6, "flow run inputs", _create_tables("flow_run_input")),
    Migration(7, "automations", _create_tables("automation")),
    # `_create` also adds flow_run's new index by work queue.
    Migration(8, "work pools, queues and workers", _create_tables("work_pool", "work_queue", "worker", "flow_run")),
    Migration(9, "blocks", _create_tables("block_type", "block_schema", "block_document", "block_document_reference")),
    Migration(10, "saved searches", _create_tables("saved_search")),
)


async def migrate(database: Database) -> int:
    """Bring the schema up to date; returns its version. Running it again changes nothing."""
    latest = MIGRATIONS[-1].version
    async with database.transaction(write=True) as session:
        if session.dialect == "postgresql":
            await session.execute(sa.select(sa.func.pg_advisory_xact_lock(ADVISORY_LOCK_KEY)))
        await session.execute(CreateTable(schema_migration, if_not_exists=True))
        current = await session.fetch_val(sa.select(sa.func.coalesce(sa.func.max(schema_migration.c.version), 0)))
        if current > latest:
            raise RuntimeError(f"The database schema is at version {current}, newer than this code's {latest}: "
                               "upgrade asgi_api")
        pending = [migration for migration in MIGRATIONS if migration.version > current]
        for migration in pending[:1] if current == 0 else pending:
            await migration.apply(session)
        if pending:
            now = utcnow()
            await session.execute_many(schema_migration.insert(), [
                {"version": migration.version, "name": migration.name, "applied": now} for migration in pending])
    return latest
