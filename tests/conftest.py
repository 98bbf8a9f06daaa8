"""Shared test helpers: driving an ASGI app in-process, and the database fixtures.

Database fixtures: every test using them runs against SQLite (a temporary file) and PostgreSQL.
PostgreSQL comes from `ASGI_API_TEST_POSTGRES_URL` (default below). Each test session creates a
throw-away database with a random name and drops it at the end, so concurrent runs never meet;
each test starts from an empty schema. An unreachable server skips the PostgreSQL tests, except
under `CI=true`, where it fails them: CI must not pass by testing SQLite only.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from asgi_api.server.database import Database, migrate


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


# --- databases -------------------------------------------------------------------------------------

POSTGRES_URL_VARIABLE = "ASGI_API_TEST_POSTGRES_URL"
DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"


def _driver_url(url: str, database: str | None = None) -> str:
    """`url` as asyncpg itself takes it (no `+asyncpg`), optionally naming another database."""
    parsed = make_url(url).set(drivername="postgresql")
    return (parsed.set(database=database) if database else parsed).render_as_string(hide_password=False)


async def _admin(url: str, *statements: str) -> None:
    connection = await asyncpg.connect(_driver_url(url), timeout=5)
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """The URL of this session's own PostgreSQL database (created now, dropped at the end)."""
    server_url = os.environ.get(POSTGRES_URL_VARIABLE, DEFAULT_POSTGRES_URL)
    name = f"asgi_api_test_{uuid.uuid4().hex[:12]}"
    try:
        asyncio.run(_admin(server_url, f'CREATE DATABASE "{name}"'))
    except (TimeoutError, OSError, asyncpg.PostgresError) as exc:
        reason = f"PostgreSQL at {POSTGRES_URL_VARIABLE}={server_url!r} is unreachable: {exc!r}"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    yield make_url(_driver_url(server_url, name)).set(drivername="postgresql+asyncpg").render_as_string(
        hide_password=False)
    asyncio.run(_admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty database, once per backend."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'asgi_api.db'}"
    url: str = request.getfixturevalue("postgres_url")
    asyncio.run(_admin(url, "DROP SCHEMA public CASCADE", "CREATE SCHEMA public"))
    return url


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    """A connected, migrated, empty database."""
    database = Database(database_url)
    await database.connect()
    await migrate(database)
    yield database
    await database.disconnect()
