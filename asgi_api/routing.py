"""Routers with FastAPI's behaviour, on Starlette's routing: decorators, includes, prefixes.

An `APIRouter` turns each declaration into an `APIRoute` (see `asgi_api.routes`, re-exported here
where FastAPI users import it from) and copies included routers' routes with their options merged.
"""
from __future__ import annotations

import dataclasses
import inspect
import os
import typing
import warnings
import weakref
from collections.abc import AsyncIterator, Callable, Collection, Sequence
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager
from typing import Any

from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route, Router, WebSocketRoute
from starlette.types import ASGIApp, Lifespan

from asgi_api._body_limit import with_limit
from asgi_api._form_limits import _FormLimits, first_limit, validate_form_limits, validate_max_body_size
from asgi_api.datastructures import Default, chosen
from asgi_api.exceptions import FastAPIError
from asgi_api.frontend import Fallback, Frontend, FrontendFiles, Frontends, check_dir_for, join_paths
from asgi_api.params import UNSET, DependsMarker
from asgi_api.responses import JSONResponse
from asgi_api.routes import APIRoute, APIWebSocketRoute, DecoratedCallable

if typing.TYPE_CHECKING:
    from typing_extensions import Unpack

    from asgi_api.signatures import RouteOptions

__all__ = ["APIRoute", "APIRouter", "APIWebSocketRoute", "DecoratedCallable", "method_paths_from_routes"]


async def _run_handlers(handlers: list[Callable[[], Any]]) -> None:
    for handler in handlers:
        result = handler()
        if inspect.isawaitable(result):
            await result

def _as_context(lifespan: Any) -> Lifespan[Any]:
    """A lifespan written as a (sync or async) generator function, taken as FastAPI takes it."""
    if inspect.isasyncgenfunction(lifespan):
        return asynccontextmanager(lifespan)
    if inspect.isgeneratorfunction(lifespan):
        sync = contextmanager(lifespan)

        @asynccontextmanager
        async def context(app: Any) -> AsyncIterator[Any]:
            with sync(app) as state:
                yield state

        return context
    return typing.cast(Lifespan[Any], lifespan)


def _chosen_only(value: Any) -> Any:
    """`value` if chosen, else `None` (inherit): a placeholder's value is FastAPI's own default, which
    is what the router, the include or the app falls back to anyway."""
    value, given = chosen(value)
    return value if given else None


# FastAPI 0.165 marks `on_event` deprecated (a DeprecationWarning when called), as Starlette dropped it.
ON_EVENT_DEPRECATED = "on_event is deprecated, use lifespan event handlers instead."


class APIRouter(Router):
    """A group of API routes with a shared prefix, tags, dependencies and responses.

    Use it inside an `API` (`app.include_router(router)`) or mount it in any Starlette app.
    """

    def __init__(
        self,
        *,
        prefix: str = "",
        tags: list[str] | None = None,
        dependencies: Sequence[DependsMarker] | None = None,
        default_response_class: type[Response] | None = None,
        responses: dict[int | str, dict[str, Any]] | None = None,
        routes: Sequence[BaseRoute] | None = None,
        redirect_slashes: bool = True,
        default: ASGIApp | None = None,
        dependency_overrides_provider: Any = None,
        route_class: type[APIRoute] = APIRoute,
        lifespan: Lifespan[Any] | None = None,
        on_startup: Sequence[Callable[[], Any]] | None = None,
        on_shutdown: Sequence[Callable[[], Any]] | None = None,
        deprecated: bool | None = None,
        include_in_schema: bool = True,
        strict_content_type: bool = True,
        callbacks: list[BaseRoute] | None = None,
        generate_unique_id_function: Callable[[APIRoute], str] | None = None,
        strict_body: bool = False,
        max_body_size: int | None = None,
        form_limits: _FormLimits | None = None,
    ) -> None:
        super().__init__(routes=routes, redirect_slashes=redirect_slashes, default=default, lifespan=self._lifespan)
        # FastAPI's `on_startup`/`on_shutdown` (gone from Starlette 1.0) and `on_event`, and the
        # lifespans of included routers, all run around this router's own lifespan.
        self.on_startup = list(on_startup or [])
        self.on_shutdown = list(on_shutdown or [])
        self._lifespans: list[Lifespan[Any]] = [_as_context(lifespan)] if lifespan is not None else []
        assert not prefix or (prefix.startswith("/") and not prefix.endswith("/")), \
            "A path prefix must start with '/' and must not end with '/'"
        self.prefix = prefix
        self.tags = list(tags or [])
        self.dependencies = list(dependencies or [])
        default_response_class, self._default_class_given = chosen(default_response_class)
        self.default_response_class = default_response_class or JSONResponse
        # A router given no class of its own lets the routes that take its default take an includer's.
        self.responses = dict(responses or {})
        self.dependency_overrides_provider = dependency_overrides_provider
        self.route_class = route_class
        self.deprecated = deprecated
        self.include_in_schema = include_in_schema
        self.strict_content_type = strict_content_type
        self.strict_body = strict_body
        self.callbacks = list(callbacks or [])
        self.generate_unique_id_function = _chosen_only(generate_unique_id_function)
        self.max_body_size = validate_max_body_size(max_body_size)
        self.form_limits = validate_form_limits(form_limits)
        # Where this router is included (weakly: a shared router must not keep every app alive).
        self._inclusions: list[tuple[weakref.ref[APIRouter], _Include]] = []

    @asynccontextmanager
    async def _lifespan(self, app: Any) -> AsyncIterator[Any]:
        await _run_handlers(self.on_startup)
        async with AsyncExitStack() as stack:
            states = [await stack.enter_async_context(lifespan(app)) or {}  # type: ignore[arg-type]
                      for lifespan in self._lifespans]
            # A key set by several lifespans keeps the including router's value (then the first include's).
            state: dict[str, Any] = {}
            for each in reversed(states):
                state.update(each)
            yield state or None
        await _run_handlers(self.on_shutdown)

    def add_event_handler(self, event_type: str, handler: Callable[[], Any]) -> None:
        assert event_type in ("startup", "shutdown"), 'event_type must be "startup" or "shutdown"'
        (self.on_startup if event_type == "startup" else self.on_shutdown).append(handler)

    def on_event(self, event_type: str) -> Callable[[Any], Any]:
        """Decorator: run a function at start-up or shut-down (FastAPI's deprecated spelling of lifespan)."""
        warnings.warn(ON_EVENT_DEPRECATED, DeprecationWarning, stacklevel=2)

        def decorator(handler: Callable[..., Any]) -> Callable[..., Any]:
            self.add_event_handler(event_type, handler)
            return handler

        return decorator

    def route(self, path: str, methods: list[str] | None = None, name: str | None = None,
              include_in_schema: bool = True) -> Callable[[Any], Any]:
        """Decorator: a plain Starlette endpoint `(request) -> Response`."""

        def decorator(endpoint: Callable[..., Any]) -> Callable[..., Any]:
            self.add_route(self.prefix + path, endpoint, methods=methods, name=name,
                           include_in_schema=include_in_schema)
            return endpoint

        return decorator

    def websocket_route(self, path: str, name: str | None = None) -> Callable[[Any], Any]:
        """Decorator: a plain Starlette WebSocket endpoint `(websocket) -> None`."""

        def decorator(endpoint: Callable[..., Any]) -> Callable[..., Any]:
            self.add_websocket_route(self.prefix + path, endpoint, name=name)
            return endpoint

        return decorator

    def frontend(self, path: str, *, directory: str | os.PathLike[str], fallback: Fallback = "auto",
                 check_dir: bool | typing.Literal["auto"] = "auto") -> None:
        """Serve a built frontend's files below `path`, after every route (see `asgi_api.frontend`)."""
        files = FrontendFiles(directory, fallback, check_dir_for(directory, check_dir))
        self._add_frontend(Frontend(join_paths(self.prefix, path), files, self.dependencies,
                                    self.dependency_overrides_provider, self.max_body_size))

    def _add_frontend(self, frontend: Frontend) -> None:
        if not isinstance(self.default, Frontends):
            self.default = Frontends(self.default)
        self.default.add(frontend)
        self._added(frontend)

    def add_api_route(
        self,
        path: str,
        endpoint: Callable[..., Any],
        *,
        response_model: Any = UNSET,
        response_model_include: Any = None,
        response_model_exclude: Any = None,
        response_model_by_alias: bool = True,
        response_model_exclude_unset: bool = False,
        response_model_exclude_defaults: bool = False,
        response_model_exclude_none: bool = False,
        status_code: int | None = None,
        tags: list[str] | None = None,
        dependencies: Sequence[DependsMarker] | None = None,
        summary: str | None = None,
        description: str | None = None,
        response_description: str = "Successful Response",
        responses: dict[int | str, dict[str, Any]] | None = None,
        deprecated: bool | None = None,
        methods: Sequence[str] | None = None,
        operation_id: str | None = None,
        include_in_schema: bool = True,
        response_class: type[Response] | None = None,
        name: str | None = None,
        route_class_override: type[APIRoute] | None = None,
        openapi_extra: dict[str, Any] | None = None,
        strict_content_type: bool | None = None,
        callbacks: list[BaseRoute] | None = None,
        generate_unique_id_function: Callable[[APIRoute], str] | None = None,
        strict_body: bool | None = None,
        max_body_size: int | None = None,
        form_limits: _FormLimits | None = None,
    ) -> None:
        """Add an endpoint under this router's prefix, with the router's tags, dependencies and responses."""
        route_class = route_class_override or self.route_class
        response_class, class_chosen = chosen(response_class)
        if not class_chosen and (response_class is None or self._default_class_given):
            response_class = self.default_response_class
        unique_id, unique_id_chosen = chosen(generate_unique_id_function)
        route = route_class(
            self.prefix + path,
            endpoint,
            response_model=response_model,
            response_model_include=response_model_include,
            response_model_exclude=response_model_exclude,
            response_model_by_alias=response_model_by_alias,
            response_model_exclude_unset=response_model_exclude_unset,
            response_model_exclude_defaults=response_model_exclude_defaults,
            response_model_exclude_none=response_model_exclude_none,
            status_code=status_code,
            tags=[*self.tags, *(tags or [])],
            dependencies=[*self.dependencies, *(dependencies or [])],
            summary=summary,
            description=description,
            response_description=response_description,
            responses={**self.responses, **(responses or {})},
            deprecated=deprecated if deprecated is not None else self.deprecated,
            name=name,
            methods=methods,
            operation_id=operation_id,
            include_in_schema=include_in_schema and self.include_in_schema,
            response_class=response_class,
            dependency_overrides_provider=self.dependency_overrides_provider,
            openapi_extra=openapi_extra,
            strict_content_type=self.strict_content_type if strict_content_type is None else strict_content_type,
            callbacks=[*self.callbacks, *(callbacks or [])] or None,
            generate_unique_id_function=unique_id if unique_id_chosen else self.generate_unique_id_function,
            strict_body=self.strict_body if strict_body is None else strict_body,
            max_body_size=first_limit(validate_max_body_size(max_body_size), self.max_body_size),
            form_limits={**self.form_limits, **validate_form_limits(form_limits)},
        )
        route.inherits_response_class = not class_chosen and not self._default_class_given
        route.siblings = self.routes
        self.routes.append(route)
        self._added(route)

    def api_route(self, path: str, *, methods: Sequence[str] | None = None,
                  **options: Unpack[RouteOptions]) -> Callable[[DecoratedCallable], DecoratedCallable]:
        """Decorator form of `add_api_route`; it returns the endpoint itself, with its own type."""

        def decorator(endpoint: DecoratedCallable) -> DecoratedCallable:
            self.add_api_route(path, endpoint, methods=methods, **options)
            return endpoint

        return decorator

    def get(self, path: str, **options: Unpack[RouteOptions]) -> Callable[[DecoratedCallable], DecoratedCallable]:
        return self.api_route(path, methods=["GET"], **options)

    def put(self, path: str, **options: Unpack[RouteOptions]) -> Callable[[DecoratedCallable], DecoratedCallable]:
        return self.api_route(path, methods=["PUT"], **options)

    def post(self, path: str, **options: Unpack[RouteOptions]) -> Callable[[DecoratedCallable], DecoratedCallable]:
        return self.api_route(path, methods=["POST"], **options)

    def delete(self, path: str, **options: Unpack[RouteOptions]) -> Callable[[DecoratedCallable], DecoratedCallable]:
        return self.api_route(path, methods=["DELETE"], **options)

    def patch(self, path: str, **options: Unpack[RouteOptions]) -> Callable[[DecoratedCallable], DecoratedCallable]:
        return self.api_route(path, methods=["PATCH"], **options)

    def head(self, path: str, **options: Unpack[RouteOptions]) -> Callable[[DecoratedCallable], DecoratedCallable]:
        return self.api_route(path, methods=["HEAD"], **options)

    def options(self, path: str, **options: Unpack[RouteOptions]) -> Callable[[DecoratedCallable], DecoratedCallable]:
        return self.api_route(path, methods=["OPTIONS"], **options)

    def trace(self, path: str, **options: Unpack[RouteOptions]) -> Callable[[DecoratedCallable], DecoratedCallable]:
        return self.api_route(path, methods=["TRACE"], **options)

    def add_api_websocket_route(self, path: str, endpoint: Callable[..., Any], name: str | None = None, *,
                                dependencies: Sequence[DependsMarker] | None = None) -> None:
        route = APIWebSocketRoute(self.prefix + path, endpoint, name=name,
                                  dependencies=[*self.dependencies, *(dependencies or [])],
                                  dependency_overrides_provider=self.dependency_overrides_provider)
        self.routes.append(route)
        self._added(route)

    def websocket(self, path: str, name: str | None = None, *, dependencies: Sequence[DependsMarker] | None = None
                  ) -> Callable[[DecoratedCallable], DecoratedCallable]:
        """Decorator: a WebSocket endpoint taking `websocket: WebSocket` and injected parameters."""

        def decorator(endpoint: DecoratedCallable) -> DecoratedCallable:
            self.add_api_websocket_route(path, endpoint, name=name, dependencies=dependencies)
            return endpoint

        return decorator

    def include_router(
        self,
        router: APIRouter,
        *,
        prefix: str = "",
        tags: list[str] | None = None,
        dependencies: Sequence[DependsMarker] | None = None,
        default_response_class: type[Response] | None = None,
        responses: dict[int | str, dict[str, Any]] | None = None,
        deprecated: bool | None = None,
        include_in_schema: bool = True,
        callbacks: list[BaseRoute] | None = None,
        generate_unique_id_function: Callable[[APIRoute], str] | None = None,
        max_body_size: int | None = None,
        form_limits: _FormLimits | None = None,
    ) -> None:
        """Copy `router`'s routes in under `prefix`, adding the given tags, dependencies and responses;
        its start-up and shut-down handlers and its lifespan run with this router's. Routes added to
        `router` later are copied in when added, as FastAPI serves them."""
        assert not prefix or (prefix.startswith("/") and not prefix.endswith("/")), \
            "A path prefix must start with '/' and must not end with '/'"
        assert router is not self, \
            "Cannot include the same APIRouter instance into itself. Did you mean to include a different router?"
        assert not self._included_by(router), \
            "Cannot include an APIRouter instance that already includes this router"
        include = _Include(prefix, list(tags or []), list(dependencies or []), _chosen_only(default_response_class),
                           dict(responses or {}), deprecated, include_in_schema, list(callbacks or []),
                           _chosen_only(generate_unique_id_function), validate_max_body_size(max_body_size),
                           validate_form_limits(form_limits))
        self.on_startup.extend(router.on_startup)
        self.on_shutdown.extend(router.on_shutdown)
        self._lifespans.extend(router._lifespans)
        for frontend in router.default.frontends if isinstance(router.default, Frontends) else ():
            self._include(router, frontend, include)
        for route in list(router.routes):
            self._include(router, route, include)
        router._inclusions.append((weakref.ref(self), include))

    def _included_by(self, router: APIRouter) -> bool:
        """Whether `router` includes this one, directly or through others."""
        for reference, _ in self._inclusions:
            includer = reference()
            if includer is router or (includer is not None and includer._included_by(router)):
                return True
        return False

    def _added(self, route: BaseRoute | Frontend) -> None:
        """A route added to this router goes also wherever the router was included."""
        for reference, include in self._inclusions:
            includer = reference()
            if includer is not None:
                includer._include(self, route, include)

    def _include(self, router: APIRouter, route: BaseRoute | Frontend, include: _Include) -> None:
        """One route (or frontend) of `router`, as this router including it with `include` holds it."""
        prefix = include.prefix
        # What the included router holds besides its API routes takes its own limit, else the include's.
        limit = first_limit(router.max_body_size, include.max_body_size, self.max_body_size)
        if isinstance(route, Frontend):
            self._add_frontend(route.included(self.prefix + prefix, [*self.dependencies, *include.dependencies],
                                              self.dependency_overrides_provider, limit))
        elif isinstance(route, APIRoute):
            if not self.prefix + prefix + route.path:
                raise FastAPIError("Prefix and path cannot be both empty")
            self.add_api_route(
                prefix + route.path,
                route.endpoint,
                # A stream's model is its item type, which the endpoint's annotation gives again.
                response_model=UNSET if route.is_json_stream or route.is_sse_stream else route.response_model,
                response_model_include=route.response_model_include,
                response_model_exclude=route.response_model_exclude,
                response_model_by_alias=route.response_model_by_alias,
                response_model_exclude_unset=route.response_model_exclude_unset,
                response_model_exclude_defaults=route.response_model_exclude_defaults,
                response_model_exclude_none=route.response_model_exclude_none,
                status_code=route.status_code,
                tags=[*include.tags, *route.tags],
                dependencies=[*include.dependencies, *route.dependencies],
                summary=route.summary,
                description=route.description,
                response_description=route.response_description,
                responses={**include.responses, **route.responses},
                deprecated=route.deprecated or include.deprecated,
                methods=sorted(route.methods),
                operation_id=route.operation_id,
                include_in_schema=route.include_in_schema and include.include_in_schema,
                # A class the route only inherited stays inheritable: the including router may set its own.
                response_class=(include.default_response_class or Default(route.response_class))
                if route.inherits_response_class else route.response_class,
                name=route.name,
                route_class_override=type(route),
                openapi_extra=route.openapi_extra,
                strict_content_type=route.strict_content_type,
                callbacks=[*include.callbacks, *(route.callbacks or [])] or None,
                generate_unique_id_function=route.generate_unique_id_function or include.generate_unique_id_function,
                strict_body=route.strict_body or self.strict_body,  # a strict app is strict throughout
                max_body_size=first_limit(route.max_body_size, include.max_body_size),
                form_limits={**include.form_limits, **route.form_limits},
            )
        elif isinstance(route, APIWebSocketRoute):
            self.add_api_websocket_route(prefix + route.path, route.endpoint, name=route.name,
                                         dependencies=[*include.dependencies, *route.dependencies])
        elif isinstance(route, Route):
            self.add_route(self.prefix + prefix + route.path, route.endpoint,
                           methods=sorted(route.methods or ()) or None, name=route.name,
                           include_in_schema=route.include_in_schema)
        elif isinstance(route, WebSocketRoute):
            self.add_websocket_route(self.prefix + prefix + route.path, route.endpoint, name=route.name)
        elif isinstance(route, Mount):
            self.mount(self.prefix + prefix + route.path, with_limit(route.app, limit), name=route.name)

    # Starlette's ways of adding a route, so that a route added after an include is shared too.
    def add_route(self, path: str, endpoint: Callable[..., Any], methods: Collection[str] | None = None,
                  name: str | None = None, include_in_schema: bool = True) -> None:
        super().add_route(path, endpoint, methods, name, include_in_schema)
        self._added(self.routes[-1])

    def add_websocket_route(self, path: str, endpoint: Callable[..., Any], name: str | None = None) -> None:
        super().add_websocket_route(path, endpoint, name)
        self._added(self.routes[-1])

    def mount(self, path: str, app: ASGIApp, name: str | None = None) -> None:
        super().mount(path, app, name)
        self._added(self.routes[-1])


@dataclasses.dataclass(frozen=True)
class _Include:
    """The options of one `include_router`, kept to include the routes added to the router later."""

    prefix: str
    tags: list[str]
    dependencies: list[DependsMarker]
    default_response_class: type[Response] | None
    responses: dict[int | str, dict[str, Any]]
    deprecated: bool | None
    include_in_schema: bool
    callbacks: list[BaseRoute]
    generate_unique_id_function: Callable[[APIRoute], str] | None
    max_body_size: int | None
    form_limits: _FormLimits


def method_paths_from_routes(routes: Sequence[BaseRoute]) -> set[str]:
    """`{"GET /logs/", "POST /logs/", ...}` for the API and plain Starlette routes given."""
    return {f"{method} {route.path}" for route in routes if isinstance(route, Route) for method in route.methods or ()}
