"""The server's OpenAPI document says what its error responses really look like.

The framework documents FastAPI's 422 (`{"detail": [...]}`); the server answers Prefect's shape
(`{"exception_message", "exception_detail", "request_body"}`) for validation errors and
`{"detail": ...}` for the 422s a route raises itself. Every operation may also answer 503 with
`Retry-After` (the database is away), and one with a body 408 or 413 (too slow, too large).
"""

from __future__ import annotations

from typing import Any

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


def _json(schema: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": _REF + schema}}}


def document_server_errors(document: dict[str, Any]) -> dict[str, Any]:
    """`document` (changed in place and returned) with the server's error responses."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas["HTTPError"] = _HTTP_ERROR
    schemas["ServerError"] = _SERVER_ERROR
    if "HTTPValidationError" in schemas:
        schemas["PrefectValidationError"] = _PREFECT_VALIDATION_ERROR
        schemas["HTTPValidationError"] = {"title": "HTTPValidationError", "anyOf": [
            {"$ref": _REF + "PrefectValidationError"}, {"$ref": _REF + "HTTPError"}]}
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            responses.setdefault("503", {
                "description": "The database is unavailable: retry after `Retry-After` seconds",
                "headers": {"Retry-After": {"schema": {"type": "integer"}}}, "content": _json("ServerError")})
            if "requestBody" in operation:
                responses.setdefault("408", {"description": "The body did not arrive in time",
                                             "content": _json("HTTPError")})
                responses.setdefault("413", {"description": "The body is too large", "content": _json("HTTPError")})
    return document
