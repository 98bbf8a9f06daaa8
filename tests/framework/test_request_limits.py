"""`max_body_size=` and `form_limits=` on the app, routers, includes and routes, on both frameworks:
the innermost given wins (for form limits key by key), resolved when the route is added."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.requests import Request
from starlette.responses import PlainTextResponse

from asgi_api import API, APIRoute, APIRouter
from tests.framework.parity import call, parity_test


def build(fw: Any) -> Any:
    async def echo(request: Request) -> Any:
        return PlainTextResponse(await request.body())

    def form(text: str = fw.Form(), other: str = fw.Form(default="")) -> str:
        return text + other

    child = fw.APIRouter(max_body_size=8)
    child.post("/child-default")(echo)
    child.post("/route", max_body_size=12)(echo)
    forms = fw.APIRouter(form_limits={"max_fields": 1})
    forms.post("/form")(form)
    forms.post("/form-route", form_limits={"max_part_size": 2})(form)
    parent = fw.APIRouter()
    parent.include_router(child, prefix="/child", max_body_size=3)
    parent.include_router(forms, prefix="/child", max_body_size=1000, form_limits={"max_part_size": 4})
    plain = fw.APIRouter()
    plain.post("/plain")(echo)
    app = fw.API(max_body_size=5)
    app.post("/app")(echo)
    app.include_router(parent, prefix="/parent")
    app.include_router(plain, prefix="/included", max_body_size=10)
    return app


test_limits = parity_test(build, [
    call("POST", "/app", 200, content=b"12345"),
    call("POST", "/app", 413, content=b"123456"),
    call("POST", "/parent/child/child-default", 200, content=b"12345678", id="the router's limit beats the app's"),
    call("POST", "/parent/child/child-default", 413, content=b"123456789"),
    call("POST", "/parent/child/route", 200, content=b"123456789012", id="the route's beats its router's"),
    call("POST", "/parent/child/route", 413, content=b"1234567890123"),
    call("POST", "/included/plain", 200, content=b"1234567890", id="the include's beats the app's"),
    call("POST", "/included/plain", 413, content=b"12345678901"),
    call("POST", "/parent/child/form", 200, files={"text": (None, "abcd")}),
    call("POST", "/parent/child/form", 400, files={"text": (None, "abcde")}, id="the include's part size"),
    call("POST", "/parent/child/form", 400, files={"text": (None, "a"), "other": (None, "b")},
         id="the router's field count"),
    call("POST", "/parent/child/form-route", 400, files={"text": (None, "abc")}, id="the route's part size"),
])


def build_inherited(fw: Any) -> Any:
    def form(text: str = fw.Form()) -> str:
        return text

    declared = fw.APIRoute("/", form, methods=["POST"], form_limits={"max_fields": 1})
    child = fw.API(routes=[declared])
    given = fw.APIRoute("/given", form, methods=["POST"])
    app = fw.API(form_limits={"max_part_size": 2, "max_fields": 0}, routes=[given])
    app.mount("/child", child)
    return app


test_form_limits_reach_routes_not_declared_through_the_app = parity_test(build_inherited, [
    call("POST", "/child/", 200, files={"text": (None, "ab")}, id="the route's own limit beats the parent's"),
    call("POST", "/child/", 400, files={"text": (None, "abc")}, id="a mounted app's route takes the parent's"),
    call("POST", "/given", 400, files={"text": (None, "a")}, id="a route given to the app takes its limits"),
])


@pytest.mark.parametrize("value", [-1, True, 1.5, "5"])
def test_invalid_limits_fail_when_declared(value: Any) -> None:
    for declare in (lambda: API(max_body_size=value), lambda: APIRouter(max_body_size=value),
                    lambda: API().include_router(APIRouter(), max_body_size=value),
                    lambda: APIRoute("/", lambda: None, max_body_size=value),
                    lambda: API(form_limits={"max_fields": value}),
                    lambda: API().include_router(APIRouter(), form_limits={"max_files": value})):
        with pytest.raises(ValueError, match="non-negative integer"):
            declare()
    with pytest.raises(ValueError, match="max_fieldz"):
        APIRouter(form_limits={"max_fieldz": 1})  # type: ignore[typeddict-unknown-key]


def test_a_shared_router_keeps_its_own_settings() -> None:
    router = APIRouter()
    router.post("/")(lambda: None)
    API(max_body_size=5).include_router(router, max_body_size=1, form_limits={"max_files": 0})
    route = router.routes[0]
    assert isinstance(route, APIRoute)
    assert (route.max_body_size, route.form_limits) == (None, {})
