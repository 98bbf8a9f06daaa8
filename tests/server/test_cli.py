"""The `asgi-api` command, run as a user runs it: a child process, its output, its exit status.

Each `serve` flag and `database upgrade|reset` runs on SQLite and PostgreSQL (`database_url`).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO

import asyncpg
import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from asgi_api.server.database import Database, tables, utcnow
from asgi_api.server.database.migrations import MIGRATIONS

LATEST = MIGRATIONS[-1].version

COMMAND = [sys.executable, "-m", "asgi_api.server.cli"]


def run(*args: str, env: dict[str, str] | None = None, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*COMMAND, *args], capture_output=True, text=True, timeout=60, input=stdin,
                          stdin=None if stdin is not None else subprocess.DEVNULL,
                          env={**os.environ, **(env or {})})


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Served:
    """A running `asgi-api serve`: its base URL, and its log once stopped."""

    def __init__(self, process: subprocess.Popen[bytes], base: str, log: IO[bytes]) -> None:
        self.process, self.base, self._log = process, base, log
        self.log = ""

    def read_log(self) -> str:
        self._log.seek(0)
        return self._log.read().decode(errors="replace")


@contextmanager
def serving(tmp_path: Path, *args: str) -> Iterator[Served]:
    """`asgi-api serve ARGS` on a free port, once it answers `/api/health`; SIGTERM at the end."""
    port = free_port()
    with open(tmp_path / f"serve-{port}.log", "w+b") as log:
        process = subprocess.Popen([*COMMAND, "serve", "--port", str(port), *args], stdin=subprocess.DEVNULL,
                                   env={**os.environ, "ASGI_API_HOME": str(tmp_path)}, stdout=log, stderr=log,
                                   start_new_session=True)  # its reloader or workers can be killed with it
        served = Served(process, f"http://127.0.0.1:{port}", log)
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"{served.base}/api/health", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert process.poll() is None and time.monotonic() < deadline, served.read_log()
                time.sleep(0.1)
            yield served
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=60)
            # uvicorn shuts down gracefully, then re-raises the signal so the exit status says SIGTERM.
            assert process.returncode in (0, -signal.SIGTERM), served.read_log()
        finally:
            # A test that failed leaves the server up: kill its whole group, or uvicorn's reloader and
            # worker children would outlive it, holding their database sessions open for later tests.
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            served.log = served.read_log()


# --- commands that need no server ------------------------------------------------------------------


def test_version() -> None:
    import asgi_api

    assert run("version").stdout.strip() == asgi_api.__version__


def test_help_shows_the_real_defaults() -> None:
    result = run("serve", "--help")
    assert result.returncode == 0
    text = " ".join(result.stdout.split())
    assert "<member" not in text
    for default in ("default 127.0.0.1", "default 4200", "default 5", "default info", "default 1"):
        assert default in text
    for flag in ("--no-ui", "--no-services", "--keep-alive-timeout", "--log-level", "--reload", "--workers"):
        assert flag in text


def test_openapi_prints_the_api_schema(tmp_path: Path) -> None:
    result = run("openapi", env={"ASGI_API_HOME": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert "/api/health" in json.loads(result.stdout)["paths"]


def test_openapi_into_a_closed_pipe_ends_without_a_traceback(tmp_path: Path) -> None:
    # As `asgi-api openapi | head -0`: the reader is gone before the document is written.
    process = subprocess.Popen([*COMMAND, "openapi"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env={**os.environ, "ASGI_API_HOME": str(tmp_path)})
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=60) == 1
    assert stderr == ""


def test_invalid_settings_stop_start_up_with_the_variable_named(tmp_path: Path) -> None:
    result = run("serve", env={"ASGI_API_HOME": str(tmp_path), "ASGI_API_REQUEST_LIMIT": "none"})
    assert result.returncode == 2
    assert "ASGI_API_REQUEST_LIMIT" in result.stderr


def test_several_workers_on_sqlite_are_refused_with_a_reason(tmp_path: Path) -> None:
    result = run("serve", "--workers", "2", env={"ASGI_API_HOME": str(tmp_path)})
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "--workers 2 needs PostgreSQL" in result.stderr


def test_reload_with_several_workers_is_refused(postgres_url: str) -> None:
    result = run("serve", "--workers", "2", "--reload", "--database-url", postgres_url)
    assert result.returncode == 2
    assert "--reload runs one worker" in result.stderr


@pytest.mark.parametrize("command", [["serve"], ["openapi"], ["database", "upgrade"]])
def test_without_the_server_extra_the_command_names_it(command: list[str]) -> None:
    # The interpreter is made to miss uvicorn and databases, as an install without the extra does
    # (tests/test_install.py checks the same in a real venv).
    hide = ("import sys\n"
            "class Missing:\n"
            "    def find_spec(self, name, path=None, target=None):\n"
            "        if name.partition('.')[0] in ('uvicorn', 'databases'):\n"
            "            raise ModuleNotFoundError(f'No module named {name!r}', name=name)\n"
            "sys.meta_path.insert(0, Missing())\n"
            "from asgi_api.server.cli import main\n"
            f"raise SystemExit(main({command!r}))\n")
    result = subprocess.run([sys.executable, "-c", hide], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1
    assert "pip install 'asgi_api[server]'" in result.stderr


# --- serve, on both backends -----------------------------------------------------------------------


def test_serve_by_default_runs_the_ui_and_logs_at_info(tmp_path: Path, database_url: str) -> None:
    with serving(tmp_path, "--database-url", database_url) as served:
        assert "<html" in httpx.get(f"{served.base}/").text.lower()
        assert httpx.get(f"{served.base}/api/docs").status_code == 200
        assert httpx.get(f"{served.base}/api/openapi.json").json()["paths"]["/health"]
        settings = httpx.get(f"{served.base}/api/admin/settings").json()["asgi_api"]
        assert settings["ui_enabled"] and settings["services_enabled"] and settings["keep_alive_timeout"] == 5
    assert "Application startup complete" in served.log and "Finished server process" in served.log


def test_serve_flags(tmp_path: Path, database_url: str) -> None:
    with serving(tmp_path, "--database-url", database_url, "--no-ui", "--no-services",
                 "--keep-alive-timeout", "1", "--log-level", "warning") as served:
        assert httpx.get(f"{served.base}/").status_code == 404
        assert httpx.get(f"{served.base}/api/health").json() is True
        settings = httpx.get(f"{served.base}/api/admin/settings").json()["asgi_api"]
        assert not settings["ui_enabled"] and not settings["services_enabled"]
        assert settings["keep_alive_timeout"] == 1
        assert _idle_connection_is_closed(served.base, wait=4)
    assert "Application startup complete" not in served.log  # an info line, below --log-level warning


def _idle_connection_is_closed(base: str, wait: float) -> bool:
    """Whether the server closes a keep-alive connection, idle after one response, within `wait` s."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=wait) as sock:
        sock.sendall(b"GET /api/health HTTP/1.1\r\nHost: test\r\n\r\n")
        received = b""
        while not received.endswith(b"true"):
            received += sock.recv(4096)
        try:
            return sock.recv(4096) == b""
        except TimeoutError:
            return False


def test_serve_reload(tmp_path: Path, database_url: str) -> None:
    with serving(tmp_path, "--database-url", database_url, "--reload") as served:
        assert httpx.get(f"{served.base}/api/health").json() is True
    assert "Started reloader process" in served.log


def test_several_workers_on_postgresql(tmp_path: Path, postgres_url: str) -> None:
    with serving(tmp_path, "--database-url", postgres_url, "--workers", "2") as served:
        assert httpx.get(f"{served.base}/api/health").json() is True
    assert served.log.count("Started server process") == 2


# --- database upgrade | reset ----------------------------------------------------------------------


def _table_names(url: str) -> set[str]:
    if url.startswith("sqlite"):
        with sqlite3.connect(make_url(url).database or "") as connection:
            return {name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}

    async def names() -> set[str]:
        connection = await asyncpg.connect(make_url(url).set(drivername="postgresql").render_as_string(False))
        try:
            return {row["tablename"] for row in await connection.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
        finally:
            await connection.close()

    return asyncio.run(names())


def _variables(url: str, *add: str) -> list[str]:
    """The names of the stored variables, after adding `add`."""
    async def go() -> list[str]:
        database = Database(url)
        await database.connect()
        try:
            async with database.transaction(write=True) as session:
                for name in add:
                    now = utcnow()
                    await session.execute(tables.variable.insert().values(
                        id=uuid.uuid4(), created=now, updated=now, name=name, value=1, tags=[]))
            async with database.transaction() as session:
                return [row["name"] for row in await session.fetch_all(sa.select(tables.variable.c.name))]
        finally:
            await database.disconnect()

    return asyncio.run(go())


def test_database_upgrade(empty_database_url: str) -> None:
    first = run("database", "upgrade", "--database-url", empty_database_url)
    assert first.returncode == 0, first.stderr
    assert f"from schema version 0 to {LATEST}" in first.stdout
    assert {"flow", "flow_run", "task_run", "log", "variable", "schema_migration"} <= _table_names(empty_database_url)
    again = run("database", "upgrade", "--database-url", empty_database_url)
    assert again.returncode == 0 and f"up to date (schema version {LATEST})" in again.stdout


@pytest.mark.parametrize(("args", "stdin", "confirmed"), [
    ([], "y\n", True), ([], "yes\n", True), (["--yes"], None, True), (["-y"], None, True),
    ([], "n\n", False), ([], "\n", False), ([], "", False)])
def test_database_reset_asks_first(database_url: str, args: list[str], stdin: str | None, confirmed: bool) -> None:
    assert run("database", "upgrade", "--database-url", database_url).returncode == 0
    _variables(database_url, "kept-unless-reset")
    result = run("database", "reset", "--database-url", database_url, *args, stdin=stdin)
    assert result.returncode == (0 if confirmed else 1), result.stderr
    if stdin is not None:
        assert "All data is lost. [y/N]" in result.stdout
    assert _variables(database_url) == ([] if confirmed else ["kept-unless-reset"])
    assert "variable" in _table_names(database_url)


def test_database_reset_creates_a_missing_schema(empty_database_url: str) -> None:
    result = run("database", "reset", "--yes", "--database-url", empty_database_url)
    assert result.returncode == 0, result.stderr
    assert f"schema version {LATEST}" in result.stdout and "variable" in _table_names(empty_database_url)


def test_database_reset_refuses_a_database_in_use(tmp_path: Path, database_url: str) -> None:
    assert run("database", "upgrade", "--database-url", database_url).returncode == 0
    _variables(database_url, "kept")
    with serving(tmp_path, "--database-url", database_url) as served:
        assert httpx.get(f"{served.base}/api/health").json() is True
        result = run("database", "reset", "--yes", "--database-url", database_url)
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "a running server?" in result.stderr
    assert _variables(database_url) == ["kept"]
    # Once the server is gone, the reset goes through.
    assert run("database", "reset", "--yes", "--database-url", database_url).returncode == 0
    assert _variables(database_url) == []
