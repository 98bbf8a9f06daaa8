"""`API`: a Starlette application with FastAPI's routing API and error responses."""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any, Literal

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.middleware.errors import ServerErrorMiddleware
from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, Mount
from starlette.types import ASGIApp, ExceptionHandler, Lifespan, Receive, Scope, Send

from asgi_api._body_limit import BodyLimit, with_limit
from asgi_api._form_limits import _FormLimits, passing_form_limits, validate_max_body_size
from asgi_api.exception_handlers import DEFAULT_HANDLERS
from asgi_api.exceptions import FastAPIDeprecationWarning
from asgi_api.frontend import Fallback, check_dir_for
from asgi_api.openapi import docs
from asgi_api.openapi.schema import get_openapi, unique_id
from asgi_api.params import DependsMarker
from asgi_api.responses import JSONResponse
from asgi_api.routing import ON_EVENT_DEPRECATED, APIRoute, APIRouter, DecoratedCallable

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from asgi_api.signatures import IncludeOptions, RouteOptions


class API(Starlette):
    """The application: routes via decorators or `include_router`, JSON errors, dependency overrides.

    `dependencies` apply to every route; `dependency_overrides` (a dict from dependency to
    replacement) is read per request, so tests can swap dependencies on a running app.
    `strict_body=True` (not in FastAPI) reads JSON bodies as pydantic's strict mode would, in every
    route, included ones too: only values of the JSON types the OpenAPI schema names, none coerced.
    """

    def __init__(
        self,
        *,
        debug: bool = False,
        routes: Sequence[BaseRoute] | None = None,
        title: str = "asgi_api",
        summary: str | None = None,
        description: str = "",
        version: str = "0.1.0",
        dependencies: Sequence[DependsMarker] | None = None,
        default_response_class: type[Response] | None = None,
        redirect_slashes: bool = True,
        middleware: Sequence[Middleware] | None = None,
        exception_handlers: dict[Any, ExceptionHandler] | None = None,
        lifespan: Lifespan[Any] | None = None,
        on_startup: Sequence[Callable[[], Any]] | None = None,
        on_shutdown: Sequence[Callable[[], Any]] | None = None,
        terms_of_service: str | None = None,
        contact: dict[str, Any] | None = None,
        license_info: dict[str, Any] | None = None,
        deprecated: bool | None = None,
        include_in_schema: bool = True,
        generate_unique_id_function: Callable[[APIRoute], str] = unique_id,
        root_path: str = "",
        root_path_in_servers: bool = True,
        responses: dict[int | str, dict[str, Any]] | None = None,
        strict_content_type: bool = True,
        openapi_url: str | None = "/openapi.json",
        docs_url: str | None = "/docs",
        redoc_url: str | None = "/redoc",
        openapi_tags: list[dict[str, Any]] | None = None,
        servers: list[dict[str, Any]] | None = None,
        max_body_size: int | None = None,
        openapi_external_docs: dict[str, Any] | None = None,
        swagger_ui_oauth2_redirect_url: str | None = "/docs/oauth2-redirect",
        swagger_ui_init_oauth: dict[str, Any] | None = None,
        swagger_ui_parameters: dict[str, Any] | None = None,
        callbacks: list[BaseRoute] | None = None,
        webhooks: APIRouter | None = None,
        separate_input_output_schemas: bool = True,
        strict_body: bool = False,
        form_limits: _FormLimits | None = None,
    ) -> None:
        super().__init__(debug=debug, middleware=middleware,
                         exception_handlers={**DEFAULT_HANDLERS, **(exception_handlers or {})})
        self.max_body_size = validate_max_body_size(max_body_size)  # applied in build_middleware_stack
        self.title = title
        self.summary = summary
        self.description = description
        self.version = version
        if root_path:
            warnings.warn("The `root_path` parameter is deprecated: set the root path on the server instead, "
                          "for example `uvicorn --root-path /api/v1` (as `fastapi run --root-path /api/v1`)",
                          FastAPIDeprecationWarning, stacklevel=2)
        self.root_path = root_path
        self.root_path_in_servers = root_path_in_servers
        self.openapi_url = openapi_url
        self.docs_url = docs_url
        self.redoc_url = redoc_url
        self.openapi_tags = openapi_tags
        self.openapi_external_docs = openapi_external_docs
        self.swagger_ui_oauth2_redirect_url = swagger_ui_oauth2_redirect_url
        self.swagger_ui_init_oauth = swagger_ui_init_oauth
        self.swagger_ui_parameters = swagger_ui_parameters
        self.webhooks = webhooks or APIRouter()
        self.separate_input_output_schemas = separate_input_output_schemas
        self.servers = list(servers or [])
        self.terms_of_service = terms_of_service
        self.contact = contact
        self.license_info = license_info
        self.openapi_schema: dict[str, Any] | None = None
        self.dependency_overrides: dict[Callable[..., Any], Callable[..., Any]] = {}
        self.router: APIRouter = APIRouter(
            routes=routes,
            dependencies=dependencies,
            default_response_class=default_response_class,
            redirect_slashes=redirect_slashes,
            dependency_overrides_provider=self,
            lifespan=lifespan,
            on_startup=on_startup,
            on_shutdown=on_shutdown,
            deprecated=deprecated,
            include_in_schema=include_in_schema,
            responses=responses,
            strict_content_type=strict_content_type,
            callbacks=callbacks,
            # On the routes, as FastAPI does, so `get_openapi(routes=app.routes)` names them alike.
            generate_unique_id_function=generate_unique_id_function,
            strict_body=strict_body,
            form_limits=form_limits,
        )

    def build_middleware_stack(self) -> ASGIApp:  # seam: starlette calls it once, at the app's first call
        """Starlette's stack, with the body limit's piece (see `asgi_api._body_limit`) where it must be."""
        # The documentation routes go last, when the app first runs, so that they are never matched
        # before (nor shadow) the app's own routes.
        self._add_docs_routes()
        error_handler = None
        handlers: dict[Any, ExceptionHandler] = {}
        for key, value in self.exception_handlers.items():
            if key in (500, Exception):
                error_handler = value
            else:
                handlers[key] = value
        middleware = [Middleware(ServerErrorMiddleware, handler=error_handler, debug=self.debug)]
        # The limit counts around the user's middleware (which may read the body, or wrap errors in
        # groups: see `BodyLimit`) and again around the router, where its 413 meets the handlers.
        if self.user_middleware:
            middleware.append(Middleware(BodyLimit, max_body_size=self.max_body_size))
        middleware += self.user_middleware
        middleware.append(Middleware(ExceptionMiddleware, handlers=handlers, debug=self.debug))
        stack = with_limit(self.router, self.max_body_size)
        for cls, args, kwargs in reversed(middleware):
            stack = cls(stack, *args, **kwargs)
        # `root_path=` (behind a proxy) goes into every scope, outermost; an app without one pays nothing.
        stack = passing_form_limits(stack, self.router.form_limits)
        return _RootPath(stack, self.root_path) if self.root_path else stack

    def openapi(self) -> dict[str, Any]:
        """The OpenAPI document, generated on first use and cached (start-up never pays for it)."""
        if self.openapi_schema is None:
            self.openapi_schema = get_openapi(
                title=self.title, version=self.version, summary=self.summary, description=self.description,
                routes=self.routes, webhooks=self.webhooks.routes, tags=self.openapi_tags, servers=self.servers,
                terms_of_service=self.terms_of_service, contact=self.contact, license_info=self.license_info,
                external_docs=self.openapi_external_docs,
                separate_input_output_schemas=self.separate_input_output_schemas,
            )
        return self.openapi_schema

    def _add_docs_routes(self) -> None:
        """The document and the docs pages: no app route can shadow them, as in FastAPI.

        They go last, so that no request pays for testing them first, unless one of the app's own
        routes would match one of their paths (a `/{name}` route): then they go first.
        """
        if not self.openapi_url:
            return
        routes = self.router.routes
        count = len(routes)
        app_routes = list(routes)
        self.add_route(self.openapi_url, self._openapi_endpoint, include_in_schema=False)
        assets = docs.local_assets()
        for url, files in ((self.docs_url, docs.swagger_assets), (self.redoc_url, docs.redoc_assets)):
            if not url:
                continue
            assets_path = f"{url.rstrip('/')}/assets" if assets is not None else None
            if assets_path is not None:
                routes.append(Mount(assets_path, app=files(assets)))  # type: ignore[arg-type]
            endpoint = self._swagger_ui if url == self.docs_url else self._redoc
            self.add_route(url, partial(endpoint, assets_path=assets_path), include_in_schema=False)
        if self.docs_url and self.swagger_ui_oauth2_redirect_url:
            self.add_route(self.swagger_ui_oauth2_redirect_url, self._oauth2_redirect, include_in_schema=False)
        if any(_would_match(route, path) for route in app_routes for path in _paths(routes[count:])):
            routes[:] = routes[count:] + routes[:count]

    async def _swagger_ui(self, request: Request, assets_path: str | None) -> Response:
        root = request.scope.get("root_path", "").rstrip("/")
        redirect = self.swagger_ui_oauth2_redirect_url
        return docs.swagger_ui_html(openapi_url=root + (self.openapi_url or ""), title=f"{self.title} - Swagger UI",
                                    assets_url=root + assets_path if assets_path else None,
                                    oauth2_redirect_url=root + redirect if redirect else None,
                                    init_oauth=self.swagger_ui_init_oauth, parameters=self.swagger_ui_parameters)

    async def _redoc(self, request: Request, assets_path: str | None) -> Response:
        root = request.scope.get("root_path", "").rstrip("/")
        return docs.redoc_html(openapi_url=root + (self.openapi_url or ""), title=f"{self.title} - ReDoc",
                               assets_url=root + assets_path if assets_path else None)

    async def _oauth2_redirect(self, request: Request) -> Response:
        return docs.get_swagger_ui_oauth2_redirect_html()

    async def _openapi_endpoint(self, request: Request) -> Response:
        """The document, with the mount point or `--root-path` as the first server when there is one."""
        document = self.openapi()
        root = request.scope.get("root_path", "").rstrip("/")
        if root and self.root_path_in_servers and all(server.get("url") != root for server in self.servers):
            document = {**document, "servers": [{"url": root}, *self.servers]}
        return JSONResponse(document)

    def add_api_route(self, path: str, endpoint: Callable[..., Any], *, methods: Sequence[str] | None = None,
                      **options: Unpack[RouteOptions]) -> None:
        self.router.add_api_route(path, endpoint, methods=methods, **options)

    def api_route(self, path: str, *, methods: Sequence[str] | None = None,
                  **options: Unpack[RouteOptions]) -> Callable[[DecoratedCallable], DecoratedCallable]:
        return self.router.api_route(path, methods=methods, **options)

    def get(self, path: str, **options: Unpack[RouteOptions]) -> Callable[[DecoratedCallable], DecoratedCallable]:
        return self.router.get(path, **options)

    def put(self, path: str, **options: Unpack[RouteOptions]) -> Callable[[DecoratedCallable], DecoratedCallable]:
        return self.router.put(path, **options)

    def post(self, path: str, **options: Unpack[RouteOptions]) -> Callable[[DecoratedCallable], DecoratedCallable]:
        return self.router.post(path, **options)

    def delete(self, path: str, **options: Unpack[RouteOptions]) -> Callable[[DecoratedCallable], DecoratedCallable]:
        return self.router.delete(path, **options)

    def patch(self, path: str, **options: Unpack[RouteOptions]) -> Callable[[DecoratedCallable], DecoratedCallable]:
        return self.router.patch(path, **options)

    def head(self, path: str, **options: Unpack[RouteOptions]) -> Callable[[DecoratedCallable], DecoratedCallable]:
        return self.router.head(path, **options)

    def options(self, path: str, **options: Unpack[RouteOptions]) -> Callable[[DecoratedCallable], DecoratedCallable]:
        return self.router.options(path, **options)

    def trace(self, path: str, **options: Unpack[RouteOptions]) -> Callable[[DecoratedCallable], DecoratedCallable]:
        return self.router.trace(path, **options)

    def websocket(self, path: str, name: str | None = None, *, dependencies: Sequence[DependsMarker] | None = None
                  ) -> Callable[[DecoratedCallable], DecoratedCallable]:
        return self.router.websocket(path, name, dependencies=dependencies)

    def add_api_websocket_route(self, path: str, endpoint: Callable[..., Any], name: str | None = None,
                                **options: Any) -> None:
        self.router.add_api_websocket_route(path, endpoint, name, **options)

    def websocket_route(self, path: str, name: str | None = None) -> Callable[[Any], Any]:
        return self.router.websocket_route(path, name)

    def route(self, path: str, methods: list[str] | None = None, name: str | None = None,
              include_in_schema: bool = True) -> Callable[[Any], Any]:
        return self.router.route(path, methods, name, include_in_schema)

    def frontend(self, path: str, *, directory: str | os.PathLike[str], fallback: Fallback = "auto",
                 check_dir: bool | Literal["auto"] = "auto") -> None:
        """Serve a built frontend's files below `path`, after every route (see `asgi_api.frontend`)."""
        self.router.frontend(path, directory=directory, fallback=fallback,
                             check_dir=check_dir_for(directory, check_dir))

    def on_event(self, event_type: str) -> Callable[[Any], Any]:
        """Decorator: run a function at start-up or shut-down (deprecated, as in FastAPI: prefer `lifespan=`)."""
        warnings.warn(ON_EVENT_DEPRECATED, DeprecationWarning, stacklevel=2)

        def decorator(handler: Callable[..., Any]) -> Callable[..., Any]:
            self.add_event_handler(event_type, handler)
            return handler

        return decorator

    def add_event_handler(self, event_type: str, handler: Callable[[], Any]) -> None:
        self.router.add_event_handler(event_type, handler)

    def include_router(self, router: APIRouter, **options: Unpack[IncludeOptions]) -> None:
        """Add `router`'s routes (see `APIRouter.include_router` for the options)."""
        self.router.include_router(router, **options)

    def exception_handler(self, exc_class_or_status_code: int | type[Exception]) -> Callable[[Any], Any]:
        """Decorator: register a handler `(request, exc) -> Response` for an exception or status code."""

        def decorator(handler: Callable[..., Any]) -> Callable[..., Any]:
            self.add_exception_handler(exc_class_or_status_code, handler)
            return handler

        return decorator

    def middleware(self, middleware_type: str) -> Callable[[Any], Any]:
        """Decorator: `@app.middleware("http")` for an `async def (request, call_next)` function."""
        assert middleware_type == "http", 'Only "http" middleware functions are supported'

        def decorator(dispatch: Callable[..., Any]) -> Callable[..., Any]:
            self.add_middleware(BaseHTTPMiddleware, dispatch=dispatch)
            return dispatch

        return decorator


class _RootPath:
    """Sets the app's `root_path` in each scope, as FastAPI's `API(root_path=...)` does."""

    def __init__(self, app: ASGIApp, root_path: str) -> None:
        self.app = app
        self.root_path = root_path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope["root_path"] = self.root_path
        await self.app(scope, receive, send)


def _paths(routes: Sequence[BaseRoute]) -> list[str]:
    """A request path each route answers (a file under a mount)."""
    return [f"{route.path}/swagger-ui.css" if isinstance(route, Mount) else str(getattr(route, "path", ""))
            for route in routes]


def _would_match(route: BaseRoute, path: str) -> bool:
    """Whether `route` would take (even with the wrong method) a GET for `path`."""
    scope: Scope = {"type": "http", "method": "GET", "path": path, "root_path": "", "headers": []}
    match, _ = route.matches(scope)
    return match != Match.NONE
