"""FastAPI's module paths, `jsonable_encoder`, `response_model_*` switches and custom response classes,
on FastAPI and asgi_api."""

import dataclasses
import datetime
import decimal
import enum
import importlib
import json
import uuid
from typing import Any

import pytest

from tests.framework.parity import call, parity_test

MODULE_NAMES = {
    "responses": ["JSONResponse", "HTMLResponse", "PlainTextResponse", "RedirectResponse", "StreamingResponse",
                  "FileResponse", "Response", "ORJSONResponse", "UJSONResponse"],
    "openapi.utils": ["get_openapi"],
    "param_functions": ["Path", "Query", "Header", "Cookie", "Body", "Form", "File", "Depends", "Security"],
    "security": ["OAuth2PasswordBearer", "HTTPBasic", "HTTPBearer", "APIKeyHeader", "SecurityScopes"],
    "encoders": ["jsonable_encoder"],
    "middleware": ["Middleware"],
    "middleware.cors": ["CORSMiddleware"],
    "middleware.gzip": ["GZipMiddleware"],
    "middleware.trustedhost": ["TrustedHostMiddleware"],
    "middleware.httpsredirect": ["HTTPSRedirectMiddleware"],
    "middleware.wsgi": ["WSGIMiddleware"],
    "staticfiles": ["StaticFiles"],
    "websockets": ["WebSocket", "WebSocketDisconnect", "WebSocketState"],
    "background": ["BackgroundTasks"],
    "concurrency": ["run_in_threadpool", "iterate_in_threadpool", "run_until_first_complete"],
    "exception_handlers": ["http_exception_handler", "request_validation_exception_handler"],
    "exceptions": ["HTTPException", "RequestValidationError", "WebSocketException"],
    "testclient": ["TestClient"],
    "requests": ["Request", "HTTPConnection"],
    "datastructures": ["UploadFile", "FormData", "Headers", "QueryParams", "State", "URL"],
}


@pytest.mark.parametrize("module", sorted(MODULE_NAMES))
def test_fastapi_module_paths(module: str) -> None:
    """Every name imported from these FastAPI modules is importable from the asgi_api module of the same path."""
    for name in MODULE_NAMES[module]:
        assert hasattr(importlib.import_module(f"fastapi.{module}"), name)
        assert hasattr(importlib.import_module(f"asgi_api.{module}"), name), f"asgi_api.{module}.{name}"


class Color(enum.Enum):
    red = "red"


@dataclasses.dataclass
class Point:
    x: int
    y: int = 0
    label: str | None = None


class Thing:
    def __init__(self) -> None:
        self.name = "thing"
        self.size = 3


VALUES: list[Any] = [
    {"a": 1, "b": None, "_sa_state": 1}, [1, "x", None], (1, 2), {3}, frozenset({4}),
    datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc), datetime.date(2024, 1, 2),
    datetime.time(3, 4), datetime.timedelta(hours=1, microseconds=5), decimal.Decimal("1.50"), decimal.Decimal("7"),
    uuid.UUID(int=5), Color.red, b"bytes", Point(1), [Point(2, 3, "p")], {"nested": {"p": Point(1)}}, Thing(),
]


def encoded(module: str, value: Any, **options: Any) -> str:
    encoder = importlib.import_module(f"{module}.encoders").jsonable_encoder
    return json.dumps(encoder(value, **options), sort_keys=True)


@pytest.mark.parametrize("value", VALUES, ids=[type(value).__name__ for value in VALUES])
def test_jsonable_encoder(value: Any) -> None:
    assert encoded("asgi_api", value) == encoded("fastapi", value)


@pytest.mark.parametrize("options", [{"exclude_none": True}, {"include": {"a"}}, {"exclude": ["a"]},
                                     {"custom_encoder": {int: str}}, {"sqlalchemy_safe": False}])
def test_jsonable_encoder_options(options: dict[str, Any]) -> None:
    value = {"a": 1, "b": None, "_sa_state": 2}
    assert encoded("asgi_api", value, **options) == encoded("fastapi", value, **options)


@dataclasses.dataclass
class Item:
    name: str
    price: float = 1.0
    tags: list[str] = dataclasses.field(default_factory=list)
    owner: Point | None = None


def build(fw):
    app = fw.API(title="Shop")
    item = {"name": "a", "price": 1.0, "tags": ["x"], "owner": {"x": 1, "y": 2, "label": None}}

    class Pretty(fw.responses.JSONResponse):
        media_type = "application/vnd.pretty+json"

        def render(self, content: Any) -> bytes:
            return json.dumps({"wrapped": content}, sort_keys=True).encode()

    @app.get("/include", response_model=Item, response_model_include={"name", "owner"})
    def include():
        return item

    @app.get("/exclude", response_model=Item, response_model_exclude={"tags"})
    def exclude():
        return item

    @app.get("/nested", response_model=Item, response_model_exclude={"owner": {"label"}})
    def nested():
        return item

    @app.get("/defaults", response_model=Item, response_model_exclude_defaults=True)
    def defaults():
        return {"name": "a", "price": 1.0, "tags": [], "owner": {"x": 1, "y": 0}}

    @app.get("/pretty", response_class=Pretty)
    def pretty():
        return {"when": datetime.date(2024, 1, 2), "amount": decimal.Decimal("2.5")}

    @app.get("/pretty-model", response_class=Pretty, response_model=Item)
    def pretty_model():
        return item

    @app.get("/html", response_class=fw.responses.HTMLResponse)
    def html():
        return "<p>hi</p>"

    @app.get("/text", response_class=fw.responses.PlainTextResponse, status_code=201)
    def text():
        return "plain"

    return app


test_response_options = parity_test(build, [
    call("GET", "/include", 200),
    call("GET", "/exclude", 200),
    call("GET", "/nested", 200),
    call("GET", "/defaults", 200),
    call("GET", "/pretty", 200),
    call("GET", "/pretty-model", 200),
    call("GET", "/html", 200),
    call("GET", "/text", 201),
    call("GET", "/openapi.json", 200),
])


def build_app_options(fw):
    events: list[str] = []
    router = fw.APIRouter(on_startup=[lambda: events.append("router startup")])

    @router.get("/events")
    def read_events():
        return events

    app = fw.API(title="Options", swagger_ui_parameters={"syntaxHighlight": False},
                 swagger_ui_init_oauth={"clientId": "my-client"},
                 openapi_external_docs={"url": "https://example.com/docs", "description": "More"})

    @app.on_event("startup")
    def startup():
        events.append("app startup")

    app.include_router(router)

    @app.get("/{name}")
    def catch_all(name: str):
        return {"name": name}

    return app


test_app_options = parity_test(build_app_options, [
    call("GET", "/openapi.json", 200),
    call("GET", "/other", 200),
])


@pytest.mark.parametrize("module", ["fastapi", "asgi_api"])
def test_docs_page_options_and_events(module: str) -> None:
    """Docs routes win over a `/{name}` route; Swagger UI gets its parameters and OAuth client id;
    `on_event` handlers and an included router's start-up handlers run."""
    from starlette.testclient import TestClient

    from tests.framework.parity import asgi_api_namespace, fastapi_namespace

    fw = fastapi_namespace() if module == "fastapi" else asgi_api_namespace()
    with TestClient(build_app_options(fw)) as client:
        page = client.get("/docs").text
        assert '"syntaxHighlight": false' in page
        assert '"clientId": "my-client"' in page
        assert "oauth2RedirectUrl" in page
        redirect = client.get("/docs/oauth2-redirect")  # the page differs, its job does not
        assert redirect.headers["content-type"].startswith("text/html")
        assert "window.opener.swaggerUIRedirectOauth2" in redirect.text
        assert set(client.get("/events").json()) == {"app startup", "router startup"}


def build_streams(fw):
    from collections.abc import AsyncIterator

    app = fw.API()

    @app.get("/lines")
    async def lines() -> AsyncIterator[Item]:
        for index in range(3):
            yield Item(name=f"item {index}", price=index)

    @app.get("/plain")
    def plain():
        yield {"n": 1}
        yield [1, 2]

    @app.get("/raw", response_class=fw.responses.StreamingResponse)
    async def raw() -> AsyncIterator[str]:
        yield "chunk one, "
        yield "chunk two"

    return app


test_streams = parity_test(build_streams, [
    call("GET", "/lines", 200, headers_compared=["content-type"]),
    call("GET", "/plain", 200),
    call("GET", "/raw", 200),
])


def build_error_locs(fw):
    app = fw.API()

    @app.exception_handler(fw.RequestValidationError)
    async def handler(request, exc):
        loc = exc.errors()[0]["loc"]
        return fw.responses.JSONResponse({"tuple": isinstance(loc, tuple), "loc": list(loc)}, status_code=422)

    @app.get("/items/{item_id}")
    def item(item_id: int):
        return item_id

    return app


test_error_locs = parity_test(build_error_locs, [call("GET", "/items/x", 422)])


def build_empty_path(fw):
    router = fw.APIRouter()

    @router.get("")
    def root():
        return "router root"

    app = fw.API()
    app.include_router(router, prefix="/items")
    return app


test_empty_path = parity_test(build_empty_path, [call("GET", "/items", 200), call("GET", "/items/", 307)])
