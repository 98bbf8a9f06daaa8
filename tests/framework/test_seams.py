"""Contract tests for the framework's seams: other libraries' private names and message wording.

Each `# seam:` comment in asgi_api has a test here. When an upgrade of msgspec or Starlette changes
what the code relies on, the test fails with the seam's name and what changed, instead of users
meeting wrong 422 details or a 500. Fix the code at the seam, then raise the upper bound in
pyproject.toml to the release these tests passed on.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
import pytest
import starlette
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.testclient import TestClient

from asgi_api import json_body
from asgi_api.request_body import receive_body

pytestmark = pytest.mark.anyio


def broken(seam: str, detail: str) -> str:
    return (f"seam broken: {seam} (msgspec {msgspec.__version__}, starlette {starlette.__version__}): {detail}. "
            "Adapt the code at its `# seam:` comment, then the upper bound in pyproject.toml.")


# --- msgspec: the wording of validation errors, parsed by asgi_api/json_body.py ------------------------

class Item(msgspec.Struct):
    price: int


class Order(msgspec.Struct):
    items: list[Item]
    by_name: dict[str, int] = {}
    pair: tuple[int, int] = (0, 0)


def msgspec_error(document: Any, tp: Any) -> msgspec.ValidationError:
    with pytest.raises(msgspec.ValidationError) as caught:
        msgspec.convert(document, tp)
    return caught.value


@pytest.mark.parametrize(("document", "text", "loc", "error_type"), [
    ({"items": [{"price": "x"}]}, "Expected `int`, got `str` - at `$.items[0].price`", ["items", 0, "price"],
     "int_parsing"),
    ({"items": [], "pair": [1, "x"]}, "Expected `int`, got `str` - at `$.pair[1]`", ["pair", 1], "int_parsing"),
    # A dict's key is not named: the location stops at the dict, and body_errors descends from there.
    ({"items": [], "by_name": {"a": "x"}}, "Expected `int`, got `str` - at `$.by_name[...]`", ["by_name"],
     "dict_type"),
])
def test_msgspec_error_location_wording(document: dict[str, Any], text: str, loc: list[Any], error_type: str) -> None:
    seam = "msgspec message wording '<problem> - at `$.field[0]`' (json_body._AT, _STEP)"
    exc = msgspec_error(document, Order)
    assert str(exc) == text, broken(seam, f"expected {text!r}, msgspec says {str(exc)!r}")
    entry = json_body.translate(exc, Order, document)
    assert entry["loc"] == loc, broken(seam, f"{str(exc)!r} read as location {entry['loc']}, not {loc}")
    assert entry["type"] == error_type, broken(seam, f"{str(exc)!r} read as {entry['type']!r}")


def test_msgspec_missing_field_wording() -> None:
    seam = "msgspec message wording 'Object missing required field `name`'"
    document = {"items": [{}]}
    exc = msgspec_error(document, Order)
    assert str(exc) == "Object missing required field `price` - at `$.items[0]`", broken(seam, repr(str(exc)))
    entry = json_body.translate(exc, Order, document)
    assert (entry["type"], entry["loc"]) == ("missing", ["items", 0, "price"]), broken(seam, f"read as {entry}")


@pytest.mark.parametrize(("tp", "value", "text", "error_type"), [
    (Annotated[int, msgspec.Meta(ge=1)], 0, "Expected `int` >= 1", "greater_than_equal"),
    (Annotated[int, msgspec.Meta(gt=1)], 0, "Expected `int` >= 2", "greater_than"),
    (Annotated[float, msgspec.Meta(le=1.5)], 2.0, "Expected `float` <= 1.5", "less_than_equal"),
    (Annotated[int, msgspec.Meta(lt=1)], 5, "Expected `int` <= 0", "less_than"),
    (Annotated[str, msgspec.Meta(min_length=3)], "a", "Expected `str` of length >= 3", "string_too_short"),
    (Annotated[list[int], msgspec.Meta(max_length=1)], [1, 2], "Expected `array` of length <= 1", "too_long"),
    (Annotated[int, msgspec.Meta(multiple_of=3)], 4, "Expected `int` that's a multiple of 3", "multiple_of"),
    (Annotated[str, msgspec.Meta(pattern="^a")], "b", "Expected `str` matching regex '^a'",
     "string_pattern_mismatch"),
])
def test_msgspec_constraint_wording(tp: Any, value: Any, text: str, error_type: str) -> None:
    seam = "msgspec message wording 'Expected `int` >= 1' and kin (json_body._CONSTRAINT)"
    exc = msgspec_error(value, tp)
    assert str(exc) == text, broken(seam, f"expected {text!r}, msgspec says {str(exc)!r}")
    entry = json_body.translate(exc, tp, value)
    assert entry["type"] == error_type, broken(seam, f"{str(exc)!r} read as {entry['type']!r}, not {error_type!r}")


# --- Starlette privates ------------------------------------------------------------------------------

def test_get_route_path_is_the_path_below_root_path() -> None:
    seam = "starlette private _utils.get_route_path"
    try:
        from starlette._utils import get_route_path
    except ImportError as exc:
        pytest.fail(broken(seam, f"it cannot be imported: {exc}"))
    cases = [({"path": "/app/items/1", "root_path": "/app"}, "/items/1"),
             ({"path": "/items/1", "root_path": ""}, "/items/1"),
             ({"path": "/items/1"}, "/items/1"),
             ({"path": "/app", "root_path": "/app"}, ""),
             ({"path": "/application/x", "root_path": "/app"}, "/application/x")]
    for scope, expected in cases:
        got = get_route_path(scope)
        assert got == expected, broken(seam, f"{scope} gives {got!r}, not {expected!r}")


def test_get_route_path_inside_a_mount() -> None:
    seam = "starlette private _utils.get_route_path"
    from starlette._utils import get_route_path

    async def endpoint(request: Request) -> Response:
        return PlainTextResponse(get_route_path(request.scope))

    app = Starlette(routes=[Mount("/mounted", routes=[Route("/{rest:path}", endpoint)])])
    with TestClient(app, root_path="/proxy") as client:
        body = client.get("/proxy/mounted/a/b").text
    assert body == "/a/b", broken(seam, f"under a mount behind root_path /proxy, /mounted/a/b gives {body!r}")


def request_with(messages: list[dict[str, Any]]) -> Request:
    async def receive() -> dict[str, Any]:
        if not messages:
            raise AssertionError("receive() called again: the body was not taken from the cache")
        return messages.pop(0)

    return Request({"type": "http", "method": "POST", "path": "/", "headers": []}, receive)


async def test_request_body_cache_is_what_starlette_reads() -> None:
    seam = "starlette private Request._body/_stream_consumed (receive_body's cache)"
    request = request_with([{"type": "http.request", "body": b'{"a": ', "more_body": True},
                            {"type": "http.request", "body": b"1}"}])
    assert await receive_body(request) == b'{"a": 1}'
    assert await request.body() == b'{"a": 1}', broken(seam, "Request.body() does not return the cached body")
    assert await request.json() == {"a": 1}, broken(seam, "Request.json() does not read the cached body")
    streamed = b"".join([chunk async for chunk in request.stream()])
    assert streamed == b'{"a": 1}', broken(seam, "Request.stream() does not replay the cached body")


async def test_a_body_starlette_read_is_found_by_receive_body() -> None:
    seam = "starlette private Request._body (set by Request.body())"
    request = request_with([{"type": "http.request", "body": b"read by a dependency"}])
    await request.body()
    assert getattr(request, "_body", None) == b"read by a dependency", broken(seam, "body() no longer caches in _body")
    assert await receive_body(request) == b"read by a dependency"


async def test_a_disconnect_seen_by_receive_body_is_seen_by_starlette() -> None:
    seam = "starlette private Request._is_disconnected"
    request = request_with([{"type": "http.disconnect"}])
    with pytest.raises(ClientDisconnect):
        await receive_body(request)
    assert await request.is_disconnected(), broken(seam, "is_disconnected() does not read _is_disconnected")


def test_exception_handlers_travel_in_the_scope() -> None:
    seam_key = "starlette private scope key 'starlette.exception_handlers'"
    seam_default = "starlette ExceptionMiddleware.http_exception as the default HTTPException handler"
    seen: dict[str, Any] = {}

    def on_value_error(request: Request, exc: Exception) -> Response:
        return PlainTextResponse("value error", 400)

    def on_teapot(request: Request, exc: Exception) -> Response:
        return PlainTextResponse("teapot", 418)

    async def endpoint(request: Request) -> Response:
        seen["handlers"] = request.scope.get("starlette.exception_handlers")
        return PlainTextResponse("ok")

    app = Starlette(routes=[Route("/", endpoint)], exception_handlers={ValueError: on_value_error, 418: on_teapot})
    with TestClient(app) as client:
        assert client.get("/").text == "ok"
    handlers = seen["handlers"]
    assert isinstance(handlers, tuple) and len(handlers) == 2, broken(seam_key, f"the scope holds {handlers!r}")
    by_class, by_status = handlers
    assert by_class.get(ValueError) is on_value_error, broken(seam_key, f"handlers by class: {by_class}")
    assert by_status == {418: on_teapot}, broken(seam_key, f"handlers by status: {by_status}")
    default = by_class.get(HTTPException)
    assert getattr(default, "__func__", None) is ExceptionMiddleware.http_exception, \
        broken(seam_default, f"the HTTPException handler is {default!r}")


def test_build_middleware_stack_runs_once_at_the_first_call() -> None:
    seam = "starlette Starlette.build_middleware_stack (called once, at the app's first call)"
    calls = []

    class Counting(Starlette):
        def build_middleware_stack(self) -> Any:
            calls.append(1)
            return super().build_middleware_stack()

    app = Counting(routes=[Route("/", lambda request: PlainTextResponse("ok"))])
    assert calls == [], broken(seam, "it ran when the app was created")
    with TestClient(app) as client:
        client.get("/")
        client.get("/")
    assert calls == [1], broken(seam, f"it ran {len(calls)} times over start-up and two requests")

