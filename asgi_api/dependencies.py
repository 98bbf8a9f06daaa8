"""Dependency injection: a signature becomes a plan once, and the plan is solved per request.

`plan()` reads an endpoint's (or dependency's) signature when the route is created: where each
parameter comes from, its converter, its sub-dependencies. `solve()` walks that plan for one
request in FastAPI's order - sub-dependencies first, then this level's path, query, header,
cookie and body values - collecting every validation error instead of stopping at the first.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import inspect
import json
import re
import typing
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractContextManager, AsyncExitStack
from typing import Any
from urllib.parse import unquote_plus

import msgspec
from starlette.background import BackgroundTasks
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, HTTPConnection, Request
from starlette.responses import Response
from starlette.websockets import WebSocket

from asgi_api import json_body, params, validation
from asgi_api.validation import Error, Invalid

_PATH_PARAM = re.compile(r"{(\w+)(?::\w+)?}")


def path_param_names(path: str) -> set[str]:
    return set(_PATH_PARAM.findall(path))


class RequestParam:
    """A path, query, header or cookie value: where to find it and how to convert it."""

    __slots__ = ("name", "alias", "loc", "required", "default", "convert", "sequence", "marker", "annotation")

    def __init__(self, name: str, annotation: Any, marker: params.Param, default: Any) -> None:
        self.name = name
        self.annotation = annotation
        self.marker = marker
        self.alias = marker.alias or name
        if isinstance(marker, params.HeaderParam) and marker.alias is None and marker.convert_underscores:
            self.alias = name.replace("_", "-")
        self.loc = marker.in_
        self.required, self.default = _default_of(default, marker, always_required=isinstance(marker, params.PathParam))
        self.sequence = validation.is_sequence(annotation)
        self.convert = validation.string_converter(annotation, marker.constraints)


class BodyField:
    """A JSON body value: the whole body, or one key of it when several are merged or embedded."""

    __slots__ = ("name", "alias", "required", "default", "annotation", "marker", "json")

    def __init__(self, name: str, annotation: Any, marker: params.BodyParam, default: Any) -> None:
        self.name = name
        self.annotation = annotation
        self.marker = marker
        self.alias = marker.alias or name
        self.required, self.default = _default_of(default, marker)
        self.json = json_body.JsonValue(annotation, marker.constraints)


def _default_of(default: Any, marker: params.Param, always_required: bool = False) -> tuple[bool, Callable[[], Any]]:
    """(required, a factory of the default); mutable defaults are copied per request, as FastAPI does."""
    if marker.default_factory is not None:
        return False, marker.default_factory
    if always_required or default is params.UNSET or default is ...:
        return True, lambda: None
    if isinstance(default, (list, dict, set)):
        return False, lambda: copy.deepcopy(default)
    return False, lambda: default


_SPECIAL: tuple[tuple[type, str], ...] = (
    (WebSocket, "connection"), (Request, "connection"), (HTTPConnection, "connection"),
    (Response, "response"), (BackgroundTasks, "background"),
)


class Dependant:
    """The plan for one callable: its inputs, and how to call it (async, threadpool, generator)."""

    def __init__(self, call: Callable[..., Any], *, name: str | None = None, use_cache: bool = True,
                 scope: str | None = None, path_names: set[str] = frozenset()) -> None:  # type: ignore[assignment]
        inner = getattr(call, "__asgi_api_response_scoped__", None)
        self.call = call
        self.target = inner or call
        self.name = name
        self.use_cache = use_cache
        self.scope = "function" if inner is not None else scope
        self.cache_key = (call, self.scope or "")
        self.kind = _kind(self.target, response_scoped=inner is not None)
        self.dependencies: list[Dependant] = []
        self.path: list[RequestParam] = []
        self.query: list[RequestParam] = []
        self.header: list[RequestParam] = []
        self.cookie: list[RequestParam] = []
        self.body: list[BodyField] = []
        self.specials: list[tuple[str, str]] = []
        for parameter, annotation in _parameters(self.target):
            self._add(parameter, annotation, path_names)

    def _add(self, parameter: inspect.Parameter, annotation: Any, path_names: set[str]) -> None:
        name = parameter.name
        base, metadata = validation.strip_annotated(annotation)
        markers = [item for item in metadata if isinstance(item, (params.Param, params.DependsMarker))]
        marker = markers[-1] if markers else None
        default = params.UNSET if parameter.default is inspect.Parameter.empty else parameter.default
        if isinstance(default, (params.Param, params.DependsMarker)):
            marker, default = default, getattr(default, "default", params.UNSET)
        if isinstance(marker, params.DependsMarker):
            call = marker.dependency if marker.dependency is not None else base
            self.dependencies.append(Dependant(call, name=name, use_cache=marker.use_cache, scope=marker.scope,
                                               path_names=path_names))
            return
        if marker is None:
            for cls, kind in _SPECIAL:
                if isinstance(base, type) and issubclass(base, cls):
                    self.specials.append((name, kind))
                    return
            if name in path_names:
                marker = params.PathParam()
            elif validation.is_scalar(base):
                marker = params.QueryParam()
            else:
                marker = params.BodyParam()
        if isinstance(marker, params.BodyParam):
            self.body.append(BodyField(name, annotation, marker, default))
        else:
            getattr(self, marker.in_).append(RequestParam(name, annotation, marker, default))

    def flat_body(self) -> list[BodyField]:
        """Every body field of this plan and its dependencies: together they make one JSON body."""
        fields = list(self.body)
        for dependency in self.dependencies:
            fields.extend(field for field in dependency.flat_body() if field not in fields)
        return fields

    def has_generators(self) -> bool:
        return self.kind in ("async_gen", "sync_gen", "response_scoped") or any(
            dependency.has_generators() for dependency in self.dependencies)

    def wants(self, kind: str) -> bool:
        return any(special == kind for _, special in self.specials) or any(
            dependency.wants(kind) for dependency in self.dependencies)


def _kind(call: Callable[..., Any], response_scoped: bool) -> str:
    function = call.__call__ if not inspect.isroutine(call) and not inspect.isclass(call) else call  # type: ignore[operator]
    if inspect.isasyncgenfunction(function):
        return "async_gen"
    if inspect.isgeneratorfunction(function):
        return "sync_gen"
    if response_scoped:
        return "response_scoped"
    if inspect.iscoroutinefunction(function) or inspect.iscoroutinefunction(getattr(function, "__func__", None)):
        return "async"
    return "sync"


def _parameters(call: Callable[..., Any]) -> list[tuple[inspect.Parameter, Any]]:
    """The signature with resolved annotations (so `from __future__ import annotations` works)."""
    signature = inspect.signature(call)
    source: Any = call
    while isinstance(source, functools.partial):
        source = source.func
    if inspect.isclass(source):
        source = source.__init__
    elif not inspect.isroutine(source):
        source = source.__call__
    hints = resolved_hints(source)
    return [
        (parameter, hints.get(parameter.name, Any if parameter.annotation is inspect.Parameter.empty
                              else parameter.annotation))
        for parameter in signature.parameters.values()
        if parameter.kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
    ]


def resolved_hints(function: Any) -> dict[str, Any]:
    """Type hints with string annotations resolved; an unresolvable name fails when the route is made."""
    try:
        return typing.get_type_hints(function, include_extras=True)
    except NameError as exc:
        raise TypeError(f"Cannot resolve the annotations of {function!r}: {exc}") from exc
    except TypeError:
        return {}  # builtins and C callables carry no hints


def response_scoped_dependency(dependency: Callable[..., Any]) -> Callable[..., Any]:
    """Make a dependency close *before* the response is sent (FastAPI closes them after).

    Use it for database sessions: the transaction commits before the client sees a 2xx, and a
    failing commit becomes the error response. `dependency` is an async generator function or an
    async callable returning an async context manager (or a plain value); it may use `Depends` and
    may ask for `request`, exactly as Prefect's helper of the same name allows.
    """

    @functools.wraps(dependency)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return dependency(*args, **kwargs)

    wrapper.__asgi_api_response_scoped__ = dependency  # type: ignore[attr-defined]
    return wrapper


# --- solving a plan for one request --------------------------------------------------------------

_OBJECT_OF_RAW = msgspec.json.Decoder(dict[str, msgspec.Raw])


def _is_json(content_type: str) -> bool:
    main = content_type.split(";", 1)[0].strip().lower()
    return main == "application/json" or (main.startswith("application/") and main.endswith("+json"))


class Context:
    """What one request shares across its dependencies: the request, caches, stacks, the body."""

    __slots__ = ("request", "cache", "response", "background", "request_stack", "response_stack",
                 "overrides", "plans", "raw_body", "body", "query")

    def __init__(self, request: Request, request_stack: AsyncExitStack | None, response_stack: AsyncExitStack | None,
                 overrides: dict[Any, Any] | None, plans: dict[Any, Dependant]) -> None:
        self.request = request
        self.cache: dict[Any, Any] = {}
        self.response: Response | None = None
        self.background: BackgroundTasks | None = None
        self.request_stack = request_stack
        self.response_stack = response_stack
        self.overrides = overrides
        self.plans = plans
        self.raw_body = b""
        self.body: Any = None
        self.query: tuple[dict[str, str], dict[str, list[str]]] | None = None

    def sub_response(self) -> Response:
        """The `Response` an endpoint may ask for to set headers, cookies or the status code."""
        if self.response is None:
            self.response = Response()
            del self.response.headers["content-length"]
            self.response.status_code = None  # type: ignore[assignment]
        return self.response

    def background_tasks(self) -> BackgroundTasks:
        if self.background is None:
            self.background = BackgroundTasks()
        return self.background

    def document(self) -> Any:
        """The request body decoded without a type, for error reports."""
        try:
            return json.loads(self.raw_body) if self.raw_body else None
        except (ValueError, RecursionError):
            return self.raw_body.decode("utf-8", "replace")


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
        raw = context.raw_body = await _receive_body(context.request)
        if not raw:
            return
        content_type = context.request.headers.get("content-type")
        if not (_is_json(content_type) if content_type else not self.strict_content_type):
            context.body = _NotJson(raw)
            return
        json_body.refuse_lone_surrogates(raw)
        try:
            if self.whole is not None:
                context.body = _Decoded(self.whole.json.from_bytes(raw))
            else:
                context.body = _OBJECT_OF_RAW.decode(raw)
        except Invalid as exc:
            context.body = _Failed(_relocate(exc.errors, ("body",)))
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
            return None, _relocate(exc.errors, loc)
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


async def _receive_body(request: Request) -> bytes:
    """The whole request body, read straight from `receive` and kept where `Request.body()` finds it.

    Starlette's `Request.body()` goes through an async generator per request; reading the messages
    here is the same protocol at a fraction of the cost on the hot path.
    """
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


def _missing_or_default(field: BodyField | RequestParam, loc: list[Any]) -> tuple[Any, list[Error]]:
    if field.required:
        return None, [validation.missing(loc)]
    return field.default(), []


def _relocate(errors: list[Error], prefix: tuple[Any, ...] | list[Any]) -> list[Error]:
    return [{**entry, "loc": [*prefix, *entry["loc"]]} for entry in errors]


def parse_query(query_string: bytes) -> tuple[dict[str, str], dict[str, list[str]]]:
    """The query string as (last value per name, all values per name), as Starlette reads it."""
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    if not query_string:
        return single, multi
    for piece in query_string.decode("latin-1").split("&"):
        if not piece:
            continue
        name, _, value = piece.partition("=")
        if "+" in piece or "%" in piece:
            name, value = unquote_plus(name), unquote_plus(value)
        single[name] = value
        multi.setdefault(name, []).append(value)
    return single, multi


def _collect(found: list[RequestParam], get: Callable[[str], Any], getlist: Callable[[str], list[Any]],
             values: dict[str, Any], errors: list[Error]) -> None:
    for param in found:
        raw = getlist(param.alias) if param.sequence else get(param.alias)
        if raw is None or (param.sequence and not raw):
            if param.required:
                errors.append(validation.missing([param.loc, param.alias]))
            else:
                values[param.name] = param.default()
            continue
        try:
            values[param.name] = param.convert(raw)
        except Invalid as exc:
            errors.extend(_relocate(exc.errors, (param.loc, param.alias)))


def _no_list(name: str) -> list[Any]:
    return []


async def solve(dependant: Dependant, context: Context, body: Body | None) -> tuple[dict[str, Any], list[Error]]:
    """The keyword arguments for `dependant.call`, and every validation error met on the way."""
    values: dict[str, Any] = {}
    errors: list[Error] = []
    for dependency in dependant.dependencies:
        if context.overrides:
            dependency = _overridden(dependency, context)
        sub_values, sub_errors = await solve(dependency, context, body)
        if sub_errors:
            errors.extend(sub_errors)
            continue
        if dependency.use_cache and dependency.cache_key in context.cache:
            value = context.cache[dependency.cache_key]
        else:
            value = await call(dependency, sub_values, context)
            context.cache[dependency.cache_key] = value
        if dependency.name is not None:  # route-level `dependencies=[...]` have no parameter
            values[dependency.name] = value
    request = context.request
    if dependant.path:
        _collect(dependant.path, request.path_params.get, _no_list, values, errors)
    if dependant.query:
        if context.query is None:
            context.query = parse_query(request.scope["query_string"])
        single, multi = context.query
        _collect(dependant.query, single.get, lambda name: multi.get(name, []), values, errors)
    if dependant.header:
        _collect(dependant.header, request.headers.get, request.headers.getlist, values, errors)
    if dependant.cookie:
        _collect(dependant.cookie, request.cookies.get, _no_list, values, errors)
    if dependant.body and body is not None:
        for field in dependant.body:
            value, field_errors = body.value(field, context)
            if field_errors:
                errors.extend(field_errors)
            else:
                values[field.name] = value
    for name, kind in dependant.specials:
        if kind == "connection":
            values[name] = request
        elif kind == "response":
            values[name] = context.sub_response()
        else:
            values[name] = context.background_tasks()
    return values, errors


def _overridden(dependency: Dependant, context: Context) -> Dependant:
    replacement = context.overrides.get(dependency.call)  # type: ignore[union-attr]
    if replacement is None:
        return dependency
    plan = context.plans.get((replacement, dependency.name))
    if plan is None:
        plan = Dependant(replacement, name=dependency.name, use_cache=dependency.use_cache, scope=dependency.scope,
                         path_names=set(context.request.path_params))
        plan.cache_key = dependency.cache_key
        context.plans[(replacement, dependency.name)] = plan
    return plan


async def call(dependant: Dependant, values: dict[str, Any], context: Context) -> Any:
    """Run a dependency (or endpoint) the way its kind needs: await, threadpool, or enter a stack."""
    kind, target = dependant.kind, dependant.target
    if kind == "async":
        return await target(**values)
    if kind == "sync":
        return await run_in_threadpool(target, **values)
    stack = context.response_stack if dependant.scope == "function" else context.request_stack
    assert stack is not None, "generator dependencies need the route's exit stacks"
    if kind == "async_gen":
        return await stack.enter_async_context(contextlib.asynccontextmanager(target)(**values))
    if kind == "sync_gen":
        return await stack.enter_async_context(_in_threadpool(contextlib.contextmanager(target)(**values)))
    result = target(**values)
    if inspect.isawaitable(result):
        result = await result
    if hasattr(result, "__aenter__"):
        result = await stack.enter_async_context(result)
    return result


@contextlib.asynccontextmanager
async def _in_threadpool(manager: AbstractContextManager[Any]) -> AsyncIterator[Any]:
    """A sync generator dependency, entered and exited in the threadpool so it never blocks the loop."""
    value = await run_in_threadpool(manager.__enter__)
    try:
        yield value
    except BaseException as exc:
        if not await run_in_threadpool(manager.__exit__, type(exc), exc, exc.__traceback__):
            raise
    else:
        await run_in_threadpool(manager.__exit__, None, None, None)
