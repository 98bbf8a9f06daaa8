"""Responses, and turning an endpoint's return value into response bytes with msgspec.

Two JSON encoders, as FastAPI has two paths: values checked against a response model are encoded
as pydantic would serialise the model (decimals as strings); free-form values are encoded as
FastAPI's `jsonable_encoder` would (decimals as numbers, paths and other objects as strings).
"""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import importlib
import json
import math
import os
import warnings
from collections.abc import Callable
from typing import Any

import msgspec
from starlette.responses import (
    FileResponse,
    HTMLResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)

from asgi_api import _pydantic
from asgi_api.encoders import jsonable_encoder
from asgi_api.exceptions import FastAPIDeprecationWarning, ResponseValidationError
from asgi_api.json_body import dataclass_defaults

__all__ = [
    "EventSourceResponse", "FileResponse", "HTMLResponse", "JSONResponse", "ORJSONResponse", "PlainTextResponse",
    "RedirectResponse", "Response", "StreamingResponse", "UJSONResponse",
]


def _encode_other(value: Any) -> Any:
    """What msgspec cannot encode natively: paths and other `os.PathLike`s, objects with attributes."""
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if hasattr(value, "__pydantic_serializer__"):
        return _pydantic.dump_free(value)
    if hasattr(value, "__dict__"):
        return {key: item for key, item in vars(value).items() if not key.startswith("_")}
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


_free_encoder = msgspec.json.Encoder(enc_hook=_encode_other, decimal_format="number")
_model_encoder = msgspec.json.Encoder(enc_hook=_encode_other)


def body_allowed(status_code: int) -> bool:
    """Whether HTTP lets a response with this status carry a body (not 1xx, 204, 205, 304)."""
    return not (status_code < 200 or status_code in (204, 205, 304))


class JSONResponse(Response):
    """A JSON response encoded by msgspec: dataclasses, Structs, datetimes, UUIDs, enums included."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return _free_encoder.encode(content)


class EventSourceResponse(StreamingResponse):
    """A `text/event-stream`. As a path operation's `response_class`, it makes a generator endpoint
    send its items as server-sent events (see `asgi_api.sse`), over any HTTP method."""

    media_type = "text/event-stream"


def stream_json(value: Any) -> bytes:
    """An untyped stream item (a JSON line, an event's data) as FastAPI writes it: `json.dumps` of
    `jsonable_encoder`'s data, with NaN and infinities as null (JSON has no such numbers)."""
    return json.dumps(_finite(jsonable_encoder(value))).encode()


def _finite(data: Any) -> Any:
    if isinstance(data, float):
        return data if math.isfinite(data) else None
    if isinstance(data, dict):
        return {key: _finite(item) for key, item in data.items()}
    if isinstance(data, list):
        return [_finite(item) for item in data]
    return data


class _LibraryJSONResponse(JSONResponse):
    """A JSON response rendered by a third-party library, as FastAPI still offers two of them.

    FastAPI 0.165 deprecates both: a typed endpoint's JSON is already encoded fast (here by msgspec).
    Like FastAPI, creating one (or subclassing one) warns with `FastAPIDeprecationWarning`; the
    library is imported at the first render, so apps that never use it need not install it.
    """

    _library = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls._library and _LibraryJSONResponse not in cls.__bases__:
            _warn_deprecated(cls)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        _warn_deprecated(type(self))
        super().__init__(*args, **kwargs)

    def _module(self) -> Any:
        try:
            return importlib.import_module(self._library)
        except ModuleNotFoundError:
            raise RuntimeError(f"{self._library} must be installed to use {type(self).__name__}") from None


def _warn_deprecated(cls: type[_LibraryJSONResponse]) -> None:
    deprecated = next(base for base in cls.__mro__ if _LibraryJSONResponse in base.__bases__).__name__
    warnings.warn(f"{deprecated} is deprecated: a return type or response model is already encoded to JSON "
                  "bytes fast, with no custom response class", FastAPIDeprecationWarning, stacklevel=3)


class ORJSONResponse(_LibraryJSONResponse):
    """JSON by orjson, keys that are not strings (numbers, ...) written as strings, numpy arrays allowed."""

    _library = "orjson"

    def render(self, content: Any) -> bytes:
        orjson = self._module()
        return orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY)


class UJSONResponse(_LibraryJSONResponse):
    """JSON by ujson, non-ASCII text written as UTF-8 rather than escaped."""

    _library = "ujson"

    def render(self, content: Any) -> bytes:
        return self._module().dumps(content, ensure_ascii=False).encode("utf-8")


def to_model(value: Any, model: Any) -> Any:
    """Convert `value` to the response model: extra fields dropped, attributes read from objects."""
    try:
        return msgspec.convert(value, model, from_attributes=True, strict=False)
    except msgspec.ValidationError:
        pass
    try:
        return msgspec.convert(msgspec.to_builtins(value, enc_hook=_encode_other), model, strict=False)
    except (msgspec.ValidationError, TypeError) as exc:
        raise ResponseValidationError(f"Response does not fit the response model {model!r}: {exc}",
                                      body=value) from None


def converter(model: Any) -> Callable[[Any], Any]:
    """The return value as an instance of `model`, prepared once per route."""
    if isinstance(model, type) and dataclasses.is_dataclass(model):
        # pydantic validates a returned dataclass again (an int in a float field is sent as a float).
        def convert(value: Any) -> Any:
            if type(value) is model:
                value = msgspec.to_builtins(value, enc_hook=_encode_other)
            return to_model(value, model)
    elif isinstance(model, type):
        # The common case, an endpoint returning the model itself, needs no conversion.
        def convert(value: Any) -> Any:
            return value if type(value) is model else to_model(value, model)
    else:
        def convert(value: Any) -> Any:
            return to_model(value, model)
    fill = dataclass_defaults(model)
    if fill is not None:
        return lambda value: fill(convert(value))
    return convert


_PLAIN = (str, int, float, bool, type(None))


def jsonable(value: Any) -> Any:
    """Free-form data as FastAPI's `jsonable_encoder` shapes it, where msgspec would write it
    differently: datetimes and times by `isoformat()` (UTC as `+00:00`, not `Z`), timedeltas as
    seconds, decimals as numbers without trailing zeros, bytes as text, dataclasses as dicts.
    Everything else is left to msgspec, which encodes it as FastAPI does."""
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is dict:
        return {jsonable(key): jsonable(item) for key, item in value.items()}
    if kind in (list, tuple, set, frozenset):
        return [jsonable(item) for item in value]
    if isinstance(value, (datetime.datetime, datetime.time)):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    if isinstance(value, decimal.Decimal):
        exponent = value.as_tuple().exponent
        return int(value) if isinstance(exponent, int) and exponent >= 0 else float(value)
    if isinstance(value, bytes):
        return value.decode()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {field.name: jsonable(getattr(value, field.name)) for field in dataclasses.fields(value)}
    if isinstance(value, (dict, list, tuple)):  # subclasses keep their own encoding only in msgspec
        return jsonable(dict(value) if isinstance(value, dict) else list(value))
    return value


def _encode_free(value: Any) -> bytes:
    return _free_encoder.encode(jsonable(value))


def serializer(model: Any, *, include: Any = None, exclude: Any = None, by_alias: bool = True,
               exclude_unset: bool = False, exclude_defaults: bool = False,
               exclude_none: bool = False) -> Callable[[Any], bytes]:
    """The function that turns a return value into JSON bytes, prepared once per route.

    FastAPI's `response_model_*` switches: `include`/`exclude` (sets of field names, or dicts for
    nested fields), `by_alias=False` (field names instead of renamed keys), `exclude_unset` (what a
    returned dict did not have), `exclude_defaults` and `exclude_none`.
    """
    if model is None:
        return _encode_free
    if _pydantic.uses_pydantic(model):
        return _pydantic.serializer(model, include=include, exclude=exclude, by_alias=by_alias,
                                    exclude_unset=exclude_unset, exclude_defaults=exclude_defaults,
                                    exclude_none=exclude_none)
    encode, convert = _model_encoder.encode, converter(model)
    if dataclasses.is_dataclass(model):
        exclude_unset = False  # pydantic counts every field of a dataclass as set
    if not (exclude_unset or exclude_none or exclude_defaults or include is not None or exclude is not None
            or not by_alias):
        if isinstance(model, type) and not dataclasses.is_dataclass(model) and dataclass_defaults(model) is None:
            # The common case, an endpoint returning the model itself: one call per response.
            return lambda value: encode(value if type(value) is model else to_model(value, model))
        return lambda value: encode(convert(value))

    def trimmed(value: Any) -> bytes:
        converted = convert(value)
        data = _dump(converted, by_alias, exclude_defaults) if exclude_defaults or not by_alias else \
            msgspec.to_builtins(converted, enc_hook=_encode_other)
        if exclude_unset:
            data = _only_given(data, value)
        if include is not None or exclude is not None:
            data = _pick(data, include, exclude)
        if exclude_none:
            data = _without_none(data)
        return encode(data)

    return trimmed


def _dump(value: Any, by_alias: bool, exclude_defaults: bool) -> Any:
    """Structs and dataclasses as dicts, keyed by field name unless `by_alias`, defaults left out if asked."""
    if isinstance(value, msgspec.Struct):
        return {(field.encode_name if by_alias else field.name): _dump(item, by_alias, exclude_defaults)
                for field in msgspec.structs.fields(value)
                if not (exclude_defaults and _is_default(item := getattr(value, field.name), field))}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {field.name: _dump(getattr(value, field.name), by_alias, exclude_defaults)
                for field in dataclasses.fields(value)
                if not (exclude_defaults and _is_dataclass_default(getattr(value, field.name), field))}
    if isinstance(value, dict):
        return {key: _dump(item, by_alias, exclude_defaults) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_dump(item, by_alias, exclude_defaults) for item in value]
    return msgspec.to_builtins(value, enc_hook=_encode_other)


def _is_dataclass_default(value: Any, field: dataclasses.Field[Any]) -> bool:
    if field.default is not dataclasses.MISSING:
        return bool(value == field.default)
    return field.default_factory is not dataclasses.MISSING and bool(value == field.default_factory())


def _is_default(value: Any, field: msgspec.structs.FieldInfo) -> bool:
    if field.default is not msgspec.NODEFAULT:
        return bool(value == field.default)
    return field.default_factory is not msgspec.NODEFAULT and bool(value == field.default_factory())


def _pick(data: Any, include: Any, exclude: Any) -> Any:
    """`data` with only the `include`d and none of the `exclude`d keys (sets, or dicts for nested keys)."""
    if isinstance(data, list):
        return [_pick(item, include, exclude) for item in data]
    if not isinstance(data, dict):
        return data
    result = {}
    for key, item in data.items():
        if include is not None and key not in include:
            continue
        if exclude is not None and key in exclude and not isinstance(exclude, dict):
            continue
        inner_include = include.get(key) if isinstance(include, dict) else None
        inner_exclude = exclude.get(key) if isinstance(exclude, dict) else None
        if inner_exclude is ...:
            continue
        if isinstance(inner_include, (set, dict)) or isinstance(inner_exclude, (set, dict)):
            item = _pick(item, inner_include if isinstance(inner_include, (set, dict)) else None,
                         inner_exclude if isinstance(inner_exclude, (set, dict)) else None)
        result[key] = item
    return result


def _only_given(data: Any, given: Any) -> Any:
    """`data` restricted to the keys present in the returned dicts it was converted from."""
    if isinstance(data, dict) and isinstance(given, dict):
        return {key: _only_given(item, given[key]) for key, item in data.items() if key in given}
    if isinstance(data, list) and isinstance(given, (list, tuple)) and len(data) == len(given):
        return [_only_given(item, original) for item, original in zip(data, given, strict=True)]
    return data


def _without_none(data: Any) -> Any:
    if isinstance(data, dict):
        return {key: _without_none(item) for key, item in data.items() if item is not None}
    if isinstance(data, list):
        return [_without_none(item) for item in data]
    return data
