"""What including routers does beyond copying routes, on both frameworks: lifespan state (the
including router's value wins), OpenAPI for a GET that reads a body and for hidden parameters (they
still validate, so a 422 is documented), and the includes refused when declared."""

import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import fastapi
import pytest
from starlette.requests import Request

import asgi_api
from tests.framework.parity import call, parity_test


def build(fw: Any) -> Any:
    def lifespan_setting(value: str) -> Any:
        @asynccontextmanager
        async def lifespan(app: Any) -> AsyncIterator[dict[str, str]]:
            yield {"shared": value, value: value}

        return lifespan

    first = fw.APIRouter(lifespan=lifespan_setting("first"))
    second = fw.APIRouter(lifespan=lifespan_setting("second"))
    app = fw.API(title="includes", lifespan=lifespan_setting("app"))
    app.include_router(first)
    app.include_router(second)

    @app.get("/state")
    def state(request: Request) -> Any:
        return {"shared": request.state.shared, "first": request.state.first, "second": request.state.second}

    @app.get("/search")
    def search(query: dict[str, str] = fw.Body()) -> Any:
        return query

    @app.get("/hidden")
    def hidden(token: str = fw.Query(include_in_schema=False)) -> Any:
        return token

    return app


test_includes = parity_test(build, [
    call("GET", "/state", 200, id="the app's lifespan state wins, then the first include's"),
    call("GET", "/search", 200, json={"a": "b"}, id="a GET reading a body"),
    call("GET", "/hidden", 422, id="a hidden parameter validates"),
    call("GET", "/openapi.json", 200, id="the GET's body and the hidden parameter's 422 are documented"),
])


@pytest.mark.parametrize("fw", [fastapi, asgi_api], ids=["fastapi", "asgi_api"])
def test_includes_refused_when_declared(fw: Any) -> None:
    router = fw.APIRouter()
    with pytest.raises(AssertionError, match="Cannot include the same APIRouter instance into itself"):
        router.include_router(router)
    router.get("")(lambda: None)
    with pytest.raises(fw.exceptions.FastAPIError, match="Prefix and path cannot be both empty"):
        fw.APIRouter().include_router(router)


@pytest.mark.parametrize("fw", [fastapi, asgi_api], ids=["fastapi", "asgi_api"])
def test_duplicate_operation_ids_are_warned_about(fw: Any) -> None:
    app = fw.FastAPI() if fw is fastapi else fw.API()

    def items() -> None: ...

    app.get("/items", operation_id="items")(items)
    app.post("/items", operation_id="items")(items)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        app.openapi()
    assert [str(warning.message).split(" at ")[0] for warning in caught] == \
        ["Duplicate Operation ID items for function items"]
