"""Which database errors are a client's fault (integrity, invalid values) and which a client may retry.

The `databases` package surfaces driver exceptions directly (sqlite3 through aiosqlite, asyncpg),
and SQLAlchemy wraps them when it is used; each class of error is recognised in all three forms.
"""

from __future__ import annotations

import sqlite3

import asyncpg.exceptions
import asyncpg.exceptions._base
import sqlalchemy.exc

INTEGRITY_ERRORS: tuple[type[Exception], ...] = (
    sqlite3.IntegrityError,
    asyncpg.exceptions.IntegrityConstraintViolationError,
    sqlalchemy.exc.IntegrityError,
)

# Values the database cannot hold: a number past a column's range, a datetime past year 9999 once in
# UTC, text PostgreSQL refuses, an index entry over its size limit. The schemas bound what they can;
# these catch the rest, so that such a value is the client's 422, never a 500.
INVALID_VALUE_ERRORS: tuple[type[Exception], ...] = (
    OverflowError,
    asyncpg.exceptions.DataError,
    asyncpg.exceptions._base.DataError,  # seam: asyncpg's client-side "invalid input for query argument"
    asyncpg.exceptions.ProgramLimitExceededError,
    sqlalchemy.exc.DataError,
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


def is_invalid_value_error(exc: BaseException) -> bool:
    return isinstance(exc, INVALID_VALUE_ERRORS) or isinstance(_cause(exc), INVALID_VALUE_ERRORS)


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
