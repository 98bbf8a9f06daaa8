"""`max_body_size=` where the 413 has to travel: through `@app.middleware("http")` (whose task group
wraps it in an ExceptionGroup), from a parent app into a mounted one, to a mount or a frontend of an
included router; and a raw `bytes` body, the type such limited routes read. Both frameworks."""

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Annotated, Any

from starlette.requests import Request
from starlette.responses import PlainTextResponse

from tests.framework.parity import call, parity_test, raw_call, sequence

BUILDS = Path(__file__).parent / "frontend_builds"
OCTETS = {"content-type": "application/octet-stream"}
RAW_OCTETS = (b"content-type", b"application/octet-stream")


def chunks(*parts: bytes) -> list[bytes]:
    """A body sent chunked, without `Content-Length`: the limit counts it while it is read."""
    return list(parts)


async def echo(request: Request) -> Any:
    return PlainTextResponse(await request.body())


def build_bytes(fw: Any) -> Any:
    app = fw.API()

    @app.post("/raw")
    async def raw(data: Annotated[bytes, fw.Body(media_type="application/octet-stream")]) -> Any:
        return PlainTextResponse(data)

    @app.post("/optional")
    async def optional(data: Annotated[bytes | None, fw.Body()] = None) -> Any:
        return {"length": None if data is None else len(data)}

    @app.post("/embedded")
    async def embedded(data: Annotated[bytes, fw.Body(embed=True)]) -> Any:
        return {"text": data.decode()}

    return app


test_bytes_body = parity_test(build_bytes, [
    call("POST", "/raw", 200, content=b"12345", headers=OCTETS, id="raw bytes as sent"),
    call("POST", "/raw", 200, content=b"\xff\x00\xfe", headers=OCTETS, id="bytes that are not UTF-8"),
    call("POST", "/raw", 200, content=b"plain text", headers={"content-type": "text/plain"}),
    call("POST", "/raw", 200, content=b"no content type"),
    call("POST", "/raw", 200, json="caf\u00e9", id="a JSON string: its UTF-8"),
    call("POST", "/raw", 422, json=12345, id="a JSON number is no bytes"),
    call("POST", "/raw", 422, json={"data": "x"}, id="a JSON object is no bytes"),
    call("POST", "/raw", 422, content=b"{bad", headers={"content-type": "application/json"}),
    call("POST", "/raw", 422, content=b"", headers=OCTETS, id="no body"),
    call("POST", "/optional", 200, content=b"abc", headers=OCTETS),
    call("POST", "/optional", 200, json=None),
    call("POST", "/optional", 200, id="optional and absent"),
    call("POST", "/optional", 422, json=[1], id="a list is no bytes"),
    call("POST", "/embedded", 200, json={"data": "hello"}),
    call("POST", "/embedded", 422, json={"data": 5}),
    call("POST", "/embedded", 422, json={"other": "x"}),
])


def build_middleware(fw: Any) -> Any:
    app = fw.API(max_body_size=5)

    @app.post("/echo")
    async def read(request: Request) -> Any:
        return await echo(request)

    @app.post("/bytes")
    async def raw(data: Annotated[bytes, fw.Body(media_type="application/octet-stream")]) -> Any:
        return PlainTextResponse(data)

    @app.post("/small", max_body_size=2)
    async def small(request: Request) -> Any:
        return await echo(request)

    @app.post("/unread")
    async def unread() -> Any:
        return {"read": False}

    @app.middleware("http")
    async def pass_through(request: Any, call_next: Any) -> Any:
        return await call_next(request)

    return app


test_limit_through_middleware = parity_test(build_middleware, [
    call("POST", "/echo", 200, content=b"12345"),
    call("POST", "/echo", 413, content=chunks(b"123", b"456"), id="an endpoint reading past the limit"),
    call("POST", "/bytes", 200, content=chunks(b"12", b"345"), headers=OCTETS),
    call("POST", "/bytes", 413, content=chunks(b"123", b"456"), headers=OCTETS, id="a body field past the limit"),
    call("POST", "/bytes", 413, content=b"123456", headers=OCTETS, id="Content-Length past the limit"),
    call("POST", "/small", 413, content=b"123", id="the route's own limit"),
    call("POST", "/unread", 413, content=b"123456", id="past the limit though never read"),
    call("POST", "/unread", 200, content=b"12345"),
    raw_call("POST", "/bytes", 413, headers=[(b"content-length", b"2"), RAW_OCTETS], body=b"123456",
             id="Content-Length understating the body"),
    raw_call("POST", "/bytes", 413, headers=[(b"content-length", b"100"), RAW_OCTETS], body=b"123",
             id="a truncated body declared past the limit"),
    raw_call("POST", "/bytes", 200, headers=[(b"content-length", b"5"), RAW_OCTETS], body=b"123",
             id="a truncated body declared within the limit"),
    raw_call("POST", "/bytes", 413, headers=[(b"content-length", b"invalid"), RAW_OCTETS], body=b"123456",
             id="an invalid Content-Length"),
    sequence(call("POST", "/echo", 413, content=chunks(b"123", b"456")),
             call("POST", "/echo", 200, content=b"12345"), id="the app answers again after a 413"),
])


def build_mounted(fw: Any) -> Any:
    reading_child = fw.API()
    reading_child.post("/")(echo)

    @reading_child.middleware("http")
    async def read_first(request: Any, call_next: Any) -> Any:
        await request.body()
        return await call_next(request)

    limited_child = fw.API(max_body_size=3)
    limited_child.post("/")(echo)

    @limited_child.middleware("http")
    async def pass_through(request: Any, call_next: Any) -> Any:
        return await call_next(request)

    plain_child = fw.API()
    plain_child.post("/")(echo)
    app = fw.API(max_body_size=5)
    app.mount("/reading", reading_child)
    app.mount("/limited", limited_child)
    app.mount("/plain", plain_child)
    return app


test_limit_into_mounted_apps = parity_test(build_mounted, [
    call("POST", "/reading/", 200, content=b"12345"),
    call("POST", "/reading/", 413, content=chunks(b"123", b"456"), id="a child's middleware reads past the parent's"),
    call("POST", "/reading/", 413, content=b"123456", id="declared past the parent's limit"),
    call("POST", "/limited/", 200, content=b"123"),
    call("POST", "/limited/", 413, content=chunks(b"12", b"34"), id="the child's own limit wins"),
    call("POST", "/plain/", 200, content=b"12345"),
    call("POST", "/plain/", 413, content=chunks(b"123", b"456"), id="a plain child under the parent's limit"),
])


def build_included(fw: Any) -> Any:
    mounted = fw.API()
    mounted.post("/")(echo)
    router = fw.APIRouter()
    router.mount("/mounted", mounted)
    router.frontend("/site", directory=BUILDS / "admin")
    own = fw.APIRouter(max_body_size=8)
    own.mount("/mounted", mounted)
    app = fw.API()
    app.include_router(router, prefix="/empty", max_body_size=0)
    app.include_router(router, prefix="/small", max_body_size=5)
    app.include_router(own, prefix="/own", max_body_size=2)
    return app


test_limit_of_an_include = parity_test(build_included, [
    call("POST", "/small/mounted/", 200, content=b"12345"),
    call("POST", "/small/mounted/", 413, content=b"123456", id="a mount takes its include's limit"),
    call("POST", "/own/mounted/", 200, content=b"12345678", id="the included router's own limit wins"),
    call("POST", "/own/mounted/", 413, content=b"123456789"),
    call("GET", "/small/site/index.html", 200, content=b"x"),
    call("GET", "/empty/site/index.html", 413, content=b"x", id="a frontend takes its include's limit"),
    call("GET", "/empty/site/index.html", 200, id="a GET without a body"),
])


def build_lifespans(fw: Any) -> Any:
    async def async_lifespan(app: Any) -> AsyncIterator[dict[str, str]]:
        yield {"async_state": "from an async generator"}

    def sync_lifespan(app: Any) -> Iterator[None]:
        yield

    router = fw.APIRouter(lifespan=sync_lifespan)
    app = fw.API(lifespan=async_lifespan, max_body_size=0)
    app.include_router(router)

    @app.get("/state")
    async def state(request: Request) -> Any:
        return {"state": request.state.async_state}

    return app


test_generator_lifespans = parity_test(build_lifespans, [
    call("GET", "/state", 200, id="an async generator lifespan's state"),
])
