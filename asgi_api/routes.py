"""A FastAPI route: what one path operation does with a request, prepared once.

An `APIRoute` prepares everything when it is created - the dependency plan, the body reader, the
response encoder - so that a request only runs the plan. It also opens the two exit stacks of a
request itself, so behaviour is the same whether it runs inside an `API` or a plain Starlette app.
`APIWebSocketRoute` does the same for a WebSocket endpoint.
"""
from __future__ import annotations

import collections.abc
import inspect
import json
import logging
import types
import typing
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AsyncExitStack
from typing import Any

import anyio
import msgspec
from starlette import status
from starlette._utils import get_route_path  # seam: starlette private _utils.get_route_path (path below root_path)
from starlette.background import BackgroundTasks
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import BaseRoute, Route, WebSocketRoute, compile_path, get_name
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket

from asgi_api import responses as _responses
from asgi_api import type_check
from asgi_api._body_limit import with_limit
from asgi_api._form_limits import _FormLimits, validate_form_limits, validate_max_body_size
from asgi_api.dependencies import Context, Dependant, call, path_param_names, resolved_hints, solve, solve_own
from asgi_api.exception_handlers import find_handler, run_handler
from asgi_api.exceptions import HTTPException, RequestValidationError
from asgi_api.params import UNSET, DependsMarker
from asgi_api.request_body import FormBody, body_reader
from asgi_api.responses import EventSourceResponse, JSONResponse, body_allowed, stream_json
from asgi_api.sse import EventStream, ServerSentEvent

if typing.TYPE_CHECKING:

    pass

logger = logging.getLogger("asgi_api.routing")
DecoratedCallable = typing.TypeVar("DecoratedCallable", bound=Callable[..., Any])


__all__ = ["APIRoute", "APIWebSocketRoute", "DecoratedCallable", "response_model_of", "stream_item_of"]
def response_model_of(endpoint: Callable[..., Any]) -> Any:
    """The return annotation as a response model, or None (no annotation, `None`, a `Response`)."""
    annotation = resolved_hints(endpoint).get("return")
    if annotation is None or annotation is type(None):
        return None
    origin = typing.get_origin(annotation) or annotation
    if inspect.isclass(origin) and issubclass(origin, Response):
        return None
    members = typing.get_args(annotation) if origin in (typing.Union, types.UnionType) else ()
    if any(inspect.isclass(member) and issubclass(member, Response) for member in members):
        return None
    return annotation


_STREAMS = (collections.abc.AsyncIterable, collections.abc.AsyncIterator, collections.abc.AsyncGenerator,
            collections.abc.Iterable, collections.abc.Iterator, collections.abc.Generator)


def stream_item_of(annotation: Any) -> Any:
    """`AsyncIterator[Item]` (or another iterable's annotation) -> `Item`; None when not given."""
    if typing.get_origin(annotation) in _STREAMS and typing.get_args(annotation):
        return typing.get_args(annotation)[0]
    return None


async def _checkpointed(chunks: collections.abc.AsyncIterable[Any]) -> AsyncIterator[Any]:
    """`chunks`, letting other tasks run after each: a generator that never awaits could not be
    cancelled otherwise (a client gone, a server stopping)."""
    async for chunk in chunks:
        yield chunk
        await anyio.sleep(0)


_CONTEXT = "asgi_api.context"  # where a custom route handler finds its request's Context
_JSON_TYPE = (b"content-type", b"application/json")


class _Encoded(JSONResponse):
    """A JSON response whose body the route has already encoded, with the headers Starlette's
    `Response` would give it (set here directly: this runs on every request)."""

    def __init__(self, body: bytes, status_code: int, background: BackgroundTasks | None) -> None:
        self.status_code = status_code
        self.background = background
        self.body = body
        if status_code < 200 or status_code in (204, 304):
            self.raw_headers = [_JSON_TYPE]
        else:
            self.raw_headers = [(b"content-length", str(len(body)).encode("latin-1")), _JSON_TYPE]


class APIRoute(Route):
    """A route whose endpoint takes typed, validated parameters and returns data (or a Response)."""

    methods: set[str]  # never None here, unlike Starlette's Route
    # Set by the router: the class is no route's nor router's choice, so an including router's applies.
    inherits_response_class: bool = False

    def __init__(
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
        name: str | None = None,
        methods: Sequence[str] | None = None,
        operation_id: str | None = None,
        include_in_schema: bool = True,
        response_class: type[Response] = JSONResponse,
        dependency_overrides_provider: Any = None,
        openapi_extra: dict[str, Any] | None = None,
        strict_content_type: bool = True,
        callbacks: list[BaseRoute] | None = None,
        generate_unique_id_function: Callable[[APIRoute], str] | None = None,
        strict_body: bool = False,
        max_body_size: int | None = None,
        form_limits: _FormLimits | None = None,
    ) -> None:
        # No leading "/" required: "" is a router's own root (`@router.get("")`), routed once included
        # under a prefix, and a webhook (`app.webhooks.post("new-subscription")`) is named by its event.
        self.path = path
        self.endpoint = endpoint
        self.name = get_name(endpoint) if name is None else name
        self.methods = {method.upper() for method in methods or ("GET",)}
        self.path_regex, self.path_format, self.param_convertors = compile_path(path)
        self.response_model = response_model_of(endpoint) if response_model is UNSET else response_model
        # An endpoint that yields streams its items: as JSON Lines with the default response class, as
        # server-sent events with EventSourceResponse, else as the content of `response_class` (a
        # StreamingResponse, say), as FastAPI 0.165 does. The item type (from the annotation) is the
        # response model.
        self._streams = inspect.isasyncgenfunction(endpoint) or inspect.isgeneratorfunction(endpoint)
        self.is_json_stream = self._streams and response_class is JSONResponse
        self.is_sse_stream = self._streams and issubclass(response_class, EventSourceResponse)
        if self._streams:
            self.response_model = stream_item_of(self.response_model)
            if isinstance(self.response_model, type) and issubclass(self.response_model, ServerSentEvent):
                self.response_model = None  # a wrapper of data, not the data's type
        self.response_model_include = response_model_include
        self.response_model_exclude = response_model_exclude
        self.response_model_by_alias = response_model_by_alias
        if self.response_model is not None and (issubclass(response_class, JSONResponse) or self.is_sse_stream):
            type_check.require_response_type(self.response_model, endpoint)
        self.response_model_exclude_unset = response_model_exclude_unset
        self.response_model_exclude_defaults = response_model_exclude_defaults
        self.response_model_exclude_none = response_model_exclude_none
        self.callbacks = callbacks
        self.generate_unique_id_function = generate_unique_id_function
        self.status_code = status_code
        self.tags = list(tags or [])
        self.dependencies = list(dependencies or [])
        self.summary = summary
        self.description = description if description is not None else inspect.cleandoc(endpoint.__doc__ or "")
        self.response_description = response_description
        self.responses = dict(responses or {})
        for extra in self.responses.values():
            if isinstance(extra, dict) and extra.get("model") is not None:
                type_check.require_response_type(extra["model"], endpoint)
        self.deprecated = deprecated
        self.operation_id = operation_id
        self.include_in_schema = include_in_schema
        self.response_class = response_class
        self.dependency_overrides_provider = dependency_overrides_provider
        self.openapi_extra = openapi_extra
        self.strict_content_type = strict_content_type
        self.strict_body = strict_body

        names = path_param_names(self.path_format)
        self.dependant = Dependant(endpoint, path_names=names)
        self.dependant.dependencies[:0] = [
            Dependant.of_marker(marker, marker.dependency, None, names)  # type: ignore[arg-type]
            for marker in self.dependencies
        ]
        self.max_body_size = validate_max_body_size(max_body_size)
        self.form_limits = validate_form_limits(form_limits)
        self.body = body_reader(self.dependant.flat_body(), strict_content_type, strict_body, self.form_limits)
        self._stacks = self.dependant.has_generators() or isinstance(self.body, FormBody)
        # Our JSONResponse gets the bytes encoded here; any other class (a JSONResponse subclass with
        # its own render() or media type, HTML, ...) gets the JSON-ready data, as FastAPI hands it.
        self._json = response_class is JSONResponse
        self._encode = _responses.serializer(
            self.response_model, include=response_model_include, exclude=response_model_exclude,
            by_alias=response_model_by_alias, exclude_unset=response_model_exclude_unset,
            exclude_defaults=response_model_exclude_defaults, exclude_none=response_model_exclude_none)
        self._override_plans: dict[Any, Dependant] = {}
        self.siblings: list[BaseRoute] = [self]  # the routes of the router holding this one
        self.app = self.handle
        if type(self).get_route_handler is not APIRoute.get_route_handler:
            self.app = self.handle = self._custom_handle(self.get_route_handler())  # type: ignore[method-assign,assignment]
        if max_body_size is not None:  # Starlette's limiter: a 413 once the body read passes the limit
            self.app = self.handle = with_limit(self.handle, max_body_size)  # type: ignore[method-assign,assignment]

    def _content(self, content: Any) -> Any:
        return content if isinstance(content, str) else msgspec.json.decode(self._encode(content))

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check the method, then solve, call, respond - and turn exceptions into error responses."""
        if scope["method"] not in self.methods:
            raise self._method_not_allowed(scope)
        provider = self.dependency_overrides_provider or scope.get("app")
        overrides = getattr(provider, "dependency_overrides", None)
        context = Context(scope, receive, send, self._override_plans, overrides)
        sending = sent = False
        try:
            if self._stacks or overrides:
                async with AsyncExitStack() as context.request_stack:
                    async with AsyncExitStack() as context.response_stack:
                        response = await self._respond(context)
                    sending = True
                    await response(scope, receive, send)
                    sent = True
            else:
                response = await self._respond(context)
                sending = True
                await response(scope, receive, send)
        except Exception as exc:
            if sent:
                # The response is out; an error closing request-scoped dependencies can only be logged.
                logger.exception("Error while closing the dependencies of %s %s", scope["method"], scope["path"])
                return
            handler = None if sending else find_handler(scope, exc)
            if handler is None:
                raise
            error_response = await run_handler(handler, context.request, exc)
            await error_response(scope, receive, send)

    def _method_not_allowed(self, scope: Scope) -> HTTPException:
        # Unlike Starlette, `Allow` names every method of the path, not just this route's: those of
        # the routes of the most concrete path template matching it (`/pools/count` before
        # `/pools/{name}`), as OpenAPI matches a URL to one path item.
        path = get_route_path(scope)
        matching = [route for route in self.siblings if isinstance(route, Route) and route.methods
                    and route.path_regex.match(path)]
        concrete = min(len(route.param_convertors) for route in matching)
        allowed = {method for route in matching if len(route.param_convertors) == concrete
                   for method in route.methods or ()}
        return HTTPException(405, headers={"Allow": ", ".join(sorted(allowed))})

    def get_route_handler(self) -> Callable[[Request], typing.Awaitable[Response]]:
        """The route as `(request) -> Response`, for a subclass to wrap (timing, logging), as in FastAPI.

        A route class that overrides this runs every request through the handler it returns, and
        errors the handler lets out get the app's error responses.
        """

        async def route_handler(request: Request) -> Response:
            context: Context = request.scope[_CONTEXT]
            async with AsyncExitStack() as context.response_stack:
                return await self._respond(context)

        return route_handler

    def _custom_handle(self, handler: Callable[[Request], typing.Awaitable[Response]]) -> ASGIApp:
        async def handle(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["method"] not in self.methods:
                raise self._method_not_allowed(scope)
            provider = self.dependency_overrides_provider or scope.get("app")
            overrides = getattr(provider, "dependency_overrides", None)
            context = Context(scope, receive, send, self._override_plans, overrides)
            async with AsyncExitStack() as context.request_stack:
                scope[_CONTEXT] = context
                try:
                    response = await handler(context.request)
                except Exception as exc:
                    error_handler = find_handler(scope, exc)
                    if error_handler is None:
                        raise
                    response = await run_handler(error_handler, context.request, exc)
                await response(scope, receive, send)

        return handle

    async def _respond(self, context: Context) -> Response:
        if self.body is not None:
            await self.body.read(context)
        if self.dependant.dependencies:
            values, errors = await solve(self.dependant, context, self.body)
        else:
            values, errors = solve_own(self.dependant, context, self.body, {}, [])
        if errors:
            raise RequestValidationError(errors, body=context.document())
        if self._streams:
            return self._stream(self.endpoint(**values), context)
        return self._response(await call(self.dependant, values, context), context)

    def _stream(self, items: Any, context: Context) -> Response:
        sub_response = context.response
        status_code = (sub_response.status_code if sub_response is not None else None) or self.status_code or 200
        response: Response
        # Untyped items are written as Python's json.dumps writes them (FastAPI's choice there).
        encode = self._encode if self.response_model is not None else stream_json
        if self._json:
            if inspect.isasyncgen(items):
                content: Any = _checkpointed(encode(item) + b"\n" async for item in items)
            else:
                content = (encode(item) + b"\n" for item in items)
            response = StreamingResponse(content, status_code, media_type="application/jsonl",
                                         background=context.background)
        elif self.is_sse_stream:
            response = EventStream(items, encode, status_code, context.background)
        else:
            response = self.response_class(content=_checkpointed(items) if inspect.isasyncgen(items) else items,
                                           status_code=status_code, background=context.background)
        if sub_response is not None:
            response.raw_headers.extend(sub_response.raw_headers)
        return response

    def _response(self, content: Any, context: Context) -> Response:
        if isinstance(content, Response):
            if content.background is None:
                content.background = context.background
            return content
        sub_response = context.response
        status_code = (sub_response.status_code if sub_response is not None else None) or self.status_code
        if self._json:
            code = status_code or 200
            if body_allowed(code):
                response: Response = _Encoded(self._encode(content), code, context.background)
            else:
                response = _Encoded(b"", code, context.background)
        else:
            arguments: dict[str, Any] = {"background": context.background}
            if status_code is not None:
                arguments["status_code"] = status_code
            response = self.response_class(self._content(content), **arguments)
            if not body_allowed(response.status_code):
                response.body = b""
        if sub_response is not None:
            response.raw_headers.extend(sub_response.raw_headers)
        return response


class APIWebSocketRoute(WebSocketRoute):
    """A WebSocket endpoint with FastAPI's injection: path, query, header, cookie values, `Depends`.

    Invalid parameters close the connection with 1008 (policy violation), as FastAPI does.
    """

    def __init__(self, path: str, endpoint: Callable[..., Any], *, name: str | None = None,
                 dependencies: Sequence[DependsMarker] | None = None,
                 dependency_overrides_provider: Any = None) -> None:
        assert path.startswith("/"), "Routed paths must start with '/'"
        self.path = path
        self.endpoint = endpoint
        self.name = get_name(endpoint) if name is None else name
        self.dependencies = list(dependencies or [])
        self.dependency_overrides_provider = dependency_overrides_provider
        self.path_regex, self.path_format, self.param_convertors = compile_path(path)
        names = path_param_names(self.path_format)
        self.dependant = Dependant(endpoint, path_names=names)
        self.dependant.dependencies[:0] = [
            Dependant.of_marker(marker, marker.dependency, None, names)  # type: ignore[arg-type]
            for marker in self.dependencies
        ]
        self._override_plans: dict[Any, Dependant] = {}
        self.app = self.handle_websocket

    async def handle_websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        websocket = WebSocket(scope, receive, send)
        provider = self.dependency_overrides_provider or scope.get("app")
        context = Context(scope, receive, send, self._override_plans,
                          getattr(provider, "dependency_overrides", None), websocket)
        async with AsyncExitStack() as context.request_stack, AsyncExitStack() as context.response_stack:
            values, errors = await solve(self.dependant, context, None)
            if errors:
                reason = json.dumps(errors, default=str)
                await websocket.close(code=status.WS_1008_POLICY_VIOLATION,
                                      reason=reason if len(reason.encode()) <= 123 else "Invalid parameters")
                return
            await call(self.dependant, values, context)
