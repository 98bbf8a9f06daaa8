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
import types
import typing
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack
from typing import Any
from urllib.parse import unquote_plus
from weakref import WeakKeyDictionary

import anyio
from anyio.lowlevel import RunVar, checkpoint_if_cancelled
from starlette.background import BackgroundTasks
from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection, Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket

from asgi_api import _pydantic, params, request_body, type_check, validation
from asgi_api.concurrency import contextmanager_in_threadpool
from asgi_api.exceptions import DependencyScopeError
from asgi_api.request_body import BodyField, FormField, is_upload_annotation
from asgi_api.security.base import SecurityBase
from asgi_api.security.oauth2 import SecurityScopes
from asgi_api.validation import Error, Invalid

_PATH_PARAM = re.compile(r"{(\w+)(?::\w+)?}")


def path_param_names(path: str) -> set[str]:
    return set(_PATH_PARAM.findall(path))


class RequestParam:
    """A path, query, header or cookie value: where to find it and how to convert it."""

    __slots__ = ("name", "alias", "choices", "loc", "required", "default", "convert", "sequence", "marker",
                 "annotation", "check_missing")

    def __init__(self, name: str, annotation: Any, marker: params.Param, default: Any) -> None:
        self.name = name
        self.annotation = annotation
        self.marker = marker
        # `AliasChoices`: the first name is documented and reported missing, the others are tried after it
        self.alias, *choices = params.request_names(marker, name)
        self.choices = tuple(choices)
        if (isinstance(marker, params.HeaderParam) and marker.alias is None and not marker.alias_choices
                and marker.convert_underscores):
            self.alias = name.replace("_", "-")
        self.loc = str(marker.in_)  # a plain string in error `loc`s
        is_path = isinstance(marker, params.PathParam)
        self.required, self.default = params.default_of(default, marker, always_required=is_path)
        self.check_missing = self.required or bool(marker.validate_default)
        self.sequence = validation.is_sequence(annotation)
        backend = _pydantic if _pydantic.wanted(annotation, marker) else validation
        self.convert = backend.string_converter(annotation, marker.constraints | marker.switches)


_SPECIAL: tuple[tuple[type, str], ...] = (
    (WebSocket, "connection"), (Request, "connection"), (HTTPConnection, "connection"),
    (Response, "response"), (BackgroundTasks, "background"), (SecurityScopes, "scopes"),
)


def _annotated_marker(name: str, metadata: Sequence[Any], default: Any) -> params.Param | params.DependsMarker | None:
    """The marker in `Annotated[...]`, checked as FastAPI checks it when the route is added: its
    default goes after `=`, and a marker there too is ambiguous. Several parameter markers in one
    `Annotated` add up their constraints (`Query(gt=2), Query(lt=10)`), the last one winning a tie."""
    markers = [item for item in metadata if isinstance(item, (params.Param, params.DependsMarker))]
    if not markers:
        return None
    marker = markers[-1]
    if isinstance(default, params.DependsMarker):
        assert not isinstance(marker, params.DependsMarker), \
            f"Cannot specify `Depends` in `Annotated` and default value together for {name!r}"
        raise AssertionError("Cannot specify a FastAPI annotation in `Annotated` and `Depends` as a default value "
                             f"together for {name!r}")
    if isinstance(marker, params.DependsMarker):
        return marker
    assert not isinstance(default, params.Param), \
        f"Cannot specify FastAPI annotations in `Annotated` and default value together for {name!r}"
    assert marker.default is params.UNSET or marker.default is ..., (
        f"`{type(marker).__name__.removesuffix('Param') or 'Param'}` default value cannot be set in `Annotated` "
        f"for {name!r}. Set the default value with `=` instead.")
    earlier = [item.constraints for item in markers[:-1] if isinstance(item, params.Param)]
    if earlier:
        marker = copy.copy(marker)  # the marker may be shared by other parameters
        marker.constraints = {key: value for constraints in [*earlier, marker.constraints]
                              for key, value in constraints.items()}
    return marker


class Dependant:
    """The plan for one callable: its inputs, and how to call it (async, threadpool, generator)."""

    def __init__(self, call: Callable[..., Any], *, name: str | None = None, use_cache: bool = True,
                 scope: str | None = None, path_names: set[str] = frozenset(),  # type: ignore[assignment]
                 own_scopes: Sequence[str] = (), parent_scopes: Sequence[str] = ()) -> None:
        inner = getattr(call, "__asgi_api_response_scoped__", None)
        self.call = call
        self.target = inner or call
        self.name = name
        self.use_cache = use_cache
        self.scope = "function" if inner is not None else scope
        # The `Depends(max_concurrency=)` declaration whose limit this call counts against, if any.
        self.limit: params.DependsMarker | None = None
        # OAuth2 scopes asked for by the `Security(...)` chain down to here, in order, each once.
        self.scopes = list(dict.fromkeys([*parent_scopes, *own_scopes]))
        self.kind = _kind(self.target, response_scoped=inner is not None)
        self.dependencies: list[Dependant] = []
        self.path: list[RequestParam] = []
        self.query: list[RequestParam] = []
        self.header: list[RequestParam] = []
        self.cookie: list[RequestParam] = []
        self.body: list[BodyField | FormField] = []
        self.specials: list[tuple[str, Any]] = []  # (name, kind or a parameter model)
        for parameter, annotation in _parameters(self.target):
            self._add(parameter, annotation, path_names)
        self.own_inputs = bool(self.path or self.query or self.header or self.cookie or self.body or self.specials)
        # Like FastAPI, a dependency that deals in scopes is cached per set of scopes.
        self.uses_scopes: bool = bool(own_scopes) or isinstance(call, SecurityBase) or any(
            kind == "scopes" for _, kind in self.specials) or any(
            dependency.uses_scopes for dependency in self.dependencies)
        scopes_key = tuple(sorted(self.scopes)) if self.uses_scopes else ()
        self.cache_key = (call, scopes_key, self.scope or "")

    @classmethod
    def of_marker(cls, marker: params.DependsMarker, call: Callable[..., Any], name: str | None,
                  path_names: set[str], parent_scopes: Sequence[str] = ()) -> Dependant:
        """The plan of a `Depends(...)`/`Security(...)` parameter, or of a route's `dependencies=[...]`.

        Made once per marker and place: a marker many routes share (a router's `dependencies`, an
        `Annotated` alias, every route of an included router, whose routes are made again) is planned
        once (a `max_concurrency` limit belongs to the marker, not to its plans).
        """
        own = tuple(marker.scopes or ()) if isinstance(marker, params.SecurityMarker) else ()
        key: tuple[Any, ...] | None = (call, name, marker.use_cache, marker.scope, own, tuple(parent_scopes),
                                       frozenset(path_names))
        try:
            return marker._plans[key]
        except KeyError:
            pass
        except TypeError:  # an unhashable callable: nothing to remember its plan by
            key = None
        plan = cls(call, name=name, use_cache=marker.use_cache, scope=marker.scope, path_names=path_names,
                   own_scopes=own, parent_scopes=parent_scopes)
        if marker.max_concurrency is not None:
            plan.limit = marker
        if key is not None:
            marker._plans[key] = plan
        return plan

    def _add(self, parameter: inspect.Parameter, annotation: Any, path_names: set[str]) -> None:
        name = parameter.name
        base, metadata = validation.strip_annotated(annotation)
        default = params.UNSET if parameter.default is inspect.Parameter.empty else parameter.default
        marker = _annotated_marker(name, metadata, default)
        if isinstance(default, (params.Param, params.DependsMarker)):
            marker, default = default, getattr(default, "default", params.UNSET)
        if isinstance(marker, params.DependsMarker):
            if marker.scope == "function" and self.kind in ("async_gen", "sync_gen") and self.scope != "function":
                # Its value would be closed while this one, still open, uses it.
                raise DependencyScopeError(
                    f'The dependency "{getattr(self.call, "__name__", "<unnamed_callable>")}" has a scope of '
                    '"request", it cannot depend on dependencies with scope "function".')
            call = marker.dependency if marker.dependency is not None else base
            self.dependencies.append(Dependant.of_marker(marker, call, name, path_names, self.scopes))
            return
        if marker is None:
            for cls, kind in _SPECIAL:
                if isinstance(base, type) and issubclass(base, cls):
                    self.specials.append((name, kind))
                    return
            if name in path_names:
                marker = params.PathParam()
            elif is_upload_annotation(annotation):
                marker = params.FileParam()
            elif validation.is_scalar(base):
                marker = params.QueryParam()
            else:
                marker = params.BodyParam()
        marker = _pydantic.with_field_info(marker, metadata)
        if isinstance(marker, params.PathParam) and marker.alias_choices:
            marker = copy.copy(marker)  # a path parameter is read by the choice the route's path names
            marker.alias = next((choice for choice in marker.alias_choices if choice in path_names), marker.alias)
            marker.alias_choices = ()
        if (not isinstance(marker, (params.BodyParam, params.PathParam)) and _pydantic.uses_pydantic(annotation)
                and (model := _pydantic.model_of(annotation)) is not None):
            self.specials.append((name, _pydantic.ParamModel(name, annotation, [model], marker, default)))
        elif isinstance(marker, params.FormParam):
            self.body.append(FormField(name, annotation, marker, default))
        elif isinstance(marker, params.BodyParam):
            type_check.require_parameter_type(annotation, self.target, name)
            self.body.append(BodyField(name, annotation, marker, default))
        else:
            type_check.require_parameter_shape(annotation, marker.in_, name)
            getattr(self, marker.in_).append(RequestParam(name, annotation, marker, default))

    def documented(self, location: str) -> list[Any]:
        """This level's parameters in `location` as OpenAPI lists them: a parameter model's fields one by one."""
        found: list[Any] = list(getattr(self, location))
        for _, kind in self.specials:
            if not isinstance(kind, str) and kind.loc == location:
                found.extend(kind.documented)
        return found

    def flat_body(self) -> list[BodyField | FormField]:
        """Every body field of this plan and its dependencies: together they make one JSON body."""
        fields = list(self.body)
        for dependency in self.dependencies:
            fields.extend(field for field in dependency.flat_body() if field not in fields)
        return fields

    def has_generators(self) -> bool:
        return self.kind in ("async_gen", "sync_gen", "response_scoped") or any(
            dependency.has_generators() for dependency in self.dependencies)


def _kind(call: Callable[..., Any], response_scoped: bool) -> str:
    functions = _functions(call)
    if any(inspect.isasyncgenfunction(function) for function in functions):
        return "async_gen"
    if any(inspect.isgeneratorfunction(function) for function in functions):
        return "sync_gen"
    if response_scoped:
        return "response_scoped"
    if any(inspect.iscoroutinefunction(function) for function in functions):
        return "async"
    return "sync"


def _functions(call: Callable[..., Any]) -> list[Any]:
    """The functions `call` runs: under `functools.partial`s and decorators (`functools.wraps`), and an
    instance's `__call__` (itself maybe a partial or decorated); a class runs its constructor."""
    found: list[Any] = []
    for function in (call, getattr(call, "__call__", None)):  # noqa: B004 - the method, not callable()
        while isinstance(function, functools.partial):
            function = function.func
        if function is None or (found and inspect.isclass(found[0])):
            break
        found += [function, inspect.unwrap(function)]
    return found


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
    hints = resolved_hints(source, parameters_only=True)
    return [
        (parameter, _unaliased(hints.get(parameter.name, Any if parameter.annotation is inspect.Parameter.empty
                                         else parameter.annotation)))
        for parameter in signature.parameters.values()
        if parameter.kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
    ]


def _unaliased(annotation: Any) -> Any:
    """A PEP 695 alias (`type Value = Annotated[int, Depends(f)]`) -> what it stands for, as FastAPI reads it."""
    while type(annotation).__name__ == "TypeAliasType":
        annotation = annotation.__value__
    return annotation


def resolved_hints(function: Any, *, parameters_only: bool = False) -> dict[str, Any]:
    """Type hints with string annotations resolved; an unresolvable name fails when the route is made.

    `parameters_only` leaves the return annotation out: a dependency's is for type checkers only, and
    may name a `TYPE_CHECKING` import that does not exist at run time.
    """
    target = function
    annotations = getattr(function, "__annotations__", None)
    if parameters_only and annotations and "return" in annotations:
        target = types.SimpleNamespace(
            __annotations__={name: value for name, value in annotations.items() if name != "return"},
            __globals__=getattr(inspect.unwrap(function), "__globals__", {}))
    try:
        return typing.get_type_hints(target, include_extras=True)
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

class Context:
    """What one request shares across its dependencies: the request, caches, stacks, the body.

    The `Request` object is built only when something asks for it (a parameter, headers, the
    body, an error handler): path and query values are read from the scope.
    """

    __slots__ = ("scope", "receive", "send", "connection", "cache", "response", "background", "request_stack",
                 "response_stack", "overrides", "plans", "raw_body", "body", "query", "query_lists", "form",
                 "cleanup_scope")

    def __init__(self, scope: Scope, receive: Receive, send: Send, plans: dict[Any, Dependant],
                 overrides: dict[Any, Any] | None = None, connection: HTTPConnection | None = None) -> None:
        self.scope = scope
        self.receive = receive
        self.send = send
        self.connection = connection
        self.cache: dict[Any, Any] = {}
        self.response: Response | None = None
        self.background: BackgroundTasks | None = None
        self.request_stack: AsyncExitStack | None = None
        self.response_stack: AsyncExitStack | None = None
        self.overrides = overrides
        self.plans = plans
        self.raw_body = b""
        self.body: Any = None
        self.query: dict[str, str] | None = None
        self.query_lists: dict[str, list[str]] | None = None
        self.form: Any = None
        self.cleanup_scope: anyio.CancelScope | None = None

    def shielded_cleanup(self, manager: AbstractAsyncContextManager[Any]) -> _ShieldedExit:
        """`manager` (an async generator dependency) with a cleanup that cancellation cannot cut short.

        Every such cleanup shields one cancel scope, entered in the request stack before the first
        of them, so a dependency's own scopes (a task group around its `yield`) still nest in it.
        """
        if self.cleanup_scope is None:
            assert self.request_stack is not None
            self.cleanup_scope = self.request_stack.enter_context(anyio.CancelScope())
        return _ShieldedExit(manager, self.cleanup_scope)

    @property
    def request(self) -> Request:
        """The request (a `WebSocket` on a WebSocket route), one object for all who ask."""
        if self.connection is None:
            self.connection = Request(self.scope, self.receive, self.send)
        return self.connection  # type: ignore[return-value]

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

    def all_query_values(self) -> dict[str, list[str]]:
        """Every value of each query parameter, in order (built only for routes that ask)."""
        if self.query_lists is None:
            self.query_lists = {}
            parse_query(self.scope["query_string"], self.query_lists)
        return self.query_lists

    def query_list(self, name: str) -> list[str]:
        return self.all_query_values().get(name, [])

    def document(self) -> Any:
        """The request body decoded without a type (or the form), for error reports."""
        if self.form is not None:
            return self.form
        try:
            return json.loads(self.raw_body) if self.raw_body else None
        except (ValueError, RecursionError):
            return self.raw_body.decode("utf-8", "replace")


class _ShieldedExit:
    """An async context manager whose exit runs with `scope` shielded from cancellation."""

    __slots__ = ("manager", "scope")

    def __init__(self, manager: AbstractAsyncContextManager[Any], scope: anyio.CancelScope) -> None:
        self.manager = manager
        self.scope = scope

    async def __aenter__(self) -> Any:
        return await self.manager.__aenter__()

    async def __aexit__(self, *exc_info: Any) -> bool | None:
        shielded, self.scope.shield = self.scope.shield, True
        try:
            suppress = await self.manager.__aexit__(*exc_info)
        finally:
            self.scope.shield = shielded
        await checkpoint_if_cancelled()  # a cancellation held back during the cleanup goes on from here
        return suppress


def parse_query(query_string: bytes, lists: dict[str, list[str]] | None = None) -> dict[str, str]:
    """The query string as {name: last value}, decoded as Starlette decodes it; every value of each
    name also goes into `lists` when one is given."""
    single: dict[str, str] = {}
    if not query_string:
        return single
    for piece in query_string.decode("latin-1").split("&"):
        if not piece:
            continue
        name, _, value = piece.partition("=")
        if "+" in piece or "%" in piece:
            name, value = unquote_plus(name), unquote_plus(value)
        single[name] = value
        if lists is not None:
            lists.setdefault(name, []).append(value)
    return single


def _collect(found: list[RequestParam], get: Callable[[str], Any], getlist: Callable[[str], list[Any]],
             values: dict[str, Any], errors: list[Error]) -> None:
    for param in found:
        alias = param.alias
        raw = getlist(alias) if param.sequence else get(alias)
        if raw is None or (param.sequence and not raw):
            alias, raw = _other_choice(param, get, getlist) if param.choices else (alias, None)
            if raw is None:
                if not param.check_missing:
                    values[param.name] = param.default()
                    continue
                if param.required:
                    errors.append(validation.missing([param.loc, param.alias]))
                    continue
                raw = param.default()  # `validate_default=True`: validated as a value sent would be
        try:
            values[param.name] = param.convert(raw)
        except Invalid as exc:
            errors.extend(validation.relocate(exc.errors, (param.loc, alias)))


def _other_choice(param: RequestParam, get: Callable[[str], Any],
                  getlist: Callable[[str], list[Any]]) -> tuple[str, Any]:
    """`AliasChoices` after the first name: the first name given, with its value(s); else no value."""
    for alias in param.choices:
        raw = getlist(alias) if param.sequence else get(alias)
        if raw if param.sequence else raw is not None:
            return alias, raw
    return param.alias, None


def _no_list(name: str) -> list[Any]:
    return []


async def solve(dependant: Dependant, context: Context,
                body: request_body.Body | request_body.FormBody | None) -> tuple[dict[str, Any], list[Error]]:
    """The keyword arguments for `dependant.call`, and every validation error met on the way."""
    values: dict[str, Any] = {}
    errors: list[Error] = []
    for dependency in dependant.dependencies:
        if context.overrides:
            dependency = _overridden(dependency, context)
        if dependency.dependencies:
            sub_values, sub_errors = await solve(dependency, context, body)
        elif dependency.own_inputs:
            sub_values, sub_errors = solve_own(dependency, context, body, {}, [])
        else:
            sub_values, sub_errors = {}, []
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
    return solve_own(dependant, context, body, values, errors)


def solve_own(dependant: Dependant, context: Context, body: request_body.Body | request_body.FormBody | None,
              values: dict[str, Any], errors: list[Error]) -> tuple[dict[str, Any], list[Error]]:
    """`solve` for this level's own parameters, once its dependencies are in `values` (no awaiting:
    a plan without dependencies is solved without a coroutine)."""
    if dependant.path:
        _collect(dependant.path, context.scope.get("path_params", {}).get, _no_list, values, errors)
    if dependant.query:
        if context.query is None:
            context.query = parse_query(context.scope["query_string"])
        _collect(dependant.query, context.query.get, context.query_list, values, errors)
    if dependant.header:
        headers = context.request.headers
        _collect(dependant.header, headers.get, headers.getlist, values, errors)
    if dependant.cookie:
        _collect(dependant.cookie, context.request.cookies.get, _no_list, values, errors)
    for name, kind in dependant.specials:
        if kind == "connection":
            values[name] = context.request
        elif kind == "response":
            values[name] = context.sub_response()
        elif kind == "scopes":
            values[name] = SecurityScopes(dependant.scopes)
        elif kind == "background":
            values[name] = context.background_tasks()
        else:  # a parameter model (`Annotated[Model, Query()]`)
            value, found = kind.read(_all_values(kind.loc, context))
            if found:
                errors.extend(found)
            else:
                values[name] = value
    if dependant.body and body is not None:
        for field in dependant.body:
            value, field_errors = body.value(field, context)
            if field_errors:
                errors.extend(field_errors)
            else:
                values[field.name] = value
    return values, errors


def _all_values(location: str, context: Context) -> dict[str, list[Any]]:
    """Every value of a location by name, for a parameter model."""
    request = context.request
    if location == "query":
        return context.all_query_values()
    if location == "cookie":
        return {name: [value] for name, value in request.cookies.items()}
    grouped: dict[str, list[Any]] = {}
    for name, value in request.headers.items():
        grouped.setdefault(name, []).append(value)
    return grouped


def _overridden(dependency: Dependant, context: Context) -> Dependant:
    replacement = context.overrides.get(dependency.call)  # type: ignore[union-attr]
    if replacement is None:
        return dependency
    # Keyed by the declaration's plan: two declarations of one function may differ in cache, scope and limit.
    plan = context.plans.get((replacement, dependency))
    if plan is None:
        plan = Dependant(replacement, name=dependency.name, use_cache=dependency.use_cache, scope=dependency.scope,
                         path_names=set(context.scope.get("path_params", ())), parent_scopes=dependency.scopes)
        plan.cache_key = dependency.cache_key
        plan.limit = dependency.limit  # an override runs within the limit its declaration set
        context.plans[(replacement, dependency)] = plan
    return plan


# One semaphore per `Depends(max_concurrency=)` object and event loop (anyio primitives belong to a
# loop), shared by every route using that object; it goes when the declaration is collected.
_SEMAPHORES: RunVar[WeakKeyDictionary[params.DependsMarker, anyio.Semaphore]] = RunVar(
    "asgi_api_dependency_semaphores")


def _semaphore(declaration: params.DependsMarker) -> anyio.Semaphore:
    semaphores = _SEMAPHORES.get(None)
    if semaphores is None:
        semaphores = WeakKeyDictionary()
        _SEMAPHORES.set(semaphores)
    found = semaphores.get(declaration)
    if found is None:
        found = semaphores[declaration] = anyio.Semaphore(declaration.max_concurrency or 1)
    return found


@contextlib.asynccontextmanager
async def _holding(semaphore: anyio.Semaphore, manager: AbstractAsyncContextManager[Any]) -> AsyncIterator[Any]:
    async with semaphore, manager as value:
        yield value


async def call(dependant: Dependant, values: dict[str, Any], context: Context) -> Any:
    """Run a dependency (or endpoint) the way its kind needs: await, threadpool, or enter a stack."""
    if dependant.limit is None:
        if dependant.kind == "async":  # the common case, awaited here without one more coroutine
            return await dependant.target(**values)
        return await _call(dependant, values, context)
    # Taken before a worker thread is: a call waiting for its turn holds no thread.
    if dependant.kind in ("async_gen", "sync_gen"):
        return await _call(dependant, values, context, _semaphore(dependant.limit))
    async with _semaphore(dependant.limit):
        return await _call(dependant, values, context)


async def _call(dependant: Dependant, values: dict[str, Any], context: Context,
                semaphore: anyio.Semaphore | None = None) -> Any:
    kind, target = dependant.kind, dependant.target
    if kind == "async":
        return await target(**values)
    if kind == "sync":
        return await run_in_threadpool(target, **values)
    stack = context.response_stack if dependant.scope == "function" else context.request_stack
    assert stack is not None, "generator dependencies need the route's exit stacks"
    if kind in ("async_gen", "sync_gen"):
        manager: AbstractAsyncContextManager[Any] = (
            context.shielded_cleanup(contextlib.asynccontextmanager(target)(**values)) if kind == "async_gen"
            else contextmanager_in_threadpool(contextlib.contextmanager(target)(**values)))
        return await stack.enter_async_context(_holding(semaphore, manager) if semaphore else manager)
    result = target(**values)
    if inspect.isawaitable(result):
        result = await result
    if hasattr(result, "__aenter__"):
        result = await stack.enter_async_context(result)
    return result
