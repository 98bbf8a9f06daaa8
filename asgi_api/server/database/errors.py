"""Which database errors are a client's fault (integrity) and which a client may retry.

The `databases` package surfaces driver exceptions directly (sqlite3 through aiosqlite, asyncpg),
and SQLAlchemy wraps them when it is used; each class of error is recognised in all three forms.
"""

from __future__ import annotations

import sqlite3

import asyncpg.exceptions
import sqlalchemy.exc

INTEGRITY_ERRORS: tuple[type[Exception], ...] = (
    sqlite3.IntegrityError,
    asyncpg.exceptions.IntegrityConstraintViolationError,
    sqlalchemy.exc.IntegrityError,
)

# Errors that go away by trying again: a locked SQLite database, a lost, refused or overloaded
# PostgreSQL connection, a serialisation conflict, a timeout.
RETRYABLE_ERRORS: tuple[type[Exception], ...] = (
    sqlite3.OperationalError,
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.ConnectionDoesNotExistError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.TooManyConnectionsError,
    asyncpg.exceptions.QueryCanceledError,
    asyncpg.exceptions.TransactionRollbackError,
    asyncpg.exceptions.InterfaceError,
    sqlalchemy.exc.OperationalError,
    sqlalchemy.exc.DisconnectionError,
    ConnectionError,
    TimeoutError,
)

# seam: sqlite message wording of sqlite3.OperationalError (SQLite's own error texts)
_SQLITE_RETRYABLE = ("database is locked", "database table is locked", "database is busy", "unable to open database")


def _cause(exc: BaseException) -> BaseException:
    """The driver's exception inside a SQLAlchemy wrapper, or `exc` itself."""
    original = getattr(exc, "orig", None)
    return original if isinstance(original, BaseException) else exc


def is_integrity_error(exc: BaseException) -> bool:
    return isinstance(exc, INTEGRITY_ERRORS) or isinstance(_cause(exc), INTEGRITY_ERRORS)


def is_retryable_error(exc: BaseException) -> bool:
    """True when the same request may succeed if the client sends it again (answer 503)."""
    cause = _cause(exc)
    if isinstance(cause, sqlite3.OperationalError):
        # Other SQLite operational errors (a syntax error, a missing table) are bugs, not load.
        message = str(cause).lower()
        return any(text in message for text in _SQLITE_RETRYABLE)
    if isinstance(exc, sqlalchemy.exc.OperationalError) and cause is exc:
        return True
    return isinstance(cause, RETRYABLE_ERRORS) or isinstance(exc, RETRYABLE_ERRORS)
