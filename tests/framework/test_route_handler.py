"""A route class overriding `get_route_handler()` wraps every request of its routes, on both frameworks."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tests.framework.parity import call, parity_test, sequence


def build(fw: Any) -> Any:
    class ErrorBodyRoute(fw.APIRoute):
        """Adds a header to each response and turns validation errors into a 400 echoing the body."""

        def get_route_handler(self) -> Any:
            handler = super().get_route_handler()

            async def wrapped(request: Any) -> Any:
                try:
                    response = await handler(request)
                except fw.RequestValidationError as exc:
                    body = (await request.body()).decode()
                    raise fw.HTTPException(400, {"errors": len(exc.errors()), "body": body}) from None
                response.headers["x-wrapped"] = request.url.path
                return response

            return wrapped

    events: list[str] = []

    def session() -> Iterator[str]:
        events.append("open")
        yield "db"
        events.append("closed")

    app = fw.API()
    router = fw.APIRouter(route_class=ErrorBodyRoute)

    @router.post("/sum")
    def total(numbers: list[int] = fw.Body(), db: str = fw.Depends(session)) -> dict[str, Any]:
        return {"sum": sum(numbers), "db": db}

    @router.get("/missing")
    def missing() -> None:
        raise fw.HTTPException(404, "no such thing")

    @router.get("/events")
    def read_events() -> list[str]:
        return events

    @app.get("/plain")
    def plain() -> str:
        return "not wrapped"

    app.include_router(router, prefix="/wrapped")
    return app


test_route_handler_parity = parity_test(build, [
    call("POST", "/wrapped/sum", 200, json=[1, 2]),
    call("POST", "/wrapped/sum", 400, json={"a": 1}),
    call("GET", "/wrapped/missing", 404),
    call("GET", "/plain", 200),
    sequence(("POST", "/wrapped/sum", {"json": [3]}, 200), ("GET", "/wrapped/events", 200),
             id="generator dependencies close"),
])


def build_classes(fw: Any) -> Any:
    """Response classes chosen at each level: a route's, its router's own default, an include's, an app's."""

    def level(name: str) -> Any:
        return type(name, (fw.responses.JSONResponse,), {"media_type": f"application/x-{name}"})

    app = fw.API(default_response_class=level("app"))
    chosen = fw.APIRouter(default_response_class=level("router"))
    plain = fw.APIRouter()
    for router in (chosen, plain):
        router.get("/default")(lambda: "default")
        router.get("/own", response_class=level("route"))(lambda: "own")
        router.get("/json", response_class=fw.responses.JSONResponse)(lambda: "json")
    middle = fw.APIRouter()
    middle.include_router(chosen, prefix="/chosen", default_response_class=level("include"))
    middle.include_router(plain, prefix="/plain", default_response_class=level("include"))
    app.include_router(middle, prefix="/m")
    app.include_router(plain, prefix="/bare")
    return app


test_response_class_levels = parity_test(build_classes, [
    call("GET", "/m/chosen/default", 200, id="a router's own default beats the include's"),
    call("GET", "/m/chosen/own", 200),
    call("GET", "/m/plain/default", 200, id="the include's beats the app's"),
    call("GET", "/m/plain/json", 200, id="an explicit JSONResponse stays"),
    call("GET", "/bare/default", 200, id="the app's when nobody chose"),
])
