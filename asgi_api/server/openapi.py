"""The server's OpenAPI document says which statuses each operation really answers, with their bodies.

The framework documents a route's own status and FastAPI's 422 (`{"detail": [...]}`). The server
answers Prefect's 422 shape (`{"exception_message", "exception_detail", "request_body"}`) for
validation errors and `{"detail": ...}` for the 422s a route raises itself, and more statuses,
documented here from what each route is made of, when the document is built (once):

- every operation: 503 with `Retry-After` (the database is away);
- with a body: 400 (not JSON at all: invalid UTF-8, a lone surrogate), 408 (too slow), 413 (too large);
- with path parameters, or a write session: 404 (no such path, or an object it names is missing);
- with a write session: 409 (a unique or foreign key constraint, e.g. a duplicate name);
- the statuses its endpoint's own code sets (`status_code = 201 if created else 200`) or raises
  (`HTTPException(423, ...)`), read from its source.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterator, Sequence
from http import HTTPStatus
from typing import Any

from starlette.routing import BaseRoute

from asgi_api.dependencies import Dependant
from asgi_api.routing import APIRoute
from asgi_api.server.dependencies import write_session

__all__ = ["document_server_errors"]

_REF = "#/components/schemas/"
_HTTP_ERROR = {"title": "HTTPError", "type": "object", "properties": {"detail": {"title": "Detail"}},
               "required": ["detail"]}
_PREFECT_VALIDATION_ERROR = {
    "title": "PrefectValidationError",
    "type": "object",
    "properties": {
        "exception_message": {"title": "Exception Message", "type": "string"},
        "exception_detail": {"title": "Exception Detail", "type": "array", "items": {"$ref": _REF + "ValidationError"}},
        "request_body": {"title": "Request Body"},
    },
    "required": ["exception_message", "exception_detail"],
}
_SERVER_ERROR = {"title": "ServerError", "type": "object",
                 "properties": {"exception_message": {"title": "Exception Message", "type": "string"}},
                 "required": ["exception_message"]}
_NOT_FOUND = {"title": "NotFound", "anyOf": [{"$ref": _REF + "HTTPError"}, {"$ref": _REF + "ServerError"}]}

# An endpoint's own statuses: `HTTPException(409, ...)`, `status_code=423`, `status_code = 201 if x else 200`.
_RAISED = re.compile(r"HTTPException\(\s*(\d{3})")
_SET = re.compile(r"status_code\s*=\s*(\d{3})(?:\s+if\s+[^\n]+?\s+else\s+(\d{3}))?")


def _json(schema: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": _REF + schema}}}


def _error(description: str, schema: str = "HTTPError") -> dict[str, Any]:
    return {"description": description, "content": _json(schema)}


def document_server_errors(document: dict[str, Any], routes: Sequence[BaseRoute] = ()) -> dict[str, Any]:
    """`document` (changed in place and returned) with the statuses and error bodies of `routes`."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas["HTTPError"] = _HTTP_ERROR
    schemas["ServerError"] = _SERVER_ERROR
    schemas["NotFound"] = _NOT_FOUND
    if "HTTPValidationError" in schemas:
        schemas["PrefectValidationError"] = _PREFECT_VALIDATION_ERROR
        schemas["HTTPValidationError"] = {"title": "HTTPValidationError", "anyOf": [
            {"$ref": _REF + "PrefectValidationError"}, {"$ref": _REF + "HTTPError"}]}
    routes_by_operation = {(route.path_format, method.lower()): route for route in routes
                           if isinstance(route, APIRoute) for method in route.methods}
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            responses.setdefault("503", {
                "description": "The database is unavailable: retry after `Retry-After` seconds",
                "headers": {"Retry-After": {"schema": {"type": "integer"}}}, "content": _json("ServerError")})
            if "requestBody" in operation:
                responses.setdefault("400", _error("The body is not JSON text (invalid UTF-8, a lone surrogate)"))
                responses.setdefault("408", _error("The body did not arrive in time"))
                responses.setdefault("413", _error("The body is too large"))
            route = routes_by_operation.get((path, method))
            if route is not None:
                _document_route(route, responses)
    return document


def _document_route(route: APIRoute, responses: dict[str, Any]) -> None:
    writes = any(dependant.call is write_session for dependant in _dependants(route.dependant))
    if writes or route.param_convertors:
        responses.setdefault("404", _error("Not found: the path, or an object it or the body names", "NotFound"))
    if writes:
        responses.setdefault("409", _error("Conflict: a duplicate name or key, or a reference to a missing object"))
    success = next((response for code, response in responses.items() if code.startswith("2")), None)
    for code in sorted(_endpoint_statuses(route.endpoint) - {int(code) for code in responses}):
        phrase = HTTPStatus(code).phrase
        if 200 <= code < 300 and success is not None:
            responses[str(code)] = {**success, "description": phrase}
        elif code >= 400:
            responses[str(code)] = _error(phrase)


def _dependants(dependant: Dependant) -> Iterator[Dependant]:
    yield dependant
    for dependency in dependant.dependencies:
        yield from _dependants(dependency)


def _endpoint_statuses(endpoint: Any) -> set[int]:
    """The statuses an endpoint's source sets or raises (its decorator's `status_code` among them)."""
    try:
        source = inspect.getsource(endpoint)
    except (OSError, TypeError):
        return set()
    found = {int(code) for code in _RAISED.findall(source)}
    for first, second in _SET.findall(source):
        found.update(int(code) for code in (first, second) if code)
    return found
