"""Prefect's error bodies, and database errors classified by kind for sqlite3, asyncpg, SQLAlchemy."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import asyncpg.exceptions
import pytest
import sqlalchemy.exc
from starlette.requests import ClientDisconnect
from starlette.testclient import TestClient

from asgi_api import API, Depends, response_scoped_dependency
from asgi_api.server.exceptions import ObjectNotFoundError
from asgi_api.server.handlers import INTEGRITY_MESSAGE, exception_handlers


def sqlite_integrity_error() -> Exception:
    connection = sqlite3.connect(":memory:")
    connection.execute("create table t (name text unique)")
    connection.execute("insert into t values ('a')")
    try:
        connection.execute("insert into t values ('a')")
    except sqlite3.IntegrityError as exc:
        return exc
    raise AssertionError("no integrity error")


def sqlite_locked_error(path: Path) -> Exception:
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("create table if not exists t (x)")
    holder.execute("begin exclusive")
    try:
        sqlite3.connect(path, timeout=0).execute("insert into t values (1)")
    except sqlite3.OperationalError as exc:
        return exc
    finally:
        holder.execute("rollback")
    raise AssertionError("the database was not locked")


def app_raising(make_error: Callable[[], Exception]) -> TestClient:
    app = API(exception_handlers=exception_handlers())

    @app.get("/fail")
    async def fail() -> None:
        raise make_error()

    return TestClient(app, raise_server_exceptions=False)


@pytest.mark.parametrize("make_error", [
    sqlite_integrity_error,
    lambda: asyncpg.exceptions.UniqueViolationError("duplicate key value violates unique constraint"),
    lambda: asyncpg.exceptions.ForeignKeyViolationError("insert or update violates foreign key constraint"),
    lambda: sqlalchemy.exc.IntegrityError("INSERT ...", {}, sqlite_integrity_error()),
])
def test_integrity_errors_are_409_without_sql(make_error: Callable[[], Exception]) -> None:
    response = app_raising(make_error).get("/fail")
    assert (response.status_code, response.json()) == (409, {"detail": INTEGRITY_MESSAGE})
    assert "INSERT" not in response.text and "constraint" not in response.text.replace("constraint was", "")


def test_retryable_errors_are_503_with_retry_after(tmp_path: Path) -> None:
    locked = sqlite_locked_error(tmp_path / "db.sqlite")
    for make_error in (lambda: locked,
                       lambda: asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed"),
                       lambda: asyncpg.exceptions.TooManyConnectionsError("too many clients"),
                       lambda: ConnectionRefusedError(111, "Connection refused"),
                       lambda: sqlalchemy.exc.OperationalError("SELECT 1", {}, locked),
                       # the connection died mid-transaction, the rollback then finds it in a bad state
                       lambda: asyncpg.exceptions.InternalClientError("cannot switch to state 11; another operation "
                                                                      "(2) is in progress"),
                       lambda: asyncpg.exceptions.AdminShutdownError("terminating connection due to administrator "
                                                                     "command"),
                       lambda: asyncpg.exceptions.DiskFullError("could not extend file"),
                       lambda: sqlite3.OperationalError("database or disk is full"),
                       lambda: sqlite3.OperationalError("disk I/O error"),
                       lambda: OSError(28, "No space left on device")):
        response = app_raising(make_error).get("/fail")
        assert response.status_code == 503, make_error()
        assert response.json() == {"exception_message": "Service Unavailable"}
        assert response.headers["retry-after"] == "1"


@pytest.mark.parametrize("make_error", [
    lambda: OverflowError("date value out of range"),
    lambda: asyncpg.exceptions.NumericValueOutOfRangeError("smallint out of range"),
    lambda: asyncpg.exceptions.CharacterNotInRepertoireError('invalid byte sequence for encoding "UTF8": 0x00'),
    lambda: asyncpg.exceptions.ProgramLimitExceededError("index row size 9016 exceeds btree version 4 maximum 2704"),
    lambda: asyncpg.exceptions._base.DataError("invalid input for query argument $2: 9223372036854775808"),
])
def test_values_the_database_cannot_hold_are_422(make_error: Callable[[], Exception]) -> None:
    response = app_raising(make_error).get("/fail")
    assert response.status_code == 422
    body = response.json()
    assert body["exception_message"] == "Invalid request received."
    assert [entry["loc"] for entry in body["exception_detail"]] == [["body"]]
    assert "9016" not in response.text and "UTF8" not in response.text


@pytest.mark.parametrize("make_error", [
    lambda: sqlite3.OperationalError("no such table: flows"),
    lambda: RuntimeError("bug"),
    lambda: KeyError("x"),
    lambda: FileNotFoundError(2, "No such file or directory"),
    # a write in a read session (read sessions are read-only on both backends): a bug
    lambda: sqlite3.OperationalError("attempt to write a readonly database"),
    lambda: asyncpg.exceptions.ReadOnlySQLTransactionError("cannot execute INSERT in a read-only transaction"),
])
def test_other_errors_are_500_without_details(make_error: Callable[[], Exception]) -> None:
    response = app_raising(make_error).get("/fail")
    assert (response.status_code, response.json()) == (500, {"exception_message": "Internal Server Error"})


def test_a_client_gone_mid_body_is_not_an_error(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level("DEBUG", logger="asgi_api"):
        response = app_raising(ClientDisconnect).get("/fail")
    assert response.status_code == 400
    assert [record.levelname for record in caplog.records if record.name.startswith("asgi_api")] == ["DEBUG"]


def test_not_found_and_validation_bodies() -> None:
    app = API(exception_handlers=exception_handlers())

    @app.get("/missing")
    async def missing() -> None:
        raise ObjectNotFoundError("Flow run with id 123 not found")

    @app.post("/things")
    async def things(limit: int = 10, body: dict[str, int] | None = None) -> None: ...

    client = TestClient(app)
    assert client.get("/missing").json() == {"exception_message": "Flow run with id 123 not found"}
    invalid = client.post("/things?limit=x", json={"a": "b"})
    assert invalid.status_code == 422
    assert invalid.json()["exception_message"] == "Invalid request received."
    assert [error["loc"] for error in invalid.json()["exception_detail"]] == [["query", "limit"], ["body", "a"]]
    assert invalid.json()["request_body"] == {"a": "b"}


def test_failed_commit_in_a_response_scoped_session_is_a_409_not_a_success() -> None:
    events: list[str] = []

    @response_scoped_dependency
    async def session() -> AsyncIterator[sqlite3.Connection]:
        connection = sqlite3.connect(":memory:", isolation_level=None)
        connection.execute("pragma foreign_keys = on")
        connection.execute("create table parent (id integer primary key)")
        connection.execute("create table child"
                           " (parent_id integer references parent (id) deferrable initially deferred)")
        connection.execute("insert into parent values (1)")
        connection.execute("begin")
        yield connection
        connection.execute("commit")  # the deferred foreign key is checked here, not at the insert
        events.append("committed")

    app = API(exception_handlers=exception_handlers())

    @app.post("/children", status_code=201)
    async def create(parent_id: int, db: sqlite3.Connection = Depends(session)) -> int:
        db.execute("insert into child values (?)", (parent_id,))
        events.append("inserted")
        return parent_id

    client = TestClient(app, raise_server_exceptions=False)
    assert client.post("/children?parent_id=1").status_code == 201
    assert events == ["inserted", "committed"]
    conflict = client.post("/children?parent_id=2")
    assert (conflict.status_code, conflict.json()) == (409, {"detail": INTEGRITY_MESSAGE})
    assert events == ["inserted", "committed", "inserted"]
