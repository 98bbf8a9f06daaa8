"""`jsonable_encoder`: any value as plain JSON-ready data (dicts, lists, str, int, float, bool, None).

For code that builds a JSON payload by hand, stores it, or compares it: FastAPI's function of the
same name, with the same conversions, for msgspec Structs and dataclasses (and pydantic models, when
pydantic is what the app uses).
"""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import enum
import ipaddress
import re
import uuid
from collections import deque
from collections.abc import Callable, Iterable
from pathlib import PurePath
from types import GeneratorType
from typing import Any

import msgspec

from asgi_api import _pydantic
from asgi_api.exceptions import PydanticV1NotSupportedError

__all__ = ["jsonable_encoder"]


def _decimal(value: decimal.Decimal) -> int | float:
    """Whole decimals as ints (ids stored as NUMERIC round-trip), others as floats."""
    exponent = value.as_tuple().exponent
    return int(value) if isinstance(exponent, int) and exponent >= 0 else float(value)


_BY_CLASS: tuple[tuple[type | tuple[type, ...], Callable[[Any], Any]], ...] = (
    (bytes, lambda value: value.decode()),
    ((datetime.date, datetime.time), lambda value: value.isoformat()),  # datetime is a date
    (datetime.timedelta, lambda value: value.total_seconds()),
    (decimal.Decimal, _decimal),
    (re.Pattern, lambda value: value.pattern),
    ((uuid.UUID, ipaddress.IPv4Address, ipaddress.IPv6Address, ipaddress.IPv4Network, ipaddress.IPv6Network,
      ipaddress.IPv4Interface, ipaddress.IPv6Interface), str),
)
_SEQUENCES = (list, set, frozenset, tuple, deque, GeneratorType)


def jsonable_encoder(
    obj: Any,
    include: Iterable[Any] | None = None,
    exclude: Iterable[Any] | None = None,
    by_alias: bool = True,
    exclude_unset: bool = False,
    exclude_defaults: bool = False,
    exclude_none: bool = False,
    custom_encoder: dict[Any, Callable[[Any], Any]] | None = None,
    sqlalchemy_safe: bool = True,
) -> Any:
    """`obj` as JSON-ready data. `include`/`exclude` pick the keys of a top-level object;
    `exclude_none` drops null values at every level; `custom_encoder` maps types to functions and
    wins over everything else; `sqlalchemy_safe` skips `_sa...` keys (SQLAlchemy's instance state)."""
    options: dict[str, Any] = {
        "by_alias": by_alias, "exclude_unset": exclude_unset, "exclude_defaults": exclude_defaults,
        "exclude_none": exclude_none, "custom_encoder": custom_encoder, "sqlalchemy_safe": sqlalchemy_safe}
    if custom_encoder:
        encoder = custom_encoder.get(type(obj)) or next(
            (function for cls, function in custom_encoder.items() if isinstance(obj, cls)), None)
        if encoder is not None:
            return encoder(obj)
    if isinstance(obj, (str, int, float, type(None))) and not isinstance(obj, enum.Enum):
        return obj
    if isinstance(obj, enum.Enum):
        return obj.value
    if isinstance(obj, PurePath):
        return str(obj)
    if hasattr(obj, "model_dump") and hasattr(type(obj), "model_fields"):  # a pydantic model
        data = obj.model_dump(mode="json", include=_keys(include), exclude=_keys(exclude), by_alias=by_alias,
                              exclude_unset=exclude_unset, exclude_none=exclude_none,
                              exclude_defaults=exclude_defaults)
        return jsonable_encoder(data, exclude_none=exclude_none, sqlalchemy_safe=sqlalchemy_safe)
    if isinstance(obj, msgspec.Struct):
        return jsonable_encoder(_struct_dict(obj, by_alias, exclude_defaults), include, exclude, **options)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return jsonable_encoder(dataclasses.asdict(obj), include, exclude, **options)
    if isinstance(obj, dict):
        keys = set(obj)
        if include is not None:
            keys &= set(include)
        if exclude is not None:
            keys -= set(exclude)
        return {jsonable_encoder(key, **options): jsonable_encoder(value, **options)
                for key, value in obj.items()
                if key in keys and not (exclude_none and value is None)
                and not (sqlalchemy_safe and isinstance(key, str) and key.startswith("_sa"))}
    if isinstance(obj, _SEQUENCES):
        return [jsonable_encoder(item, include, exclude, **options) for item in obj]
    for cls, convert in _BY_CLASS:
        if isinstance(obj, cls):
            return convert(obj)
    if _pydantic.from_pydantic(type(obj)):  # `SecretStr`, `Url`, `NameEmail`, `Color`: their text, as in FastAPI
        return None if type(obj).__name__ == "PydanticUndefinedType" else str(obj)
    if _pydantic.v1_model_in(type(obj)) is not None:
        raise PydanticV1NotSupportedError(f"pydantic.v1 models are not supported: {obj!r}; use pydantic v2's models.")
    try:
        data = dict(obj)
    except Exception as first:
        try:
            data = vars(obj)
        except Exception as second:
            raise ValueError([first, second]) from second
    return jsonable_encoder(data, include, exclude, **options)


def _keys(keys: Iterable[Any] | None) -> Any:
    return keys if keys is None or isinstance(keys, (set, dict)) else set(keys)


def _struct_dict(obj: msgspec.Struct, by_alias: bool, exclude_defaults: bool) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for field in msgspec.structs.fields(obj):
        value = getattr(obj, field.name)
        if exclude_defaults and not field.required and value == (
                field.default if field.default is not msgspec.NODEFAULT else field.default_factory()):
            continue
        data[field.encode_name if by_alias else field.name] = value
    return data
