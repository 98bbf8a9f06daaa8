"""Reading a request body: the bytes (with disconnects), then JSON decoded for the route's fields.

`dependencies.py` decides once, when a route is created, which body fields a route has; this
module reads the body for one request and hands each field its value (or FastAPI's errors).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import msgspec
from starlette.requests import ClientDisconnect, Request

from asgi_api import json_body, params, validation
from asgi_api.validation import Error, Invalid

if TYPE_CHECKING:
    from asgi_api.dependencies import Context

__all__ = ["Body", "BodyField", "is_json", "receive_body"]


class BodyField:
    """A JSON body value: the whole body, or one key of it when several are merged or embedded."""

    __slots__ = ("name", "alias", "required", "default", "annotation", "marker", "json")

    def __init__(self, name: str, annotation: Any, marker: params.BodyParam, default: Any) -> None:
        self.name = name
        self.annotation = annotation
        self.marker = marker
        self.alias = marker.alias or name
        self.required, self.default = params.default_of(default, marker)
        self.json = json_body.JsonValue(annotation, marker.constraints)


_OBJECT_OF_RAW = msgspec.json.Decoder(dict[str, msgspec.Raw])


def is_json(content_type: str) -> bool:
    main = content_type.split(";", 1)[0].strip().lower()
    return main == "application/json" or (main.startswith("application/") and main.endswith("+json"))


class Body:
    """How the route reads its JSON body: one field taking the whole body, or several keyed fields.

    With `strict_content_type` (FastAPI's default) a body without a JSON content type is not parsed
    as JSON; without it, a body with no `Content-Type` at all is parsed anyway (older clients).
    """

    def __init__(self, fields: list[BodyField], strict_content_type: bool = True) -> None:
        self.fields = fields
        self.whole = fields[0] if len(fields) == 1 and not fields[0].marker.embed else None
        self.strict_content_type = strict_content_type

    async def read(self, context: Context) -> None:
        """Read and decode the body; a syntax error fails at once, a misfit only where FastAPI reports it."""
        raw = context.raw_body = await receive_body(context.request)
        if not raw:
            return
        content_type = context.request.headers.get("content-type")
        if not (is_json(content_type) if content_type else not self.strict_content_type):
            context.body = _NotJson(raw)
            return
        json_body.refuse_lone_surrogates(raw)
        try:
            if self.whole is not None:
                context.body = _Decoded(self.whole.json.from_bytes(raw))
            else:
                context.body = _OBJECT_OF_RAW.decode(raw)
        except Invalid as exc:
            context.body = _Failed(validation.relocate(exc.errors, ("body",)))
        except _UNDECODABLE:
            document = json_body.parse_document(raw)
            if self.whole is not None:
                value, errors = self.whole.json.from_document(document, ["body"])
                context.body = _Failed(errors) if errors else _Decoded(value)
            else:
                # Keyed fields need an object: otherwise each of them is missing.
                context.body = document if isinstance(document, dict) else _NotObject()

    def value(self, field: BodyField, context: Context) -> tuple[Any, list[Error]]:
        body = context.body
        if self.whole is not None:
            if isinstance(body, _Decoded):
                return body.value, []
            if isinstance(body, _Failed):
                return None, body.errors
            if isinstance(body, _NotJson):
                return field.json.from_document(body.raw.decode("utf-8", "replace"), ["body"])
            return _missing_or_default(field, ["body"])
        loc = ["body", field.alias]
        if isinstance(body, _NotObject):
            return None, [validation.missing(loc)]
        value = body.get(field.alias, _ABSENT) if isinstance(body, dict) else _ABSENT
        if value is _ABSENT:
            return _missing_or_default(field, loc)
        if not isinstance(value, msgspec.Raw):
            return field.json.from_document(value, loc)
        try:
            return field.json.from_bytes(value), []
        except Invalid as exc:
            return None, validation.relocate(exc.errors, loc)
        except _UNDECODABLE:
            return field.json.from_document(json_body.parse_document(bytes(value)), loc)


# What msgspec raises for bytes that are not (fitting) JSON: its ValidationError is a DecodeError,
# invalid UTF-8 raises UnicodeDecodeError.
_UNDECODABLE = (msgspec.DecodeError, RecursionError, UnicodeDecodeError)
_ABSENT: Any = object()


class _Decoded:
    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


class _Failed:
    __slots__ = ("errors",)

    def __init__(self, errors: list[Error]) -> None:
        self.errors = errors


class _NotJson:
    __slots__ = ("raw",)

    def __init__(self, raw: bytes) -> None:
        self.raw = raw


class _NotObject:
    """A JSON body that is not an object, where fields are read by key."""


async def receive_body(request: Request) -> bytes:
    """The whole request body, read straight from `receive` and kept where `Request.body()` finds it.

    Starlette's `Request.body()` goes through an async generator per request; reading the messages
    here is the same protocol at a fraction of the cost on the hot path.
    """
    # seam: starlette private Request._body/_stream_consumed/_is_disconnected (the cache body() and stream() use)
    if hasattr(request, "_body"):
        return request._body
    chunks: list[bytes] = []
    while True:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            request._is_disconnected = True
            raise ClientDisconnect()
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    request._stream_consumed = True
    request._body = body = chunks[0] if len(chunks) == 1 else b"".join(chunks)
    return body


def _missing_or_default(field: BodyField, loc: list[Any]) -> tuple[Any, list[Error]]:
    if field.required:
        return None, [validation.missing(loc)]
    return field.default(), []
