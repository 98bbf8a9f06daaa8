"""The exceptions an endpoint raises and the ones the framework raises for bad requests."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.exceptions import WebSocketException

__all__ = ["DependencyScopeError", "FastAPIDeprecationWarning", "FastAPIError", "HTTPException",
           "PydanticV1NotSupportedError", "RequestValidationError", "ResponseValidationError", "WebSocketException",
           "WebSocketRequestValidationError"]


class FastAPIDeprecationWarning(UserWarning):
    """Warned for a FastAPI feature kept for compatibility (FastAPI's name, for warning filters)."""


class HTTPException(StarletteHTTPException):
    """An error response: `{"detail": detail}` with `status_code` and optional `headers`.

    Unlike Starlette's, `detail` may be any JSON-encodable value (a dict or list too), as in FastAPI.
    """

    def __init__(self, status_code: int, detail: Any = None, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(status_code=status_code, detail=detail, headers=headers)
        if detail is not None:
            self.detail = detail


class RequestValidationError(Exception):
    """Raised when request parameters or the body fail validation; rendered as a 422.

    `errors()` gives FastAPI's list of `{"type", "loc", "msg", "input"[, "ctx"]}` dicts and `body` the
    decoded request body (when there was one), so handlers can echo it back as Prefect does.
    """

    def __init__(self, errors: Sequence[dict[str, Any]], *, body: Any = None) -> None:
        # `loc`s are tuples, as in FastAPI (code compares them with `("body", "name")`).
        self._errors = [{**entry, "loc": tuple(entry["loc"])} if "loc" in entry else entry for entry in errors]
        super().__init__(self._errors)
        self.body = body

    def errors(self) -> list[dict[str, Any]]:
        return self._errors

    def __str__(self) -> str:
        return f"{len(self._errors)} validation error(s): {self._errors}"


class WebSocketRequestValidationError(RequestValidationError):
    """Invalid parameters of a WebSocket endpoint (the connection is closed with 1008)."""


class ResponseValidationError(Exception):
    """An endpoint returned data that does not fit its response model: a server bug, hence a 500."""

    def __init__(self, message: str, *, body: Any = None) -> None:
        super().__init__(message)
        self.body = body


class FastAPIError(RuntimeError):
    """A route or app that cannot work as declared, raised when it is defined (not on a request).

    Named as FastAPI's, so code that catches it ports unchanged.
    """


class DependencyScopeError(FastAPIError):
    """A dependency kept open for the whole request that needs one closed before the response."""


class PydanticV1NotSupportedError(FastAPIError):
    """A `pydantic.v1` model met in a route or in `jsonable_encoder`: FastAPI refuses them, so does asgi_api."""
