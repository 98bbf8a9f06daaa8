"""FastAPI's application options that apps pass at construction: event handlers, OpenAPI info,
operation naming, app-wide `deprecated`/`include_in_schema`. Both frameworks run the same source."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from tests.framework.parity import asgi_api_namespace, fastapi_namespace


def build(fw, events: list[str]):
    async def opened() -> None:
        events.append("startup")

    def closed() -> None:
        events.append("shutdown")

    app = fw.API(
        title="Options", version="2.0", on_startup=[opened], on_shutdown=[closed],
        terms_of_service="https://example.com/terms", contact={"name": "Ann", "email": "ann@example.com"},
        license_info={"name": "MIT", "identifier": "MIT"},
        generate_unique_id_function=lambda route: f"{route.name}-op",
    )

    @app.get("/items/{item_id}")
    def read_item(item_id: int) -> dict:
        return {"id": item_id}

    hidden = fw.API(include_in_schema=False, deprecated=True)

    @hidden.get("/secret")
    def secret() -> dict:
        return {}

    return app, hidden


@pytest.mark.parametrize("namespace", [fastapi_namespace, asgi_api_namespace], ids=["fastapi", "asgi_api"])
def test_startup_and_shutdown_handlers_run_once_each(namespace) -> None:
    events: list[str] = []
    app, _ = build(namespace(), events)
    with TestClient(app) as client:
        assert events == ["startup"]
        assert client.get("/items/3").json() == {"id": 3}
    assert events == ["startup", "shutdown"]


def test_info_and_operation_ids_match_fastapi() -> None:
    expected, _ = build(fastapi_namespace(), [])
    actual, _ = build(asgi_api_namespace(), [])
    assert actual.openapi()["info"] == expected.openapi()["info"]
    assert actual.openapi()["paths"]["/items/{item_id}"]["get"]["operationId"] == "read_item-op"
    assert expected.openapi()["paths"]["/items/{item_id}"]["get"]["operationId"] == "read_item-op"


def test_app_wide_include_in_schema_hides_every_route() -> None:
    _, expected = build(fastapi_namespace(), [])
    _, actual = build(asgi_api_namespace(), [])
    assert actual.openapi()["paths"] == expected.openapi()["paths"] == {}


@pytest.mark.parametrize("namespace", [fastapi_namespace, asgi_api_namespace], ids=["fastapi", "asgi_api"])
def test_deprecated_options_warn_at_the_callers_line(namespace) -> None:
    """`on_event` (app or router) is a DeprecationWarning, `root_path=` a FastAPIDeprecationWarning naming
    the server option to use instead; each points at the line that used it (FastAPI adds a second
    `on_event` warning from inside itself)."""
    fw = namespace()
    exceptions = __import__(f"{fw.name}.exceptions", fromlist=["FastAPIDeprecationWarning"])
    with pytest.warns(exceptions.FastAPIDeprecationWarning, match="--root-path") as root_path:
        app = fw.API(root_path="/api/v1")
    with pytest.warns(DeprecationWarning, match="on_event is deprecated") as on_app:
        app.on_event("startup")(lambda: None)
    with pytest.warns(DeprecationWarning, match="on_event is deprecated") as on_router:
        fw.APIRouter().on_event("shutdown")(lambda: None)
    for records in (root_path, on_app, on_router):
        assert __file__ in {record.filename for record in records}
