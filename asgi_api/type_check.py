"""Refusing, when a route is added, a type that neither model backend can read, write or describe.

Without this an arbitrary class would be accepted as a body and fail on every request, and the
OpenAPI document would fail for the whole app. The check runs once per route, never per request.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from typing import Annotated, Any

import msgspec
from starlette.datastructures import UploadFile

from asgi_api import _pydantic
from asgi_api.exceptions import FastAPIError, PydanticV1NotSupportedError

__all__ = ["describable", "require_parameter_shape", "require_parameter_type", "require_response_type",
           "schema_hook"]


def schema_hook(tp: Any) -> dict[str, Any]:
    """msgspec's JSON schema for the types it leaves to us: uploaded files."""
    if isinstance(tp, type) and issubclass(tp, UploadFile):
        return {"type": "string", "contentMediaType": "application/octet-stream"}
    raise NotImplementedError


# What pydantic writes for these and msgspec leaves out: formats msgspec omits (it accepts naive
# datetimes and times, which RFC 3339 does not), and that a bare list or dict holds anything.
_AS_PYDANTIC_DESCRIBES: dict[Any, Any] = {
    datetime.datetime: Annotated[datetime.datetime, msgspec.Meta(extra_json_schema={"format": "date-time"})],
    datetime.time: Annotated[datetime.time, msgspec.Meta(extra_json_schema={"format": "time"})],
    list: Annotated[list, msgspec.Meta(extra_json_schema={"items": {}})],
    dict: Annotated[dict, msgspec.Meta(extra_json_schema={"additionalProperties": True})],
}


# A file parameter's `bytes` is the uploaded file's content: FastAPI documents it as a file.
_AS_FILE_DESCRIBES: dict[Any, Any] = {**_AS_PYDANTIC_DESCRIBES, bytes: UploadFile}


def describable(tp: Any, file: bool = False) -> Any:
    """`tp` with `object` read as `Any`, as pydantic reads it (msgspec decodes it so but cannot describe
    it), and with the schema details pydantic gives (formats of times, a bare list's `items`); with
    `file` (a `File()` parameter) `bytes` is described as an upload."""
    if tp is object:
        return Any
    table = _AS_FILE_DESCRIBES if file else _AS_PYDANTIC_DESCRIBES
    if tp in table:
        return table[tp]
    args = typing.get_args(tp)
    if not args or isinstance(tp, type):
        return tp
    if typing.get_origin(tp) is Annotated:
        return Annotated[(describable(args[0], file), *tp.__metadata__)]
    new = tuple(describable(arg, file) if arg is not Ellipsis else arg for arg in args)
    if new == args:
        return tp
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        return typing.Union[new]
    try:
        return tp.copy_with(new) if hasattr(tp, "copy_with") else types.GenericAlias(origin, new)
    except TypeError:
        return tp


_PROBLEMS: dict[Any, str | None] = {}


def _problem(tp: Any) -> str | None:
    """Why `tp` cannot be used (validated, encoded and put in the OpenAPI document), or None.

    Remembered per type: an app's routes share their types (a filter model, `int | None`), and
    describing a large model is most of the time it takes to add a route. `list[X]` and `X | None`
    are usable exactly when `X` is, so they ask about `X` (remembered too) instead of describing it
    again inside them.
    """
    try:
        return _PROBLEMS[tp]
    except KeyError:
        inner = _wrapped(tp)
        problem = _PROBLEMS[tp] = _find_problem(tp) if inner is None else _problem(inner)
        return problem
    except TypeError:  # unhashable metadata in an `Annotated`: nothing to remember it by
        return _find_problem(tp)


def _wrapped(tp: Any) -> Any:
    """`X` of `list[X]` or `X | None` (`Optional[X]`), else None."""
    args = typing.get_args(tp)
    origin = typing.get_origin(tp)
    if origin is list and len(args) == 1:
        return args[0]
    if origin in (typing.Union, types.UnionType) and len(args) == 2 and type(None) in args:
        return args[0] if args[1] is type(None) else args[1]
    return None


def _find_problem(tp: Any) -> str | None:
    if _pydantic.uses_pydantic(tp):
        try:
            _pydantic.adapter(tp).json_schema()
        except Exception as exc:  # noqa: BLE001 - pydantic raises several kinds for an unusable type
            return f"pydantic cannot handle it ({type(exc).__name__}: {str(exc).splitlines()[0]})"
        return None
    try:
        msgspec.json.schema(describable(tp), schema_hook=schema_hook)
    except (TypeError, ValueError) as exc:
        return f"msgspec cannot handle it ({str(exc).splitlines()[-1]})"
    return None


def _name(endpoint: Callable[..., Any]) -> str:
    return getattr(endpoint, "__qualname__", None) or repr(endpoint)


def _refuse_v1(tp: Any, endpoint: Callable[..., Any]) -> None:
    """FastAPI's own error for a `pydantic.v1` model, which neither backend reads."""
    model = _pydantic.v1_model_in(tp)
    if model is not None:
        raise PydanticV1NotSupportedError(f"pydantic.v1 models are not supported: {model!r} in {_name(endpoint)}; "
                                          "use pydantic v2's BaseModel.")


def require_parameter_type(tp: Any, endpoint: Callable[..., Any], parameter: str) -> None:
    problem = _problem(tp)
    if problem is not None:
        _refuse_v1(tp, endpoint)
        raise FastAPIError(
            f"Invalid type for parameter {parameter!r} of {_name(endpoint)}: {tp!r}; {problem}. Annotate it with "
            "a type asgi_api can validate: a scalar (str, int, ...), a msgspec.Struct, a dataclass, a TypedDict, a "
            "pydantic model, or containers of them; or take it from a dependency with Depends(...).")


_SEQUENCES = (list, set, frozenset, tuple, collections.deque, Sequence)


def _sequence_class(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, _SEQUENCES) and not issubclass(tp, (str, bytes))


def _complex(tp: Any) -> bool:
    """FastAPI's "not a scalar": a model, a mapping, a file, a sequence, or a union holding one."""
    origin = typing.get_origin(tp)
    if origin is Annotated:  # `Json[Model]`: JSON text, one value
        return not _pydantic.is_json(tp.__metadata__) and _complex(typing.get_args(tp)[0])
    if origin in (typing.Union, types.UnionType):
        return any(_complex(arg) for arg in typing.get_args(tp))
    return any(_sequence_class(candidate) or dataclasses.is_dataclass(candidate)
               or isinstance(candidate, type) and issubclass(candidate, (Mapping, UploadFile, msgspec.Struct))
               or hasattr(candidate, "__pydantic_core_schema__") for candidate in (tp, origin))


def _scalar_sequence(tp: Any) -> bool:
    """A sequence of scalars (`list[int]`, bare `list`, `Optional[set[str]]`): several query values."""
    origin = typing.get_origin(tp)
    if origin is Annotated:
        return _scalar_sequence(typing.get_args(tp)[0])
    if origin in (typing.Union, types.UnionType):
        members = typing.get_args(tp)
        return (any(_scalar_sequence(arg) for arg in members)
                and all(_scalar_sequence(arg) or not _complex(arg) for arg in members))
    return _sequence_class(origin or tp) and not any(_complex(arg) for arg in typing.get_args(tp) if arg is not ...)


def require_parameter_shape(tp: Any, location: str, parameter: str) -> None:
    """FastAPI's assertions: a path parameter is a scalar, a query parameter a scalar or a sequence of them."""
    if location == "path" and _complex(tp):
        raise AssertionError("Path params must be of one of the supported types")
    if location == "query" and _complex(tp) and not _scalar_sequence(tp):
        raise AssertionError(f"Query parameter {parameter!r} must be one of the supported types")


def require_response_type(tp: Any, endpoint: Callable[..., Any]) -> None:
    problem = _problem(tp)
    if problem is not None:
        _refuse_v1(tp, endpoint)
        raise FastAPIError(
            f"Invalid response model for {_name(endpoint)}: {tp!r}; {problem}. Use a type asgi_api can encode "
            "(a msgspec.Struct, a dataclass, a TypedDict, a pydantic model, or containers of them), return a "
            "Response, or pass response_model=None to send the return value as it is.")
