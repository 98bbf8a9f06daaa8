"""Routes added to a router after it was included are served where its routes are (FastAPI 0.165
includes a router, not a copy of its routes as they were), with the include's options."""

import gc
import weakref
from pathlib import Path
from typing import Any

import pytest
from starlette.requests import Request
from starlette.responses import PlainTextResponse

from asgi_api import API, APIRouter
from tests.framework.parity import call, parity_test

BUILDS = Path(__file__).parent / "frontend_builds"


def build(fw: Any) -> Any:
    inner = fw.APIRouter()
    outer = fw.APIRouter(prefix="/outer")
    outer.include_router(inner, prefix="/inner", tags=["inner"])
    site = fw.APIRouter()
    site.frontend("/", directory=BUILDS / "admin", fallback="index.html")
    app = fw.API(title="late")
    app.include_router(outer, prefix="/v1", max_body_size=5)
    app.include_router(site, prefix="/site")

    def added(header: str = fw.Header()) -> Any:
        return {"header": header}

    inner.get("/late")(added)  # after both includes: reaches the app through outer

    async def echo(request: Request) -> Any:
        return PlainTextResponse(await request.body())

    inner.post("/echo")(echo)
    inner.add_route("/plain", lambda request: PlainTextResponse("plain"))
    child = fw.API()
    child.get("/")(lambda: {"mounted": True})
    inner.mount("/mounted", child)

    @site.get("/dashboard")
    def dashboard() -> Any:
        return {"source": "api"}

    later = fw.APIRouter()
    later.get("/deep")(lambda: {"deep": True})
    inner.include_router(later, prefix="/later")  # a router included into an included one
    return app


test_routes_added_after_include = parity_test(build, [
    call("GET", "/v1/outer/inner/late", 200, headers={"header": "h"}),
    call("GET", "/v1/outer/inner/late", 422, id="a late route validates as any"),
    call("POST", "/v1/outer/inner/echo", 200, content=b"12345"),
    call("POST", "/v1/outer/inner/echo", 413, content=b"123456", id="a late route takes the include's limit"),
    call("GET", "/v1/outer/inner/plain", 200),
    call("GET", "/v1/outer/inner/mounted/", 200),
    call("GET", "/v1/outer/inner/later/deep", 200),
    call("GET", "/site/dashboard", 200, headers={"accept": "text/html"}, id="a late route wins over a frontend"),
    call("GET", "/site/other", 200, headers={"accept": "text/html"}, id="the frontend still serves the rest"),
    call("GET", "/openapi.json", 200, id="late routes are documented"),
])


def test_a_router_cannot_include_one_that_includes_it() -> None:
    outer, inner = APIRouter(), APIRouter()
    outer.include_router(inner, prefix="/inner")
    with pytest.raises(AssertionError, match="already includes this router"):
        inner.include_router(outer, prefix="/outer")


def test_a_shared_router_does_not_keep_the_apps_including_it() -> None:
    shared = APIRouter()
    shared.get("/")(lambda: None)
    app = API()
    app.include_router(shared)
    gone = weakref.ref(app)
    del app
    gc.collect()
    assert gone() is None
    shared.get("/after")(lambda: None)  # nowhere to go now: only the router has it
    assert [route.path for route in shared.routes] == ["/", "/after"]
