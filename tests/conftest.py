"""Shared test helpers: driving an ASGI app in-process, and the database fixtures.

Database fixtures: every test using them runs against SQLite and PostgreSQL. Each backend's schema
is created and migrated once per session; each test then starts from that schema with no rows:
- SQLite: a migrated template file is made once; each test gets its own copy in its `tmp_path`
  (copying is faster than clearing, and a test may do anything to its copy).
- PostgreSQL (`ASGI_API_TEST_POSTGRES_URL`, default below): the session creates a throw-away
  database with a random name, so concurrent runs never meet, migrates it, and drops it at the
  end. Before each test, one transaction drops the tables a test created and deletes every row of
  the schema's tables, restarting their sequences; `schema_migration` is left as migrated. (This
  `DELETE` is about ten times faster than `TRUNCATE` on tables this small.)
Migrating the migrated database is a no-op, so a test may hand its URL to `create_app` or to a
server subprocess. Tests of the migrations themselves take `empty_database_url`: a database with
no schema at all (a fresh SQLite path; a second PostgreSQL database whose schema is emptied).
An unreachable PostgreSQL server skips the PostgreSQL tests, except under `CI=true`, where it
fails them: CI must not pass by testing SQLite only.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from asgi_api.server.database import Database, metadata, migrate


class Recorder:
    """Drives one request through an ASGI app and records every message it sends, in order."""

    def __init__(self, events: list[Any]) -> None:
        self.events = events

    async def __call__(self, app: Any, method: str, path: str, body: bytes = b"", query: bytes = b"",
                       headers: list[tuple[bytes, bytes]] | None = None) -> dict[str, Any]:
        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
            "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": query, "root_path": "",
            "headers": [(b"host", b"test"), *(headers or [])], "server": ("test", 80), "client": ("127.0.0.1", 1),
        }
        sent = False

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        result: dict[str, Any] = {"body": b""}

        async def send(message: dict[str, Any]) -> None:
            self.events.append(message["type"])
            if message["type"] == "http.response.start":
                result["status"] = message["status"]
            else:
                result["body"] += message.get("body", b"")

        await app(scope, receive, send)
        return result


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


# --- workers ---------------------------------------------------------------------------------------

@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the marks (it appends the group to node ids)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that share a module- or class-scoped fixture (a server, a browser) run on one worker.

    pytest-xdist (`--dist loadgroup`, `make test`) otherwise hands tests out one by one, and each
    worker would set up a module's server or browser again for its share of the module's tests."""
    for item in items:
        # seam: pytest `Function._fixtureinfo` (private): the only place a test's fixture definitions are known.
        if isinstance(item, pytest.Function) and any(
                chain[-1].scope in ("module", "class") for chain in item._fixtureinfo.name2fixturedefs.values()):
            item.add_marker(pytest.mark.xdist_group(item.path.stem))


# --- databases -------------------------------------------------------------------------------------

POSTGRES_URL_VARIABLE = "ASGI_API_TEST_POSTGRES_URL"
DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
LOCK_TIMEOUT = "10s"  # a transaction left holding a table fails the next test loudly, not forever
_BOOKKEEPING = "schema_migration"  # the migrations' own table: never cleared
_RELATIONS = ("SELECT c.relname AS name, c.relkind::text AS kind FROM pg_class c JOIN pg_namespace n "
              "ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind IN ('r', 'S')")


def _url(url: str, driver: str, database: str | None = None) -> str:
    """`url` for asyncpg (`postgresql`) or SQLAlchemy (`postgresql+asyncpg`), optionally naming another database."""
    parsed = make_url(url).set(drivername=driver)
    return (parsed.set(database=database) if database else parsed).render_as_string(hide_password=False)


@asynccontextmanager
async def _connection(url: str) -> AsyncIterator[asyncpg.Connection]:
    """A connection of its own to `url`, closed after the block.

    One left open would count as a session using the database, which `asgi-api database reset`
    refuses. A table still locked by a transaction some test left open fails the statement after
    LOCK_TIMEOUT instead of hanging the run."""
    connection = await asyncpg.connect(_url(url, "postgresql"), timeout=5,
                                       server_settings={"lock_timeout": LOCK_TIMEOUT})
    try:
        yield connection
    finally:
        await connection.close()


async def _execute(url: str, sql: str) -> None:
    async with _connection(url) as connection:
        await connection.execute(sql)


async def _relations(url: str) -> list[tuple[str, str]]:
    """The tables ("r") and sequences ("S") of `url`'s schema."""
    async with _connection(url) as connection:
        return [(name, kind) for name, kind in await connection.fetch(_RELATIONS)]


async def _migrate(url: str) -> None:
    database = Database(url)
    await database.connect()
    try:
        await migrate(database)
    finally:
        await database.disconnect()


class _PostgresServer:
    """The PostgreSQL server under test, and the databases this session creates on it."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._created: list[str] = []
        self._clear = ""

    def create_database(self) -> str:
        """A new database, dropped by `drop_databases`; returns its SQLAlchemy URL."""
        name = f"asgi_api_test_{uuid.uuid4().hex[:12]}"
        asyncio.run(_execute(self._url, f'CREATE DATABASE "{name}"'))
        self._created.append(name)
        # Commits need not wait for the WAL to reach the disk: only a crash of PostgreSQL itself
        # could lose them, and no test crashes it (killing a server under test loses nothing).
        asyncio.run(_execute(self._url, f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
        return _url(self._url, "postgresql+asyncpg", name)

    def migrate(self, url: str) -> None:
        """Migrate `url`, the database `clear` then clears, and learn its tables and sequences."""
        asyncio.run(_migrate(url))
        relations = asyncio.run(_relations(url))
        tables = {name for name, kind in relations if kind == "r"} - {_BOOKKEEPING}
        assert tables == set(metadata.tables), f"the migrated schema holds other tables: {sorted(tables)}"
        self._clear = "".join([f'DELETE FROM "{table.name}";' for table in reversed(metadata.sorted_tables)]
                              + [f'ALTER SEQUENCE "{name}" RESTART;' for name, kind in relations if kind == "S"])

    def clear(self, url: str) -> None:
        """Back to the migrated schema: no table a test created, no row but `schema_migration`'s."""
        asyncio.run(self._clear_database(url))

    def empty_schema(self, url: str) -> None:
        asyncio.run(_execute(url, "DROP SCHEMA public CASCADE; CREATE SCHEMA public"))

    def drop_databases(self) -> None:
        for name in self._created:
            asyncio.run(_execute(self._url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    async def _clear_database(self, url: str) -> None:
        known = {*metadata.tables, _BOOKKEEPING}
        async with _connection(url) as connection:
            created = [f'"{name}"' for name, kind in await connection.fetch(_RELATIONS)
                       if kind == "r" and name not in known]
            drop = f"DROP TABLE {', '.join(created)} CASCADE;" if created else ""
            await connection.execute(f"BEGIN;{drop}{self._clear}COMMIT")


@pytest.fixture(scope="session")
def _postgres() -> Iterator[_PostgresServer]:
    """The PostgreSQL server, or a skip (a failure under CI=true) if it cannot be reached."""
    url = os.environ.get(POSTGRES_URL_VARIABLE) or DEFAULT_POSTGRES_URL  # set but empty: the default too
    try:
        asyncio.run(_execute(url, "SELECT 1"))
    except (OSError, asyncpg.PostgresError) as exc:  # TimeoutError is an OSError
        reason = f"PostgreSQL at {POSTGRES_URL_VARIABLE}={url!r} is unreachable: {exc!r}"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    server = _PostgresServer(url)
    try:
        yield server
    finally:
        server.drop_databases()


@pytest.fixture(scope="session")
def _migrated_postgres_url(_postgres: _PostgresServer) -> str:
    url = _postgres.create_database()
    _postgres.migrate(url)
    return url


@pytest.fixture
def postgres_url(_postgres: _PostgresServer, _migrated_postgres_url: str) -> str:
    """The URL of this session's migrated PostgreSQL database, its rows cleared for this test."""
    _postgres.clear(_migrated_postgres_url)
    return _migrated_postgres_url


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file to copy (closed, so its WAL is checkpointed into it and removed)."""
    path = tmp_path_factory.mktemp("sqlite-template") / "asgi_api.db"
    asyncio.run(_migrate(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of a migrated database with no rows, once per backend."""
    if request.param == "sqlite":
        path = tmp_path / "asgi_api.db"
        shutil.copyfile(request.getfixturevalue("_sqlite_template"), path)
        return f"sqlite+aiosqlite:///{path}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture(scope="session")
def _empty_postgres_url(_postgres: _PostgresServer) -> str:
    return _postgres.create_database()


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of a database without any schema, once per backend: for tests of the migrations."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'asgi_api.db'}"
    url: str = request.getfixturevalue("_empty_postgres_url")
    request.getfixturevalue("_postgres").empty_schema(url)
    return url


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    """A connected, migrated database with no rows.

    On PostgreSQL its pool opens one connection up front, not asyncpg's default ten: a test seldom
    needs more, opening ten took longer than most tests run, and the pool still grows to ten."""
    if database_url.startswith("postgresql"):
        database_url = make_url(database_url).update_query_dict({"min_size": "1"}).render_as_string(
            hide_password=False)
    database = Database(database_url)
    await database.connect()
    await migrate(database)  # a no-op here, as at every server start on a migrated database
    yield database
    await database.disconnect()
