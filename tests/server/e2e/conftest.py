"""Real servers for the end-to-end tests: uvicorn children on 127.0.0.1, one database per test.

`server_env` is the environment of a server on a migrated database with no rows, once per backend
(`database_url`: a copy of the SQLite template in the test's directory, or this session's
PostgreSQL database, cleared). Every server a test starts is stopped when the test ends, whatever
happened.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from asgi_api.server.subprocess import SubprocessASGIServer

StartServer = Callable[[], SubprocessASGIServer]
START_TIMEOUT = 60.0  # two pytest workers may be starting servers and Prefect processes at once


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def require(reason: str) -> None:
    """Skip the test for a missing prerequisite, except under CI=true where it must be there."""
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture
def server_env(database_url: str, tmp_path: Path) -> dict[str, str]:
    """`ASGI_API_*` variables for a server on a migrated database with no rows, once per backend."""
    return {"ASGI_API_HOME": str(tmp_path / "home"), "ASGI_API_DATABASE_URL": database_url}


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
