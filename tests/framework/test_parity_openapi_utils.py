"""`get_openapi` as FastAPI users call it (`fastapi.openapi.utils`): the "extending OpenAPI" recipe,
FastAPI's keywords, webhooks, and operation ids named by the app's `generate_unique_id_function`."""

from __future__ import annotations

import importlib

import pytest
from starlette.testclient import TestClient

from tests.framework.parity import asgi_api_namespace, fastapi_namespace


def build(fw):
    get_openapi = importlib.import_module(f"{fw.name}.openapi.utils").get_openapi
    app = fw.API(generate_unique_id_function=lambda route: f"op-{route.name}")

    @app.get("/items/{item_id}", tags=["items"])
    def read_item(item_id: int, q: str | None = None) -> dict:
        return {"id": item_id}

    @app.webhooks.post("new-subscription")
    def new_subscription(body: dict) -> None:
        """Sent when a user subscribes."""

    def custom_openapi() -> dict:
        if app.openapi_schema:
            return app.openapi_schema
        document = get_openapi(
            title="Custom", version="2.5.0", openapi_version="3.1.0", summary="Short", description="Long",
            routes=app.routes, webhooks=app.webhooks.routes, tags=[{"name": "items"}],
            servers=[{"url": "https://example.com"}], terms_of_service="https://example.com/terms",
            contact={"name": "Ann"}, license_info={"name": "MIT"}, external_docs={"url": "https://example.com/docs"},
            separate_input_output_schemas=False,
        )
        document["info"]["x-logo"] = {"url": "https://example.com/logo.png"}
        app.openapi_schema = document
        return document

    app.openapi = custom_openapi  # type: ignore[method-assign]
    return app


def served(namespace) -> dict:
    with TestClient(build(namespace())) as client:
        response = client.get("/openapi.json")
        assert response.status_code == 200
        return response.json()


def test_custom_openapi_document_matches_fastapi() -> None:
    expected = served(fastapi_namespace)
    assert expected["info"]["x-logo"] and expected["webhooks"]["new-subscription"]["post"]
    assert served(asgi_api_namespace) == expected


@pytest.mark.parametrize("namespace", [fastapi_namespace, asgi_api_namespace], ids=["fastapi", "asgi_api"])
def test_app_unique_id_function_names_routes_for_get_openapi(namespace) -> None:
    """The app's naming reaches `get_openapi(routes=app.routes)`, not only `app.openapi()`."""
    document = served(namespace)
    assert document["paths"]["/items/{item_id}"]["get"]["operationId"] == "op-read_item"
