"""No NUL character (U+0000) in anything a request sends: path, query or JSON body.

PostgreSQL stores no NUL in text or JSONB, while SQLite would. So that both backends answer alike,
every request carrying one gets a 422 before any query runs -- one check for every string, also
those inside free-form JSON (parameters, variable values, log messages).
"""

from __future__ import annotations

import re
from typing import Any

import msgspec
from starlette.requests import HTTPConnection, Request

from asgi_api.exceptions import RequestValidationError

__all__ = ["has_escaped_nul", "reject_nul_characters"]

_MESSAGE = "Value error, text must not contain the NUL character (\\u0000)"
# `\u0000` in JSON, but not `\\u0000` (an escaped backslash followed by "u0000").
_ESCAPED_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")


async def reject_nul_characters(connection: HTTPConnection) -> None:
    """A dependency for every router: 422 (Prefect's shape) naming where a NUL was found.
    (Websocket frames are checked where they are read.)"""
    errors: list[dict[str, Any]] = []
    if "\x00" in connection.url.path:
        errors.append(_nul(("path",), connection.url.path))
    if b"%00" in connection.scope["query_string"]:
        errors.extend(_nul(("query", name), value) for name, value in connection.query_params.multi_items()
                      if "\x00" in name or "\x00" in value)
    body = await connection.body() if isinstance(connection, Request) else b""
    if has_escaped_nul(body):
        errors.append(_nul(("body",), None))
    if errors:
        raise RequestValidationError(errors, body=_document(body))


def has_escaped_nul(document: bytes) -> bool:
    """Whether a JSON document has a string with a NUL in it (raw NUL bytes are no valid JSON)."""
    return b"u0000" in document and _ESCAPED_NUL.search(document) is not None


def _nul(loc: tuple[str, ...], value: str | None) -> dict[str, Any]:
    return {"type": "value_error", "loc": list(loc), "msg": _MESSAGE, "input": value,
            "ctx": {"error": "text must not contain the NUL character"}}


def _document(body: bytes) -> Any:
    """The body to echo back in the 422, as the validation errors do."""
    try:
        return msgspec.json.decode(body) if body else None
    except msgspec.DecodeError:
        return None
