"""Which database errors are a client's fault (integrity, invalid values) and which a client may retry.

The `databases` package surfaces driver exceptions directly (sqlite3 through aiosqlite, asyncpg),
and SQLAlchemy wraps them when it is used; each class of error is recognised in all three forms.
"""

from __future__ import annotations

import errno
import functools
import sqlite3
import sys
from typing import NamedTuple

import sqlalchemy.exc


class ErrorClasses(NamedTuple):
    """The exception classes of each kind (integrity, invalid value, retryable)."""

    integrity: tuple[type[Exception], ...]
    invalid_value: tuple[type[Exception], ...]
    retryable: tuple[type[Exception], ...]


@functools.cache
def error_classes(postgres: bool) -> ErrorClasses:
    """The classes of each kind; asyncpg's only with `postgres`. asyncpg is imported only by a
    PostgreSQL server (it is a tenth of a SQLite server's start-up), and until it is imported no
    asyncpg error can happen."""
    integrity: tuple[type[Exception], ...] = (sqlite3.IntegrityError, sqlalchemy.exc.IntegrityError)
    # Values the database cannot hold: a number past a column's range, a datetime past year 9999 once in
    # UTC, text PostgreSQL refuses, an index entry over its size limit. The schemas bound what they can;
    # these catch the rest, so that such a value is the client's 422, never a 500.
    invalid_value: tuple[type[Exception], ...] = (OverflowError, sqlalchemy.exc.DataError)
    # Errors that go away by trying again: a locked, full, read-only or failing SQLite file; a lost,
    # refused, terminated or overloaded PostgreSQL connection (also asyncpg's "cannot switch to state"
    # after a connection died mid-transaction); a full PostgreSQL; a serialisation conflict; a timeout.
    # Not "read-only transaction" errors: read sessions are read-only, so those are a write in a read
    # session -- a bug (500). A file that turned read-only under SQLite shows as an I/O error.
    retryable: tuple[type[Exception], ...] = (sqlite3.OperationalError, sqlalchemy.exc.OperationalError,
                                              sqlalchemy.exc.DisconnectionError, ConnectionError, TimeoutError)
    if not postgres:
        return ErrorClasses(integrity, invalid_value, retryable)
    import asyncpg.exceptions
    import asyncpg.exceptions._base

    return ErrorClasses(
        (*integrity, asyncpg.exceptions.IntegrityConstraintViolationError),
        (*invalid_value, asyncpg.exceptions.DataError,
         asyncpg.exceptions._base.DataError,  # seam: asyncpg's client-side "invalid input for query argument"
         asyncpg.exceptions.ProgramLimitExceededError),
        (*retryable, asyncpg.exceptions.PostgresConnectionError, asyncpg.exceptions.OperatorInterventionError,
         asyncpg.exceptions.InsufficientResourcesError, asyncpg.exceptions.TransactionRollbackError,
         asyncpg.exceptions.InterfaceError, asyncpg.exceptions.InternalClientError))


def _loaded() -> ErrorClasses:
    return error_classes("asyncpg" in sys.modules)


# Errors of the file system under the database: no space, read-only, failing device.
_FILE_SYSTEM_ERRNOS = frozenset({errno.ENOSPC, errno.EROFS, errno.EIO, errno.EDQUOT})

# sqlite3 raises OperationalError for bugs too (a syntax error, a missing table): only these
# messages (SQLite's own texts for BUSY, LOCKED, FULL, IOERR, CANTOPEN) are load or faults.
# seam: sqlite message wording of sqlite3.OperationalError (SQLite's own error texts)
_SQLITE_RETRYABLE = ("database is locked", "database table is locked", "database is busy", "unable to open database",
                     "database or disk is full", "disk i/o error")


def _cause(exc: BaseException) -> BaseException:
    """The driver's exception inside a SQLAlchemy wrapper, or `exc` itself."""
    original = getattr(exc, "orig", None)
    return original if isinstance(original, BaseException) else exc


def is_integrity_error(exc: BaseException) -> bool:
    classes = _loaded().integrity
    return isinstance(exc, classes) or isinstance(_cause(exc), classes)


def is_invalid_value_error(exc: BaseException) -> bool:
    classes = _loaded().invalid_value
    return isinstance(exc, classes) or isinstance(_cause(exc), classes)


def is_retryable_error(exc: BaseException) -> bool:
    """True when the same request may succeed if the client sends it again (answer 503)."""
    cause = _cause(exc)
    if isinstance(cause, sqlite3.OperationalError):
        message = str(cause).lower()
        return any(text in message for text in _SQLITE_RETRYABLE)
    if isinstance(exc, sqlalchemy.exc.OperationalError) and cause is exc:
        return True
    if isinstance(cause, OSError) and cause.errno in _FILE_SYSTEM_ERRNOS:
        return True
    classes = _loaded().retryable
    return isinstance(cause, classes) or isinstance(exc, classes)
