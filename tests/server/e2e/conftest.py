"""Real servers for the end-to-end tests: uvicorn children on 127.0.0.1, one database per test.

`server_env` is the environment of a server on an empty database, once on SQLite (a file in the
test's directory) and once on PostgreSQL (this session's database, its schema emptied first).
Every server a test starts is stopped when the test ends, whatever happened.
"""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from asgi_api.server.subprocess import SubprocessASGIServer

StartServer = Callable[[], SubprocessASGIServer]
START_TIMEOUT = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def require(reason: str) -> None:
    """Skip the test for a missing prerequisite, except under CI=true where it must be there."""
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


async def empty_schema(url: str) -> None:
    connection = await asyncpg.connect(make_url(url).set(drivername="postgresql").render_as_string(
        hide_password=False), timeout=5)
    try:
        await connection.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    finally:
        await connection.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def server_env(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, str]:
    """`ASGI_API_*` variables for a server on an empty database of each backend."""
    home = tmp_path / "home"
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{home / 'asgi_api.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
        asyncio.run(empty_schema(url))
    return {"ASGI_API_HOME": str(home), "ASGI_API_DATABASE_URL": url}


@pytest.fixture
def start_server(server_env: dict[str, str]) -> Iterator[StartServer]:
    """Starts a server on `server_env`'s database (a new one each call, on its own port)."""
    started: list[SubprocessASGIServer] = []

    def start() -> SubprocessASGIServer:
        server = SubprocessASGIServer(free_port(), env=server_env)
        started.append(server)
        server.start(timeout=START_TIMEOUT)
        return server

    try:
        yield start
    finally:
        for server in started:
            server.stop()


@pytest.fixture
def server(start_server: StartServer) -> SubprocessASGIServer:
    return start_server()
