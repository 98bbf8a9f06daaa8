"""Errors and routing on FastAPI and asgi_api: HTTPException, 404/405, exception handlers, routers."""

from starlette.exceptions import HTTPException as StarletteHTTPException

from tests.framework.parity import call, parity_test, xfail

# A deliberate improvement (RFC 9110): Starlette's router stops at the first route of the path.
ALLOW_ALL = "asgi_api's Allow names every method the path serves (GET, POST); FastAPI's names only the first route's"


class TeapotError(Exception):
    def __init__(self, name: str):
        self.name = name


def build_errors(fw):
    app = fw.API()

    @app.get("/detail/str")
    def detail_str():
        raise fw.HTTPException(status_code=404, detail="Item not found")

    @app.get("/detail/dict")
    def detail_dict():
        raise fw.HTTPException(status_code=400, detail={"code": "E1", "fields": ["a", "b"]})

    @app.get("/detail/list")
    def detail_list():
        raise fw.HTTPException(status_code=409, detail=[{"id": 1}, "two", 3])

    @app.get("/detail/default")
    def detail_default():
        raise fw.HTTPException(status_code=418)

    @app.get("/detail/headers")
    def detail_headers():
        raise fw.HTTPException(status_code=401, detail="Login first",
                               headers={"WWW-Authenticate": "Basic", "X-Error": "auth"})

    @app.get("/detail/not-modified")
    def not_modified():
        raise fw.HTTPException(status_code=304)

    @app.get("/detail/starlette")
    def starlette_exception():
        raise StarletteHTTPException(status_code=402, detail="Pay up")

    @app.get("/detail/async")
    async def async_detail():
        raise fw.HTTPException(status_code=fw.status.HTTP_429_TOO_MANY_REQUESTS, detail="Slow down")

    @app.get("/methods")
    def methods_get():
        return {"method": "GET"}

    @app.post("/methods")
    def methods_post():
        return {"method": "POST"}

    @app.put("/only-put")
    def only_put():
        return {"method": "PUT"}

    @app.api_route("/multi", methods=["GET", "PATCH"])
    def multi(request: fw.Request):
        return {"method": request.method}

    def added(x: int = 1):
        return {"added": x}

    app.add_api_route("/added", added, methods=["PUT"])

    @app.get("/slash/")
    def slash():
        return {"slash": True}

    @app.get("/no-slash")
    def no_slash():
        return {"slash": False}

    return app


test_http_exceptions = parity_test(build_errors, [
    call("GET", "/detail/str", 404),
    call("GET", "/detail/dict", 400),
    call("GET", "/detail/list", 409),
    call("GET", "/detail/default", 418, id="HTTPException without detail uses the status phrase"),
    call("GET", "/detail/headers", 401),
    call("GET", "/detail/not-modified", 304),
    call("GET", "/detail/starlette", 402, id="Starlette's HTTPException gets a JSON body too"),
    call("GET", "/detail/async", 429),
])

test_routing_errors = parity_test(build_errors, [
    call("GET", "/nowhere", 404),
    call("POST", "/nowhere/at/all?x=1", 404),
    call("GET", "/methods", 200),
    call("POST", "/methods", 200),
    xfail(call("DELETE", "/methods", 405, id="405 from a path with GET and POST routes"), ALLOW_ALL),
    call("GET", "/only-put", 405),
    call("GET", "/multi", 200),
    call("PATCH", "/multi", 200),
    call("POST", "/multi", 405),
    call("HEAD", "/multi", 405),
    call("PUT", "/added?x=5", 200),
    call("GET", "/added", 405),
    call("GET", "/slash", 307, id="redirect to the trailing-slash route"),
    call("GET", "/slash/", 200),
    call("GET", "/no-slash/", 307, id="redirect to the route without a trailing slash"),
    call("GET", "/no-slash/?keep=1", 307, id="the slash redirect keeps the query string"),
    xfail(call("OPTIONS", "/methods", 405), ALLOW_ALL),
])


def build_handlers(fw):
    async def teapot_handler(request, exc: TeapotError):
        return fw.responses.JSONResponse({"teapot": exc.name, "path": request.url.path}, status_code=418)

    app = fw.API(exception_handlers={TeapotError: teapot_handler})

    @app.exception_handler(fw.RequestValidationError)
    async def validation_handler(request, exc):
        errors = exc.errors()
        return fw.responses.JSONResponse(
            {"locs": [list(error["loc"]) for error in errors], "types": [error["type"] for error in errors]},
            status_code=400)

    @app.exception_handler(StarletteHTTPException)
    async def http_handler(request, exc):
        return fw.responses.PlainTextResponse(f"oops: {exc.detail}", status_code=exc.status_code,
                                              headers={"X-Handled": "http"})

    @app.exception_handler(KeyError)
    def key_error_handler(request, exc):
        return fw.responses.JSONResponse({"missing": str(exc)}, status_code=404)

    @app.get("/teapot/{name}")
    def teapot(name: str):
        raise TeapotError(name)

    @app.get("/validate")
    def validate(n: int, m: int = 0):
        return {"n": n}

    @app.get("/http")
    def http():
        raise fw.HTTPException(status_code=403, detail="no")

    @app.get("/key")
    async def key():
        return {}["absent"]

    return app


test_exception_handlers = parity_test(build_handlers, [
    call("GET", "/teapot/brown", 418, id="exception_handlers= for a custom exception"),
    call("GET", "/validate?n=x&m=y", 400, id="a RequestValidationError handler sees exc.errors()"),
    call("GET", "/validate", 400),
    call("GET", "/validate?n=1", 200),
    call("GET", "/http", 403, id="an HTTPException handler replaces the JSON error"),
    call("GET", "/not-a-route", 404, id="the HTTPException handler also handles routing 404s"),
    call("POST", "/http", 405, id="and routing 405s"),
    call("GET", "/key", 404, id="a handler for a builtin exception"),
])


def build_status_handler(fw):
    def not_found(request, exc):
        return fw.responses.JSONResponse({"custom": "not found", "path": request.url.path}, status_code=404)

    app = fw.API(exception_handlers={404: not_found})

    @app.get("/items/{item_id}")
    def item(item_id: int):
        if item_id == 0:
            raise fw.HTTPException(status_code=404, detail="zero")
        raise fw.HTTPException(status_code=400, detail="bad")

    return app


test_status_code_handlers = parity_test(build_status_handler, [
    call("GET", "/missing", 404, id="a 404 status handler for unknown paths"),
    call("GET", "/items/0", 404, id="a 404 status handler for a raised 404"),
    call("GET", "/items/1", 400, id="other statuses keep the default handler"),
])


def build_routers(fw):
    seen: list[str] = []

    def mark(name):
        def dependency():
            seen.append(name)
        return dependency

    app = fw.API(dependencies=[fw.Depends(mark("app"))])

    items = fw.APIRouter(prefix="/items", tags=["items"], dependencies=[fw.Depends(mark("items"))])

    @items.get("")
    def list_items():
        return {"items": [], "seen": list(seen)}

    @items.get("/{item_id}")
    def get_item(item_id: int):
        return {"item_id": item_id, "seen": list(seen)}

    @items.post("/", status_code=201)
    def create_item(name: str = fw.Body(embed=True)):
        return {"name": name}

    @items.api_route("/{item_id}/tags", methods=["PUT", "DELETE"])
    def tags(item_id: int, request: fw.Request):
        return {"item_id": item_id, "method": request.method}

    admin = fw.APIRouter(prefix="/admin", dependencies=[fw.Depends(mark("admin"))])

    @admin.get("/stats", dependencies=[fw.Depends(mark("route"))])
    def stats():
        entries = list(seen)
        seen.clear()
        return {"seen": entries}

    admin.include_router(items)
    app.include_router(items)
    app.include_router(admin, prefix="/v2", dependencies=[fw.Depends(mark("include"))])

    @app.get("/reset")
    def reset():
        seen.clear()
        return {}

    return app


test_routers = parity_test(build_routers, [
    call("GET", "/items", 200, id="router prefix with an empty route path"),
    call("GET", "/items/3", 200, id="app and router dependencies run in order"),
    call("GET", "/items/x", 422),
    call("POST", "/items/", 201, json={"name": "n"}),
    call("POST", "/items", 405, json={"name": "n"},
         id="POST without the slash: the GET route's partial match wins over the slash redirect"),
    call("PUT", "/items/4/tags", 200),
    call("DELETE", "/items/4/tags", 200),
    call("GET", "/items/4/tags", 405),
    call("GET", "/v2/admin/stats", 200, id="dependencies of include, router and route, outermost first"),
    call("GET", "/v2/admin/items/7", 200, id="a router nested under a prefixed include"),
    call("GET", "/admin/stats", 404),
    call("GET", "/v2/items/7", 404),
])
