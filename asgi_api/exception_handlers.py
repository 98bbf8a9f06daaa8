"""FastAPI's default error responses, and finding the handler for an exception raised in a route.

An `API` registers the defaults with Starlette's `ExceptionMiddleware`. A route also falls back to
them itself, so an `APIRouter` mounted in a plain Starlette app still answers JSON errors.
"""

from __future__ import annotations

import inspect
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ExceptionHandler, Scope

from asgi_api.exceptions import RequestValidationError
from asgi_api.responses import JSONResponse, body_allowed


async def http_exception_handler(request: Request, exc: Exception) -> Response:
    """`{"detail": ...}` with the exception's status and headers (no body where none is allowed)."""
    assert isinstance(exc, StarletteHTTPException)
    if not body_allowed(exc.status_code):
        return Response(status_code=exc.status_code, headers=exc.headers)
    return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)


async def request_validation_exception_handler(request: Request, exc: Exception) -> Response:
    """422 `{"detail": [{"type", "loc", "msg", "input"}, ...]}`."""
    assert isinstance(exc, RequestValidationError)
    return JSONResponse({"detail": exc.errors()}, status_code=422)


DEFAULT_HANDLERS: dict[Any, ExceptionHandler] = {
    StarletteHTTPException: http_exception_handler,
    RequestValidationError: request_validation_exception_handler,
}


def _by_class(handlers: dict[Any, ExceptionHandler], exc: Exception) -> ExceptionHandler | None:
    for cls in type(exc).__mro__:
        if cls in handlers:
            return handlers[cls]
    return None


def find_handler(scope: Scope, exc: Exception) -> ExceptionHandler | None:
    """The app's handler for `exc` (by status code, then class), else our default, else None.

    Starlette's own plain-text handler for HTTP errors gives way to the JSON default.
    """
    # seam: starlette private scope key "starlette.exception_handlers" ((by class, by status) from ExceptionMiddleware)
    exception_handlers, status_handlers = scope.get("starlette.exception_handlers", ({}, {}))
    handler = None
    if isinstance(exc, StarletteHTTPException):
        handler = status_handlers.get(exc.status_code)
    if handler is None:
        handler = _by_class(exception_handlers, exc)
    # seam: starlette ExceptionMiddleware.http_exception is the default handler it registers for HTTPException
    if handler is None or getattr(handler, "__func__", None) is ExceptionMiddleware.http_exception:
        handler = _by_class(DEFAULT_HANDLERS, exc)
    return handler


async def run_handler(handler: ExceptionHandler, request: Request, exc: Exception) -> Response:
    if _is_async(handler):
        return await handler(request, exc)  # type: ignore[arg-type, misc]
    return await run_in_threadpool(handler, request, exc)  # type: ignore[arg-type]


def _is_async(handler: Any) -> bool:
    return inspect.iscoroutinefunction(handler) or (callable(handler) and inspect.iscoroutinefunction(handler.__call__))
