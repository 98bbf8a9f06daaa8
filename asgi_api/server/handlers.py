"""Prefect's exception handlers: error bodies its clients understand, database errors by kind.

- validation errors: 422 with the errors and the request body echoed back;
- integrity errors (sqlite3, asyncpg, SQLAlchemy): 409 with a generic message, details logged only;
- values the database cannot hold (out of range, refused text): 422 in the validation shape;
- missing objects: 404 `{"exception_message": ...}`;
- retryable database errors: 503 with `Retry-After` (clients retry); anything else: 500.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import msgspec
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from asgi_api.exceptions import RequestValidationError
from asgi_api.responses import JSONResponse
from asgi_api.server.database.errors import (
    error_classes,
    is_integrity_error,
    is_invalid_value_error,
    is_retryable_error,
)
from asgi_api.server.exceptions import ObjectNotFoundError

logger = logging.getLogger("asgi_api.server")

RETRY_AFTER_SECONDS = 1
INTEGRITY_MESSAGE = ("Data integrity conflict. This usually means a unique or foreign key constraint was violated. "
                     "See server logs for details.")


async def validation_exception_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    return JSONResponse({"exception_message": "Invalid request received.", "exception_detail": exc.errors(),
                         "request_body": exc.body}, status_code=422)


async def integrity_exception_handler(request: Request, exc: Exception) -> Response:
    logger.error("Integrity error in %s %s", request.method, request.url.path, exc_info=exc)
    return JSONResponse({"detail": INTEGRITY_MESSAGE}, status_code=409)


async def invalid_value_exception_handler(request: Request, exc: Exception) -> Response:
    """422 for a value the database refused. The body is searched for the values no schema bound
    catches -- a datetime past year 9999 (or before year 1) once in UTC, an integer beyond 64 bits --
    to name their fields."""
    logger.info("Value the database cannot hold in %s %s: %r", request.method, request.url.path, exc)
    document = _json_document(await request.body())
    details: list[dict[str, Any]] = [{"type": "value_error", "loc": ["body", *loc], "input": value,
                                      "msg": f"Value error, {problem}"}
                                     for loc, value, problem in _beyond(document, [])]
    details = details or [{"type": "value_error", "loc": ["body"], "input": None,
                           "msg": "Value error, a value is out of the range the database can store"}]
    return JSONResponse({"exception_message": "Invalid request received.", "exception_detail": details,
                         "request_body": document}, status_code=422)


def _json_document(body: bytes) -> Any:
    try:
        return msgspec.json.decode(body) if body else None
    except msgspec.DecodeError:
        return None


def _beyond(value: Any, loc: list[Any]) -> Iterator[tuple[list[Any], Any, str]]:
    """(where, value, problem) of each value in a JSON document the databases cannot take: an integer
    beyond 64 bits, a string reading as an RFC 3339 datetime whose UTC instant is outside years 1-9999."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _beyond(item, [*loc, key])
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _beyond(item, [*loc, index])
    elif isinstance(value, int) and not isinstance(value, bool) and not -(2**63) <= value < 2**63:
        yield loc, value, "the integer is out of the range the database can store"
    elif isinstance(value, str) and value[:4] in ("0001", "9999"):
        try:
            parsed = datetime.fromisoformat(value)
            if parsed.tzinfo is not None:
                parsed.astimezone(timezone.utc)
        except ValueError:
            pass
        except OverflowError:
            yield loc, value, "the datetime is out of range once converted to UTC"


async def client_disconnect_handler(request: Request, exc: Exception) -> Response:
    """The client left mid-request: nobody reads the answer, and it is no server error."""
    logger.debug("Client disconnected during %s %s", request.method, request.url.path)
    return JSONResponse({"detail": "Client disconnected"}, status_code=400)


async def object_not_found_exception_handler(request: Request, exc: Exception) -> Response:
    return JSONResponse({"exception_message": str(exc)}, status_code=404)


def internal_exception_handler(log_retryable_errors: bool) -> Any:
    """The handler for every other error: 503 + `Retry-After` when retrying can help, else 500."""

    async def custom_internal_exception_handler(request: Request, exc: Exception) -> Response:
        if is_integrity_error(exc):
            return await integrity_exception_handler(request, exc)
        if is_invalid_value_error(exc):
            return await invalid_value_exception_handler(request, exc)
        if is_retryable_error(exc):
            if log_retryable_errors:
                logger.error("Retryable error in %s %s", request.method, request.url.path, exc_info=exc)
            else:
                logger.warning("Retryable error in %s %s: %r", request.method, request.url.path, exc)
            return JSONResponse({"exception_message": "Service Unavailable"}, status_code=503,
                                headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
        logger.error("Unhandled error in %s %s", request.method, request.url.path, exc_info=exc)
        return JSONResponse({"exception_message": "Internal Server Error"}, status_code=500)

    return custom_internal_exception_handler


# The handler with retryable errors logged briefly, as Prefect's `custom_internal_exception_handler`.
custom_internal_exception_handler = internal_exception_handler(log_retryable_errors=False)


def exception_handlers(log_retryable_errors: bool = False, *, postgres: bool = True) -> dict[Any, Any]:
    """The handlers for an API app. Database errors are registered by class as well, so that they
    are answered inside the middleware stack (CORS headers included), not by the outermost layer;
    asyncpg's classes only with `postgres` (a SQLite server never imports asyncpg)."""
    internal = internal_exception_handler(log_retryable_errors)
    classes = error_classes(postgres)
    handlers: dict[Any, Any] = {error: internal for error in classes.retryable}
    handlers.update({error: integrity_exception_handler for error in classes.integrity})
    handlers.update({error: invalid_value_exception_handler for error in classes.invalid_value})
    handlers.update({
        RequestValidationError: validation_exception_handler,
        ObjectNotFoundError: object_not_found_exception_handler,
        ClientDisconnect: client_disconnect_handler,  # by class: answered inside, never re-raised to the server
        Exception: internal,
    })
    return handlers
