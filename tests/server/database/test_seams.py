"""Contract tests for the database layer's seams: `databases` and SQLAlchemy internals, SQLite wording.

Each `# seam:` comment under asgi_api/server/database has a test here. When an upgrade of
`databases` or SQLAlchemy changes what the caching SQLite backend overrides or reads, the test fails
with the seam's name, instead of statements failing (or rows coming back unprocessed) at run time.
Fix the code at the seam, then raise the upper bound in pyproject.toml to the release these tests
passed on.
"""

from __future__ import annotations

import inspect
import sqlite3
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import databases
import pytest
import sqlalchemy as sa
from databases.backends.sqlite import SQLiteConnection
from databases.core import Connection
from sqlalchemy.schema import CreateTable
from sqlalchemy.util import LRUCache

from asgi_api.server.database import Database, migrate, tables, utcnow
from asgi_api.server.database.errors import is_retryable_error
from asgi_api.server.database.sqlite_backend import CachingSQLiteBackend, CachingSQLiteConnection

pytestmark = pytest.mark.anyio


def broken(seam: str, detail: str) -> str:
    return (f"seam broken: {seam} (databases {databases.__version__}, SQLAlchemy {sa.__version__}, "
            f"SQLite {sqlite3.sqlite_version}): {detail}. Adapt the code at its `# seam:` comment, "
            "then the upper bound in pyproject.toml.")


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'asgi_api.db'}")
    await database.connect()
    await migrate(database)
    yield database
    await database.disconnect()


def _variable(name: str) -> dict[str, Any]:
    now = utcnow()
    return {"id": uuid.uuid4(), "created": now, "updated": now, "name": name, "value": {"name": name}, "tags": []}


def spy(monkeypatch: pytest.MonkeyPatch, cls: type, name: str) -> list[tuple[Any, ...]]:
    """Record the calls of `cls.name` (which still runs)."""
    calls: list[tuple[Any, ...]] = []
    original: Callable[..., Any] = getattr(cls, name)

    def recording(self: Any, *args: Any) -> Any:
        calls.append(args)
        return original(self, *args)

    monkeypatch.setattr(cls, name, recording)
    return calls


async def test_databases_builds_our_backend_from_supported_backends(database: Database) -> None:
    seam = "databases Database.SUPPORTED_BACKENDS and Database._backend"
    backend = getattr(database._database, "_backend", None)
    assert isinstance(backend, CachingSQLiteBackend), broken(seam, f"the SQLite URL got {backend!r}")


async def test_databases_sqlite_backend_internals(database: Database) -> None:
    seam = "databases SQLiteBackend._pool/_dialect and SQLiteConnection(pool, dialect)"
    parameters = list(inspect.signature(SQLiteConnection.__init__).parameters)
    assert parameters == ["self", "pool", "dialect"], broken(seam, f"SQLiteConnection takes {parameters}")
    backend = database._database._backend
    connection = backend.connection()
    assert isinstance(connection, CachingSQLiteConnection)
    assert connection._pool is getattr(backend, "_pool", None), broken(seam, "the backend has no _pool")
    assert connection._dialect is getattr(backend, "_dialect", None), broken(seam, "the backend has no _dialect")


async def test_every_statement_goes_through_our_compile(database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    seam = "databases SQLiteConnection._compile (called per statement, returns 4 values)"
    calls = spy(monkeypatch, CachingSQLiteConnection, "_compile")
    row = _variable("a")
    async with database.transaction(write=True) as session:
        await session.execute(tables.variable.insert().values(row))
    async with database.transaction() as session:
        stored = await session.fetch_all(sa.select(tables.variable.c.name, tables.variable.c.created))
        one = await session.fetch_one(sa.select(tables.variable.c.created))
    assert len(calls) == 3, broken(seam, f"_compile ran {len(calls)} times for an insert and two selects")
    # The column type's result processing (a timezone-aware datetime) needs the execution context
    # our _compile builds; without it the stored text would come back.
    assert stored == [{"name": "a", "created": row["created"]}], broken(seam, f"rows came back as {stored}")
    assert one is not None and one["created"] == row["created"], broken(seam, f"fetch_one gave {one}")


async def test_sqlalchemy_compiled_internals(database: Database) -> None:
    seam = ("sqlalchemy compiled internals (_generate_cache_key, _bind_processors, construct_params(_no_postcompile), "
            "_process_parameters_for_postcompile, result_column_struct)")
    backend = database._database._backend
    connection = CachingSQLiteConnection(None, backend._dialect, LRUCache(10))
    compiled: list[tuple[str, list[Any]]] = []
    for names in (["a"], ["b", "c", "d"]):
        query = (sa.select(tables.variable.c.name, tables.variable.c.created)
                 .where(tables.variable.c.name.in_(names), tables.variable.c.created > utcnow()))
        try:
            statement, args, prepared = connection._compile(query)
        except (AttributeError, TypeError, KeyError) as exc:
            pytest.fail(broken(seam, f"compiling a select raised {type(exc).__name__}: {exc}"))
        compiled.append((statement, args))
        result_columns = prepared.result_columns
        struct = prepared.context.context.result_column_struct
        assert struct[0] is result_columns, broken(seam, "no result_column_struct")
        assert [column[0] for column in result_columns] == ["name", "created"], broken(seam, f"{result_columns}")
    assert len(connection._compiled) == 1, broken(seam, "one statement shape was cached more than once")
    (first, first_args), (second, second_args) = compiled
    assert first.count("?") == 2 and second.count("?") == 4, broken(seam, f"IN lists expanded as {first!r}, {second!r}")
    assert first_args[:1] == ["a"] and second_args[:3] == ["b", "c", "d"], broken(seam, f"{first_args}, {second_args}")
    assert isinstance(first_args[1], str), broken(seam, f"the datetime bind processor did not run: {first_args[1]!r}")
    # DDL has no cache key: it goes to databases' own compilation.
    ddl = connection._compile(CreateTable(sa.Table("scratch", sa.MetaData(), sa.Column("id", sa.Integer))))
    assert ddl[0].startswith("\nCREATE TABLE scratch"), broken(seam, f"DDL compiled as {ddl[0]!r}")


async def test_execute_many_goes_through_one_executemany(database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    seam = "databases Connection._connection/_query_lock (CachingConnection.execute_many)"
    calls = spy(monkeypatch, CachingSQLiteConnection, "insert_many")
    rows = [_variable(name) for name in ("a", "b", "c")]
    async with database.transaction(write=True) as session:
        connection: Connection = session._connection
        assert isinstance(getattr(connection, "_connection", None), CachingSQLiteConnection), \
            broken(seam, "Connection._connection is not the backend connection")
        assert hasattr(connection, "_query_lock"), broken(seam, "Connection has no _query_lock")
        await session.execute_many(tables.variable.insert(), rows)
    async with database.transaction() as session:
        names = await session.fetch_all(sa.select(tables.variable.c.name).order_by(tables.variable.c.name))
    assert len(calls) == 1, broken(seam, f"insert_many ran {len(calls)} times for one execute_many")
    assert names == [{"name": "a"}, {"name": "b"}, {"name": "c"}]


def test_sqlite_error_wording(tmp_path: Path) -> None:
    seam = "sqlite message wording of sqlite3.OperationalError (errors._SQLITE_RETRYABLE)"
    path = tmp_path / "locked.db"
    holder = sqlite3.connect(path, isolation_level=None)
    other = sqlite3.connect(path, isolation_level=None, timeout=0)
    try:
        holder.execute("BEGIN IMMEDIATE")
        with pytest.raises(sqlite3.OperationalError) as locked:
            other.execute("BEGIN IMMEDIATE")
    finally:
        holder.close()
        other.close()
    assert is_retryable_error(locked.value), broken(seam, f"a locked database says {str(locked.value)!r}")
    with pytest.raises(sqlite3.OperationalError) as unopenable:
        sqlite3.connect(tmp_path / "missing" / "x.db")
    assert is_retryable_error(unopenable.value), broken(seam, f"a missing directory says {str(unopenable.value)!r}")
    with sqlite3.connect(path) as connection, pytest.raises(sqlite3.OperationalError) as syntax:
        connection.execute("SELEC 1")
    assert not is_retryable_error(syntax.value), broken(seam, f"a syntax error ({syntax.value}) reads as retryable")
