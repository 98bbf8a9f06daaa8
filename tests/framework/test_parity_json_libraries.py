"""`ORJSONResponse` and `UJSONResponse` (deprecated in FastAPI 0.165, still in its docs): the same bytes
for the same endpoints, and the same `FastAPIDeprecationWarning` when one is created or subclassed."""

from __future__ import annotations

import dataclasses
import importlib
import warnings

import pytest

from tests.framework.parity import call, parity_test

pytest.importorskip("orjson")
pytest.importorskip("ujson")


@dataclasses.dataclass
class Item:
    name: str
    price: float


def build(fw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        app = fw.API(title="Libraries", default_response_class=fw.responses.ORJSONResponse)

    @app.get("/keys")
    def non_string_keys():
        return {1: "one", "nested": {2.5: [True, None]}}

    @app.get("/item")
    def item() -> Item:
        return Item(name="widget", price=9)

    @app.get("/text", response_class=fw.responses.UJSONResponse)
    def text():
        return {"café": "naïve", "list": [1, 2]}

    @app.get("/direct")
    def direct():
        return fw.responses.UJSONResponse({"é": 1}, status_code=201, headers={"x-made": "here"})

    return app


test_json_libraries = parity_test(build, [
    call("GET", "/keys", 200, headers_compared=["content-length"]),
    call("GET", "/item", 200, headers_compared=["content-length"]),
    call("GET", "/text", 200, headers_compared=["content-length"]),
    call("GET", "/direct", 201, headers_compared=["content-length"]),
    call("GET", "/openapi.json", 200),
])


@pytest.mark.parametrize("framework", ["fastapi", "asgi_api"])
@pytest.mark.parametrize("name", ["ORJSONResponse", "UJSONResponse"])
def test_creating_or_subclassing_warns(framework: str, name: str) -> None:
    exceptions = importlib.import_module(f"{framework}.exceptions")
    cls = getattr(importlib.import_module(f"{framework}.responses"), name)
    with pytest.warns(exceptions.FastAPIDeprecationWarning, match=f"{name} is deprecated"):
        cls({"a": 1})
    with pytest.warns(exceptions.FastAPIDeprecationWarning, match=f"{name} is deprecated"):
        type("Custom", (cls,), {})
