"""Router composition and the route listing helper."""

from __future__ import annotations

from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from asgi_api import API, APIRouter, Depends, method_paths_from_routes


def test_method_paths_from_api_and_starlette_routes() -> None:
    router = APIRouter(prefix="/logs")

    @router.post("/")
    def create() -> None: ...

    @router.api_route("/filter", methods=["POST", "PUT"])
    def read() -> None: ...

    routes = [*router.routes, Route("/plain", lambda request: PlainTextResponse("x"))]
    assert method_paths_from_routes(routes) == {
        "POST /logs/", "POST /logs/filter", "PUT /logs/filter", "GET /plain", "HEAD /plain"}


def test_nested_routers_combine_prefixes_tags_and_dependencies() -> None:
    seen: list[str] = []
    inner = APIRouter(prefix="/inner", tags=["inner"], dependencies=[])
    outer = APIRouter(prefix="/outer", tags=["outer"])

    @inner.get("/leaf", tags=["leaf"])
    def leaf() -> str:
        return "leaf"

    outer.include_router(inner, prefix="/mid")
    app = API()
    app.include_router(outer, prefix="/v1", tags=["v1"], dependencies=[Depends(lambda: seen.append("dep"))])
    route = next(route for route in app.routes if getattr(route, "path", "") == "/v1/outer/mid/inner/leaf")
    assert route.tags == ["v1", "outer", "inner", "leaf"]  # type: ignore[attr-defined]
    with TestClient(app) as client:
        assert client.get("/v1/outer/mid/inner/leaf").json() == "leaf"
        head = client.head("/v1/outer/mid/inner/leaf")
    assert seen == ["dep"]
    assert head.status_code == 405  # FastAPI does not add HEAD to GET routes


def test_allow_names_the_methods_of_the_most_concrete_matching_path() -> None:
    """`/pools/count` is its own path item (OpenAPI matches concrete paths first), though
    `/pools/{name}` matches it too: a 405 there allows POST only, as the document says."""
    app = API()

    @app.get("/pools/{name}")
    @app.delete("/pools/{name}")
    def pool(name: str) -> str:
        return name

    @app.post("/pools/count")
    def count() -> int:
        return 0

    with TestClient(app) as client:
        assert client.get("/pools/count").json() == "count"  # routed as before
        assert client.put("/pools/count").headers["allow"] == "POST"
        assert client.put("/pools/other").headers["allow"] == "DELETE, GET"
