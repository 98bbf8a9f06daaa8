"""Server-sent events on FastAPI and asgi_api: the wire format of yielded items and of
`ServerSentEvent`s, headers, status codes, OpenAPI, and what happens when things go wrong (a bad
event, a generator that raises, a client that leaves, a request that is cancelled)."""

import dataclasses
import time
from collections.abc import AsyncIterator, Iterator
from typing import Annotated, Any, Optional

import anyio
import pytest
from starlette.requests import ClientDisconnect

from tests.framework.parity import asgi_api_namespace, call, fastapi_namespace, parity_test, run_case

STREAM_HEADERS = ["content-type", "cache-control", "x-accel-buffering"]


@dataclasses.dataclass
class Item:
    name: str
    price: float
    description: Optional[str] = None


ITEMS = [Item("plumbus", 3), Item("portal gun", 999.5, "opens portals")]


def build(fw):
    app = fw.API(title="streams")
    sse = fw.sse
    router = fw.APIRouter()

    @app.get("/typed", response_class=sse.EventSourceResponse)
    async def typed() -> AsyncIterator[Item]:
        for item in ITEMS:
            yield item

    @app.get("/typed-sync", response_class=sse.EventSourceResponse)
    def typed_sync() -> Iterator[Item]:
        yield from ITEMS

    @app.get("/dicts-fit-the-type", response_class=sse.EventSourceResponse)
    async def dicts() -> AsyncIterator[Item]:
        yield {"name": "meeseeks box", "price": 1, "secret": "dropped"}

    @app.get("/untyped", response_class=sse.EventSourceResponse)
    async def untyped():
        yield {"n": 1, "text": "two\nlines"}
        yield "plain text is JSON too"
        yield None
        yield [1.5, float("nan"), float("inf")]
        yield ITEMS[0]

    @app.get("/events", response_class=sse.EventSourceResponse)
    async def events() -> AsyncIterator[sse.ServerSentEvent]:
        yield sse.ServerSentEvent(comment="a stream of updates\nsecond comment line")
        yield sse.ServerSentEvent(data="hello", event="greeting", id="1", retry=5000)
        yield sse.ServerSentEvent(data={"key": "value", "missing": float("nan")}, event="json")
        yield sse.ServerSentEvent(data=ITEMS[1], id="2")
        yield sse.ServerSentEvent(raw_data="<p>raw</p>\r\nsecond line", event="html")
        yield sse.ServerSentEvent(raw_data="")
        yield sse.ServerSentEvent(retry="2500")  # type: ignore[arg-type]
        yield sse.ServerSentEvent()

    @app.get("/mixed", response_class=sse.EventSourceResponse)
    async def mixed() -> AsyncIterator[Item]:
        yield ITEMS[0]
        yield sse.ServerSentEvent(data="not an item, sent anyway", event="note")

    @app.get("/resume", response_class=sse.EventSourceResponse)
    async def resume(last_event_id: Annotated[Optional[int], fw.Header()] = None) -> AsyncIterator[sse.ServerSentEvent]:
        start = 0 if last_event_id is None else last_event_id + 1
        for index in range(start, 3):
            yield sse.ServerSentEvent(data=index, id=str(index))

    @app.post("/chat", response_class=sse.EventSourceResponse, status_code=201)
    async def chat(prompt: Item, response: fw.Response) -> AsyncIterator[sse.ServerSentEvent]:
        response.headers["x-model"] = "echo"
        for word in prompt.name.split():
            yield sse.ServerSentEvent(data=word, event="token")
        yield sse.ServerSentEvent(raw_data="[DONE]", event="done")

    def accepted(response: fw.Response) -> None:
        response.status_code = 202

    @app.get("/accepted", response_class=sse.EventSourceResponse, dependencies=[fw.Depends(accepted)])
    async def accepted_stream():
        yield {"ok": True}

    @router.get("/events")
    async def routed() -> AsyncIterator[Item]:
        yield ITEMS[0]

    app.include_router(router, prefix="/api", default_response_class=sse.EventSourceResponse)
    return app


test_sse = parity_test(build, [
    call("GET", "/typed", 200, headers_compared=STREAM_HEADERS),
    call("GET", "/typed-sync", 200, headers_compared=STREAM_HEADERS),
    call("GET", "/dicts-fit-the-type", 200),
    call("GET", "/untyped", 200),
    call("GET", "/events", 200, headers_compared=STREAM_HEADERS),
    call("GET", "/mixed", 200),
    call("GET", "/resume", 200),
    call("GET", "/resume", 200, headers={"last-event-id": "1"}, id="GET /resume from Last-Event-ID 1"),
    call("GET", "/resume", 422, headers={"last-event-id": "one"}, must_reject=True,
         id="GET /resume with a bad Last-Event-ID"),
    call("POST", "/chat", 201, json={"name": "hello there", "price": 1}, headers_compared=STREAM_HEADERS),
    call("POST", "/chat", 422, json={"name": "no price"}, must_reject=True),
    call("POST", "/chat", 422, content=b"{not json", headers={"content-type": "application/json"},
         must_reject=True),
    call("GET", "/accepted", 202, headers_compared=STREAM_HEADERS),
    call("GET", "/api/events", 200, headers_compared=STREAM_HEADERS),
    call("GET", "/openapi.json", 200),
])


# --- bad events, and generators that fail mid-stream -------------------------------------------------

BAD_EVENTS = [
    ({"event": "two\nlines"}, "SSE 'event' must be a single line"),
    ({"id": "two\rlines"}, "SSE 'id' must be a single line"),
    ({"id": "nul\0"}, "null"),
    ({"data": "json", "raw_data": "raw"}, "Cannot set both 'data' and 'raw_data'"),
    ({"retry": -1}, None),
    ({"retry": 1.5}, None),
    ({"retry": "soon"}, None),
    ({"event": 5}, None),
    ({"comment": ["a", "list"]}, None),
]


@pytest.mark.parametrize("namespace", [fastapi_namespace, asgi_api_namespace], ids=["fastapi", "asgi_api"])
@pytest.mark.parametrize(("fields", "message"), BAD_EVENTS, ids=[repr(fields) for fields, _ in BAD_EVENTS])
def test_invalid_event_fields_are_a_value_error(namespace: Any, fields: dict[str, Any], message: str | None) -> None:
    with pytest.raises(ValueError, match=message):
        namespace().sse.ServerSentEvent(**fields)


@pytest.mark.parametrize("namespace", [fastapi_namespace, asgi_api_namespace], ids=["fastapi", "asgi_api"])
def test_event_fields(namespace: Any) -> None:
    event = namespace().sse.ServerSentEvent(data=[1], event="e", id="7", retry=2.0, comment="c")
    fields = (event.data, event.raw_data, event.event, event.id, event.retry, event.comment)
    assert fields == ([1], None, "e", "7", 2, "c")
    assert event == namespace().sse.ServerSentEvent(data=[1], event="e", id="7", retry=2, comment="c")
    with pytest.raises(TypeError):
        namespace().sse.ServerSentEvent("positional")


def test_an_unknown_event_field() -> None:
    """A known difference: pydantic ignores an unknown keyword; a msgspec Struct refuses it."""
    assert fastapi_namespace().sse.ServerSentEvent(dat="typo").data is None
    with pytest.raises(TypeError, match="dat"):
        asgi_api_namespace().sse.ServerSentEvent(dat="typo")


def build_failing(fw):
    app = fw.API()
    sse = fw.sse

    @app.get("/raises", response_class=sse.EventSourceResponse)
    async def raises():
        yield {"n": 1}
        raise RuntimeError("the feed broke")

    @app.get("/raises-sync", response_class=sse.EventSourceResponse)
    def raises_sync():
        yield {"n": 1}
        raise RuntimeError("the feed broke")

    @app.get("/bad-event", response_class=sse.EventSourceResponse)
    async def bad_event():
        yield {"n": 1}
        yield sse.ServerSentEvent(id="two\nlines")

    @app.get("/wrong-type", response_class=sse.EventSourceResponse)
    async def wrong_type() -> AsyncIterator[int]:
        yield 1
        yield "not a number"  # type: ignore[misc]

    return app


@pytest.mark.parametrize("path", ["/raises", "/raises-sync", "/bad-event", "/wrong-type"])
def test_an_error_mid_stream_ends_it_unfinished_and_reaches_the_server(path: str) -> None:
    """The 200 and the events before the error are out; the stream then ends without its last
    chunk and the exception reaches the server (which logs it), on both. FastAPI may lose the
    events still queued; asgi_api sends them, and raises the endpoint's exception itself."""
    expected, = run_case(build_failing, fastapi_namespace(), call("GET", path))  # type: ignore[misc]
    actual, = run_case(build_failing, asgi_api_namespace(), call("GET", path))  # type: ignore[misc]
    first = b'data: {"n": 1}\n\n' if path != "/wrong-type" else b"data: 1\n\n"
    assert expected.status == actual.status == 200
    assert expected.errors and actual.errors
    assert first.startswith(expected.body)
    assert actual.body == first
    assert actual.errors[0].split(":")[0] == {"/bad-event": "ValueError", "/wrong-type": "ResponseValidationError"}.get(
        path, "RuntimeError")


# --- the client leaves, the request is cancelled ---------------------------------------------------------

def build_endless(fw, closed: list[str]):
    app = fw.API()

    @app.get("/endless", response_class=fw.sse.EventSourceResponse)
    async def endless():
        try:
            count = 0
            while True:
                yield count
                count += 1
                await anyio.sleep(0.01)
        finally:
            closed.append("async")

    @app.get("/endless-sync", response_class=fw.sse.EventSourceResponse)
    def endless_sync():
        try:
            count = 0
            while True:
                yield count
                count += 1
                time.sleep(0.01)
        finally:
            closed.append("sync")

    @app.get("/busy", response_class=fw.sse.EventSourceResponse)
    async def busy():  # never awaits: only the response's checkpoints let a cancellation in
        while True:
            yield "again"

    return app


def _scope(path: str, spec_version: str) -> dict[str, Any]:
    return {"type": "http", "asgi": {"version": "3.0", "spec_version": spec_version}, "http_version": "1.1",
            "method": "GET", "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
            "headers": [], "server": ("testserver", 80), "client": ("testclient", 50000)}


async def _no_disconnect() -> dict[str, Any]:
    """An ASGI `receive` for a client that stays (or a server that reports nothing)."""
    await anyio.sleep_forever()
    raise AssertionError


@pytest.mark.parametrize("namespace", [fastapi_namespace, asgi_api_namespace], ids=["fastapi", "asgi_api"])
def test_a_client_that_leaves_closes_the_generator(namespace: Any) -> None:
    """ASGI < 2.4: the server says `http.disconnect`; the response stops and the generator's
    `finally` runs before the app returns."""
    closed: list[str] = []
    app = build_endless(namespace(), closed)
    chunks: list[bytes] = []

    async def run() -> None:
        first = anyio.Event()

        async def receive() -> dict[str, Any]:
            await first.wait()
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.body":
                chunks.append(message["body"])
                first.set()

        with anyio.fail_after(5):
            await app(_scope("/endless", "2.3"), receive, send)

    anyio.run(run)
    assert chunks[0] == b"data: 0\n\n"
    assert closed == ["async"]


@pytest.mark.parametrize(("path", "kind"), [("/endless", "async"), ("/endless-sync", "sync")])
def test_a_send_that_fails_closes_the_generator(path: str, kind: str) -> None:
    """ASGI 2.4: the server's `send` raises once the client is gone. Starlette's `ClientDisconnect`
    ends the request (as on FastAPI), and asgi_api closes the generator, a sync one too."""
    closed: list[str] = []
    app = build_endless(asgi_api_namespace(), closed)
    chunks: list[bytes] = []

    async def run() -> None:
        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.body":
                if len(chunks) == 2:
                    raise OSError("connection reset")
                chunks.append(message["body"])

        with anyio.fail_after(5):
            await app(_scope(path, "2.4"), _no_disconnect, send)

    with pytest.raises(ClientDisconnect):
        anyio.run(run)
    assert chunks == [b"data: 0\n\n", b"data: 1\n\n"]
    assert closed == [kind]


@pytest.mark.parametrize("namespace", [fastapi_namespace, asgi_api_namespace], ids=["fastapi", "asgi_api"])
def test_a_generator_that_never_awaits_can_be_cancelled(namespace: Any) -> None:
    app = build_endless(namespace(), [])
    chunks: list[bytes] = []

    async def run() -> bool:
        async def send(message: dict[str, Any]) -> None:
            chunks.append(message.get("body", b""))

        with anyio.move_on_after(0.3) as scope:
            await app(_scope("/busy", "2.3"), _no_disconnect, send)
        return scope.cancelled_caught

    assert anyio.run(run)
    assert b'data: "again"\n\n' in chunks


# --- keep-alive comments -----------------------------------------------------------------------------------

def build_slow(fw):
    app = fw.API()

    @app.get("/slow", response_class=fw.sse.EventSourceResponse)
    async def slow():
        yield {"n": 1}
        await anyio.sleep(0.35)
        yield {"n": 2}

    @app.get("/slow-sync", response_class=fw.sse.EventSourceResponse)
    def slow_sync():
        yield {"n": 1}
        time.sleep(0.35)
        yield {"n": 2}

    return app


@pytest.mark.parametrize("path", ["/slow", "/slow-sync"])
@pytest.mark.parametrize("framework", ["fastapi", "asgi_api"])
def test_an_idle_stream_sends_ping_comments(monkeypatch: pytest.MonkeyPatch, framework: str, path: str) -> None:
    import fastapi.routing

    import asgi_api.sse

    monkeypatch.setattr(fastapi.routing, "_PING_INTERVAL", 0.1)
    monkeypatch.setattr(asgi_api.sse, "_PING_INTERVAL", 0.1)
    outcome, = run_case(build_slow, fastapi_namespace() if framework == "fastapi" else asgi_api_namespace(),  # type: ignore[misc]
                        call("GET", path))
    text = outcome.body.decode()
    assert text.startswith('data: {"n": 1}\n\n: ping\n\n')
    assert text.endswith(': ping\n\ndata: {"n": 2}\n\n')
    assert set(text.split("\n\n")[1:-2]) == {": ping"}


def test_a_busy_stream_sends_no_ping() -> None:
    outcome, = run_case(build, asgi_api_namespace(), call("GET", "/typed"))  # type: ignore[misc]
    assert b": ping" not in outcome.body
