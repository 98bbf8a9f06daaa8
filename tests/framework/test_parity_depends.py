"""Dependencies on FastAPI and asgi_api: kinds, nesting, caching, overrides, injected objects, errors."""

from typing import Annotated, Optional

from tests.framework.parity import call, parity_test, sequence


class Pagination:
    def __init__(self, skip: int = 0, limit: int = 10):
        self.skip = skip
        self.limit = limit


class Multiplier:
    """A callable instance used as a dependency."""

    def __init__(self, factor: int):
        self.factor = factor

    def __call__(self, n: int = 1) -> int:
        return n * self.factor


def build(fw):
    app = fw.API()
    log: list[str] = []

    def sync_dep(q: Optional[str] = None):
        return {"q": q, "kind": "sync"}

    async def async_dep(q: Optional[str] = None):
        return {"q": q, "kind": "async"}

    @app.get("/sync")
    def use_sync(common: dict = fw.Depends(sync_dep)):
        return common

    @app.get("/async")
    async def use_async(common: Annotated[dict, fw.Depends(async_dep)]):
        return common

    @app.get("/class")
    def use_class(page: Pagination = fw.Depends(Pagination)):
        return {"skip": page.skip, "limit": page.limit}

    @app.get("/class-shortcut")
    def use_class_shortcut(page: Annotated[Pagination, fw.Depends()]):
        return {"skip": page.skip, "limit": page.limit}

    @app.get("/callable")
    def use_callable(value: int = fw.Depends(Multiplier(3))):
        return {"value": value}

    def level_three(c: int = 3):
        return [f"three:{c}"]

    def level_two(below: list = fw.Depends(level_three), b: int = 2):
        return [*below, f"two:{b}"]

    async def level_one(below: list = fw.Depends(level_two), a: int = 1):
        return [*below, f"one:{a}"]

    @app.get("/deep")
    def deep(chain: list = fw.Depends(level_one)):
        return {"chain": chain}

    calls: list[str] = []

    def counted():
        calls.append("counted")
        return len(calls)

    def wraps_counted(value: int = fw.Depends(counted)):
        return value

    @app.get("/cached")
    def cached(a: int = fw.Depends(counted), b: int = fw.Depends(wraps_counted)):
        before = len(calls)
        calls.clear()
        return {"a": a, "b": b, "calls": before}

    @app.get("/uncached")
    def uncached(a: int = fw.Depends(counted), b: int = fw.Depends(counted, use_cache=False)):
        before = len(calls)
        calls.clear()
        return {"a": a, "b": b, "calls": before}

    def generator_dep():
        log.append("gen:start")
        try:
            yield "resource"
        finally:
            log.append("gen:end")

    async def async_generator_dep():
        log.append("agen:start")
        yield "async resource"
        log.append("agen:end")

    @app.get("/generators")
    def generators(a: str = fw.Depends(generator_dep), b: str = fw.Depends(async_generator_dep)):
        return {"a": a, "b": b, "log": list(log)}

    def failing_teardown():
        try:
            yield "value"
        except fw.HTTPException as exc:
            log.append(f"saw:{exc.status_code}")
            raise

    @app.get("/raises-inside")
    def raises_inside(value: str = fw.Depends(failing_teardown)):
        raise fw.HTTPException(status_code=409, detail="conflict")

    @app.get("/log")
    def read_log():
        entries = list(log)
        log.clear()
        return {"log": entries}

    def get_db():
        return "real-db"

    @app.get("/db")
    def use_db(db: str = fw.Depends(get_db)):
        return {"db": db}

    def get_db_override(q: Optional[str] = None):
        return f"fake-db:{q}"

    app.dependency_overrides[get_db] = get_db_override

    def client_info(request: fw.Request):
        return {"path": request.url.path, "method": request.method, "agent": request.headers.get("user-agent")}

    @app.get("/request")
    def use_request(info: dict = fw.Depends(client_info)):
        return info

    def tag_response(response: fw.Response):
        response.headers["X-From-Dependency"] = "yes"
        response.set_cookie("dep-cookie", "1")

    @app.get("/response", dependencies=[fw.Depends(tag_response)])
    def use_response(response: fw.Response):
        response.status_code = 202
        response.headers["X-From-Endpoint"] = "too"
        return {"ok": True}

    @app.get("/response-with-model", status_code=201)
    def response_with_model(response: fw.Response) -> dict:
        response.set_cookie("session", "abc", httponly=True)
        return {"made": True}

    def send_note(tasks: fw.BackgroundTasks, note: str = "dep"):
        tasks.add_task(log.append, f"background:{note}")

    @app.post("/background")
    def background(tasks: fw.BackgroundTasks, _: None = fw.Depends(send_note)):
        tasks.add_task(log.append, "background:endpoint")
        return {"queued": 2}

    def verify_token(x_token: str = fw.Header()):
        if x_token != "secret":
            raise fw.HTTPException(status_code=401, detail="Bad token", headers={"WWW-Authenticate": "Bearer"})
        return x_token

    def require_admin():
        raise fw.HTTPException(status_code=403, detail={"reason": "admins only", "codes": [1, 2]})

    @app.get("/guarded", dependencies=[fw.Depends(verify_token)])
    def guarded(limit: int = 10):
        return {"limit": limit}

    @app.get("/admin")
    def admin(_: None = fw.Depends(require_admin), page: int = 1):
        return {"page": page}

    router = fw.APIRouter(prefix="/router", dependencies=[fw.Depends(verify_token)])

    @router.get("/inside")
    def inside():
        return {"inside": True}

    app.include_router(router)
    return app


test_dependency_kinds = parity_test(build, [
    call("GET", "/sync", 200),
    call("GET", "/sync?q=x", 200),
    call("GET", "/async?q=y", 200),
    call("GET", "/class", 200),
    call("GET", "/class?skip=5&limit=2", 200),
    call("GET", "/class?skip=x&limit=y", 422, id="class dependency parameters are validated"),
    call("GET", "/class-shortcut?limit=3", 200),
    call("GET", "/callable?n=4", 200),
    call("GET", "/callable?n=four", 422),
    call("GET", "/deep", 200),
    call("GET", "/deep?a=10&b=20&c=30", 200),
    call("GET", "/deep?a=x&b=y&c=z", 422, id="errors from nested dependencies, innermost first"),
    call("GET", "/cached", 200, id="a dependency used twice runs once"),
    call("GET", "/uncached", 200, id="use_cache=False runs it again"),
])

test_generators_and_background = parity_test(build, [
    sequence(call("GET", "/generators", 200), call("GET", "/log", 200),
             id="yield dependencies run their exit code"),
    sequence(call("GET", "/raises-inside", 409), call("GET", "/log", 200),
             id="a yield dependency sees the endpoint's HTTPException"),
    sequence(call("POST", "/background", 200), call("GET", "/log", 200),
             id="background tasks from dependency and endpoint run after the response"),
    sequence(call("POST", "/background?note=custom", 200), call("GET", "/log", 200),
             id="background task added by a dependency with a query parameter"),
])

test_overrides_and_injection = parity_test(build, [
    call("GET", "/db", 200, id="dependency_overrides replaces the dependency"),
    call("GET", "/db?q=test", 200, id="the override's own parameters are used"),
    call("GET", "/request?x=1", 200, headers={"user-agent": "tests"}),
    call("GET", "/response", 202, id="the injected Response sets status, headers, cookies"),
    call("GET", "/response-with-model", 201, id="cookie set on the injected Response with a returned dict"),
])

test_dependency_errors = parity_test(build, [
    call("GET", "/guarded", 422, id="missing header in a decorator dependency"),
    call("GET", "/guarded", 401, headers={"x-token": "wrong"}),
    call("GET", "/guarded", 200, headers={"x-token": "secret"}),
    call("GET", "/guarded?limit=x", 401, headers={"x-token": "wrong"},
         id="a dependency's 401 wins over the endpoint's invalid query"),
    call("GET", "/guarded?limit=x", 422, id="a dependency's invalid header and the endpoint's invalid query together"),
    call("GET", "/guarded?limit=x", 422, headers={"x-token": "secret"}),
    call("GET", "/admin", 403, id="HTTPException with a dict detail from a dependency"),
    call("GET", "/admin?page=x", 403),
    call("GET", "/router/inside", 422),
    call("GET", "/router/inside", 401, headers={"x-token": "nope"}),
    call("GET", "/router/inside", 200, headers={"x-token": "secret"}),
])


def build_scopes(fw):
    log: list[str] = []

    def gate(x_key: Optional[str] = fw.Header(None)):
        if x_key != "k":
            raise fw.HTTPException(status_code=401, detail="key")

    app = fw.API(dependencies=[fw.Depends(gate)])

    def request_scoped():
        yield "r"
        log.append("request-scoped exit")

    def function_scoped():
        yield "f"
        log.append("function-scoped exit")

    @app.get("/stream")
    def stream(a: str = fw.Depends(request_scoped), b: str = fw.Depends(function_scoped, scope="function")):
        def body():
            yield ",".join(log).encode()
        return fw.responses.StreamingResponse(body(), media_type="text/plain")

    @app.get("/log")
    def read_log():
        entries = list(log)
        log.clear()
        return entries

    async def refuses():
        raise fw.HTTPException(status_code=423, detail="locked")
        yield  # pragma: no cover - makes this an async generator

    @app.get("/refused")
    def refused(_: None = fw.Depends(refuses)):
        return {"reached": True}

    def real_gate_dependency():
        raise fw.HTTPException(status_code=500, detail="not overridden")

    @app.get("/overridden", dependencies=[fw.Depends(real_gate_dependency)])
    def overridden():
        return {"overridden": True}

    app.dependency_overrides[real_gate_dependency] = lambda: None
    return app


test_scopes_and_app_dependencies = parity_test(build_scopes, [
    call("GET", "/missing", 404, id="app dependencies do not run for unknown paths"),
    call("GET", "/log", 401, id="app dependency rejects"),
    sequence(call("GET", "/stream", 200, headers={"x-key": "k"}), call("GET", "/log", 200, headers={"x-key": "k"}),
             id="scope=function exits before the response streams, request scope after"),
    call("GET", "/refused", 423, headers={"x-key": "k"}, id="async generator dependency raising before yield"),
    call("GET", "/overridden", 200, headers={"x-key": "k"}, id="override of a decorator dependency"),
])


def build_wrapped(fw):
    """Dependencies hidden behind `functools.partial`, a `functools.wraps` decorator or an instance's
    method: each still runs as what it is (awaited, threaded, entered as a generator)."""
    import functools

    closed = []

    def logged(function):
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            return function(*args, **kwargs)
        return wrapper

    def prefixed(prefix: str, value: str = "v") -> str:
        return prefix + value

    async def async_prefixed(prefix: str, value: str = "v") -> str:
        return "async " + prefix + value

    def gen_prefixed(prefix: str, value: str = "v"):
        yield "gen " + prefix + value
        closed.append(prefix)

    async def agen_prefixed(prefix: str, value: str = "v"):
        yield "agen " + prefix + value
        closed.append(prefix)

    @logged
    async def wrapped_agen(value: str = "v"):
        yield "wrapped agen " + value
        closed.append("wrapped")

    @logged
    async def wrapped_async(value: str = "v") -> str:
        return "wrapped async " + value

    class Source:
        async def agen(self, value: str = "v"):
            yield "method " + value
            closed.append("method")

    app = fw.API()

    @app.get("/all")
    async def read_all(
        a: Annotated[str, fw.Depends(functools.partial(prefixed, "p:"))],
        b: Annotated[str, fw.Depends(functools.partial(async_prefixed, "p:"))],
        c: Annotated[str, fw.Depends(functools.partial(gen_prefixed, "g:"))],
        d: Annotated[str, fw.Depends(functools.partial(agen_prefixed, "a:"))],
        e: Annotated[str, fw.Depends(wrapped_agen)],
        f: Annotated[str, fw.Depends(wrapped_async)],
        g: Annotated[str, fw.Depends(Source().agen)],
    ):
        return [a, b, c, d, e, f, g]

    @app.get("/closed")
    def read_closed():
        return sorted(closed)

    return app


test_wrapped_dependencies = parity_test(build_wrapped, [
    call("GET", "/all?value=x", 200),
    sequence(("GET", "/all", 200), ("GET", "/closed", 200), id="generators closed"),
])


def build_shared_markers(fw):
    """One marker in many places (an `Annotated` alias, a router's `dependencies`, a router included
    twice): each place still reads its own path parameters and scopes."""

    def item_id(item_id: str = "none"):
        return item_id

    ItemId = Annotated[str, fw.Depends(item_id)]  # noqa: N806 - an alias, as users name them

    def scopes(security_scopes: fw.security.SecurityScopes):
        return security_scopes.scopes

    def tenant(tenant: str, x_tenant: Optional[str] = fw.Header(None)):
        if x_tenant not in (None, tenant):
            raise fw.HTTPException(status_code=403, detail="another tenant")

    router = fw.APIRouter(dependencies=[fw.Depends(tenant)])

    @router.get("/items/{item_id}")
    def read(item: ItemId, granted: list = fw.Security(scopes, scopes=["read"])):
        return {"item": item, "granted": granted}

    @router.get("/items")
    def read_all(item: ItemId, granted: list = fw.Security(scopes, scopes=["list"])):
        return {"item": item, "granted": granted}

    app = fw.API()
    app.include_router(router, prefix="/{tenant}")
    app.include_router(router, prefix="/admin/{tenant}", dependencies=[fw.Security(scopes, scopes=["admin"])])

    @app.get("/plain/{item_id}")
    def plain(item: ItemId):
        return {"item": item}

    return app


test_shared_markers = parity_test(build_shared_markers, [
    call("GET", "/acme/items/7", 200),
    call("GET", "/acme/items?item_id=3", 200, id="the same marker reads a query parameter where the path has none"),
    call("GET", "/acme/items", 200),
    call("GET", "/admin/acme/items/7", 200, id="the included router's own dependency adds its scopes"),
    call("GET", "/admin/acme/items/7", 403, headers={"x-tenant": "other"}),
    call("GET", "/acme/items/7", 403, headers={"x-tenant": "other"}),
    call("GET", "/plain/9", 200),
])
