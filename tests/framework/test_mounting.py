"""An API or a bare APIRouter inside a plain Starlette app: paths, url_for, root_path, errors, stacks."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.routing import Mount

from asgi_api import API, APIRouter, Depends, HTTPException, Query
from asgi_api.exceptions import FastAPIDeprecationWarning

pytestmark = pytest.mark.anyio


def make_router(events: list[str]) -> APIRouter:
    router = APIRouter(prefix="/items", tags=["items"])

    async def session() -> AsyncIterator[str]:
        events.append("open")
        yield "db"
        events.append("close")

    @router.get("/{item_id}", name="read_item")
    async def read_item(request: Request, item_id: int, limit: int = Query(5, le=10),
                        db: str = Depends(session)) -> dict:
        return {"id": item_id, "limit": limit, "db": db, "self": str(request.url_for("read_item", item_id=item_id)),
                "root_path": request.scope.get("root_path", "")}

    @router.get("/{item_id}/missing")
    async def missing(item_id: int) -> None:
        raise HTTPException(404, "Item not found")

    return router


def client(app: Starlette, root_path: str = "") -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, root_path=root_path), base_url="http://test")


async def test_bare_router_mounted_in_starlette_keeps_fastapi_behaviour() -> None:
    events: list[str] = []
    app = Starlette(routes=[Mount("/api", app=make_router(events))])
    async with client(app) as http:
        ok = await http.get("/api/items/3?limit=7")
        assert ok.status_code == 200
        assert ok.json() == {"id": 3, "limit": 7, "db": "db", "self": "http://test/api/items/3", "root_path": "/api"}
        assert events == ["open", "close"]
        invalid = await http.get("/api/items/x?limit=11")
        assert invalid.status_code == 422
        assert [error["loc"] for error in invalid.json()["detail"]] == [["path", "item_id"], ["query", "limit"]]
        not_found = await http.get("/api/items/3/missing")
        assert (not_found.status_code, not_found.json()) == (404, {"detail": "Item not found"})


async def test_api_mounted_under_a_prefix_and_behind_a_root_path() -> None:
    api = API()
    api.include_router(make_router([]))
    app = Starlette(routes=[Mount("/api", app=api)])
    async with client(app, root_path="/proxy") as http:
        response = await http.get("/proxy/api/items/1")
        assert response.status_code == 200
        assert response.json()["self"] == "http://test/proxy/api/items/1"
        unknown = await http.get("/proxy/api/nothing")
        assert (unknown.status_code, unknown.json()) == (404, {"detail": "Not Found"})


async def test_api_root_path_option_sets_the_scope() -> None:
    with pytest.warns(FastAPIDeprecationWarning, match="--root-path"):  # deprecated, as in FastAPI 0.165
        api = API(root_path="/behind")
    api.include_router(make_router([]))
    async with client(api) as http:
        response = await http.get("/items/2")
        assert response.json()["self"] == "http://test/behind/items/2"
