"""What routers get through `Depends`: the settings, the database, and a read or write session.

The app factories put the settings and the open database on the API app's state; this module is the
one place that reads them, so a router states what it needs in its signature and never touches
`request.app.state` itself. The sessions are response-scoped: the transaction commits after the
endpoint returns and before the response starts, and rolls back on any error, so a 2xx always
means committed and a failed commit becomes the error response.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from starlette.requests import HTTPConnection

from asgi_api.dependencies import response_scoped_dependency
from asgi_api.server.database import Database, Session
from asgi_api.server.settings import Settings

__all__ = ["get_database", "get_database_or_none", "get_settings", "read_session", "write_session"]


def get_settings(connection: HTTPConnection) -> Settings:
    """The server's settings (inside a mounted app, `connection.app` is that app)."""
    settings: Settings = connection.app.state.settings
    return settings


def get_database_or_none(connection: HTTPConnection) -> Database | None:
    """The open database, or None while there is none (before the lifespan opened it)."""
    database: Database | None = getattr(connection.app.state, "database", None)
    return database


def get_database(connection: HTTPConnection) -> Database:
    """The open database; a RuntimeError (a 500) means the app was built without one."""
    database = get_database_or_none(connection)
    if database is None:
        raise RuntimeError("No database on this app: set `app.state.database` to an open `Database`")
    return database


@response_scoped_dependency
async def read_session(connection: HTTPConnection) -> AsyncIterator[Session]:
    """A read-only transaction for this request (runs alongside other reads; writes fail)."""
    async with get_database(connection).transaction(write=False) as session:
        yield session


@response_scoped_dependency
async def write_session(connection: HTTPConnection) -> AsyncIterator[Session]:
    """A write transaction for this request. On SQLite write transactions take turns within the
    process, so keep the endpoint short and do not open a second write transaction inside it."""
    async with get_database(connection).transaction(write=True) as session:
        yield session
