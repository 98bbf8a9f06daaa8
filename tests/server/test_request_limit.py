"""RequestLimitMiddleware: concurrency never exceeds the limit, waiting requests are served, not
rejected; only the chosen methods are limited; lifespan and websockets are never held up."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import httpx
import pytest
from anyio.abc import TaskGroup
from starlette.requests import Request
from starlette.websockets import WebSocket

from asgi_api import API
from asgi_api.middleware.request_limit import RequestLimitMiddleware

pytestmark = pytest.mark.anyio

WRITES = {"POST", "PUT", "PATCH", "DELETE"}


class Gauge:
    """Counts the requests inside an endpoint: now, and the most at any one time."""

    def __init__(self) -> None:
        self.now = 0
        self.peak = 0

    def enter(self) -> None:
        self.now += 1
        self.peak = max(self.peak, self.now)

    def leave(self) -> None:
        self.now -= 1


class Held:
    """An endpoint that stays inside the app until released: it occupies one place in the limit."""

    def __init__(self) -> None:
        self.entered = anyio.Event()
        self.release = anyio.Event()

    async def __call__(self) -> None:
        self.entered.set()
        await self.release.wait()


def make_app(gauges: dict[str, Gauge], held: Held | None = None, events: list[str] | None = None) -> API:
    """Every method of `/work` visits the gauge named after it and the one named "all"."""

    @asynccontextmanager
    async def lifespan(app: API) -> AsyncIterator[None]:
        if events is not None:
            events.append("startup")
        yield
        if events is not None:
            events.append("shutdown")

    app = API(lifespan=lifespan, openapi_url=None)

    @app.api_route("/work", methods=["GET", "POST", "PUT", "DELETE"])
    async def work(request: Request) -> str:
        visited = [gauges.setdefault(request.method, Gauge()), gauges.setdefault("all", Gauge())]
        for gauge in visited:
            gauge.enter()
        try:
            await anyio.sleep(0.05)
        finally:
            for gauge in visited:
                gauge.leave()
        return request.method

    @app.post("/hold")
    async def hold() -> str:
        assert held is not None
        await held()
        return "released"

    @app.get("/fail")
    async def fail() -> None:
        raise RuntimeError("boom")

    @app.websocket("/ws")
    async def echo(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text(f"echo {await websocket.receive_text()}")
        await websocket.close()

    return app


def client_for(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),
                             base_url="http://test")


async def run_all(client: httpx.AsyncClient, methods: list[str]) -> list[httpx.Response]:
    """Sends one request per method to `/work`, all at once, and collects the responses."""
    responses: list[httpx.Response] = []

    async def send(method: str) -> None:
        responses.append(await client.request(method, "/work"))

    async with anyio.create_task_group() as tasks:
        for method in methods:
            tasks.start_soon(send, method)
    return responses


@pytest.mark.parametrize("limit", [1, 5])
async def test_concurrency_never_exceeds_the_limit_and_every_request_is_served(limit: int) -> None:
    gauges: dict[str, Gauge] = {}
    methods = ["GET", "POST", "PUT", "DELETE", "GET"] * 10
    with anyio.fail_after(20):
        async with client_for(RequestLimitMiddleware(make_app(gauges), limit=limit)) as client:
            responses = await run_all(client, methods)
    assert sorted(response.json() for response in responses) == sorted(methods)
    assert all(response.status_code == 200 for response in responses)
    assert gauges["all"].peak == limit


async def test_only_the_given_methods_are_limited() -> None:
    gauges: dict[str, Gauge] = {}
    app = RequestLimitMiddleware(make_app(gauges), limit=2, methods={"post"})
    with anyio.fail_after(20):
        async with client_for(app) as client:
            responses = await run_all(client, ["GET", "POST", "PUT", "DELETE"] * 10)
    assert all(response.status_code == 200 for response in responses)
    assert gauges["POST"].peak == 2
    assert gauges["GET"].peak == gauges["PUT"].peak == gauges["DELETE"].peak == 10


async def test_reads_pass_while_a_write_holds_the_only_place() -> None:
    gauges: dict[str, Gauge] = {}
    held = Held()
    app = RequestLimitMiddleware(make_app(gauges, held), limit=1, methods=WRITES)
    finished: list[str] = []

    async def send(method: str, path: str) -> None:
        finished.append((await client.request(method, path)).json())

    with anyio.fail_after(10):
        async with client_for(app) as client, anyio.create_task_group() as tasks:
            tasks.start_soon(send, "POST", "/hold")
            await held.entered.wait()
            tasks.start_soon(send, "POST", "/work")
            while app.limiter.statistics().tasks_waiting < 1:
                await anyio.sleep(0.001)
            assert (await client.get("/work")).json() == "GET"
            assert finished == [] and "POST" not in gauges
            held.release.set()
    assert finished == ["released", "POST"]


async def test_waiting_requests_are_served_in_arrival_order() -> None:
    held = Held()
    app = RequestLimitMiddleware(make_app({}, held), limit=1)
    order: list[int] = []

    async def send(number: int) -> None:
        await client.get("/work")
        order.append(number)

    with anyio.fail_after(10):
        async with client_for(app) as client, anyio.create_task_group() as tasks:
            tasks.start_soon(client.post, "/hold")
            await held.entered.wait()
            for number in range(5):
                tasks.start_soon(send, number)
                while app.limiter.statistics().tasks_waiting < number + 1:
                    await anyio.sleep(0.001)
            held.release.set()
    assert order == [0, 1, 2, 3, 4]


async def test_a_failing_request_gives_its_place_back() -> None:
    app = RequestLimitMiddleware(make_app({}), limit=1)
    with anyio.fail_after(10):
        async with client_for(app) as client:
            assert (await client.get("/fail")).status_code == 500
            assert (await client.get("/work")).json() == "GET"
    assert app.limiter.borrowed_tokens == 0


async def hold_the_only_place(app: RequestLimitMiddleware, held: Held, client: httpx.AsyncClient,
                              tasks: TaskGroup) -> None:
    tasks.start_soon(client.post, "/hold")
    await held.entered.wait()
    assert app.limiter.available_tokens == 0


async def test_lifespan_passes_through_while_the_limit_is_reached() -> None:
    held, events = Held(), []
    app = RequestLimitMiddleware(make_app({}, held, events), limit=1)
    to_app = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
    sent: list[str] = []

    async def receive() -> dict[str, Any]:
        return to_app.pop(0)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message["type"])

    with anyio.fail_after(10):
        async with client_for(app) as client, anyio.create_task_group() as tasks:
            await hold_the_only_place(app, held, client, tasks)
            await app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}, receive, send)
            held.release.set()
    assert events == ["startup", "shutdown"]
    assert sent == ["lifespan.startup.complete", "lifespan.shutdown.complete"]


async def test_websocket_passes_through_while_the_limit_is_reached() -> None:
    held = Held()
    app = RequestLimitMiddleware(make_app({}, held), limit=1)
    to_app = [{"type": "websocket.connect"}, {"type": "websocket.receive", "text": "hi"}]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return to_app.pop(0) if to_app else {"type": "websocket.disconnect", "code": 1000}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "websocket", "asgi": {"version": "3.0"}, "path": "/ws", "raw_path": b"/ws", "root_path": "",
             "query_string": b"", "headers": [(b"host", b"test")], "scheme": "ws", "subprotocols": [],
             "server": ("test", 80), "client": ("127.0.0.1", 1)}
    with anyio.fail_after(10):
        async with client_for(app) as client, anyio.create_task_group() as tasks:
            await hold_the_only_place(app, held, client, tasks)
            await app(scope, receive, send)
            held.release.set()
    assert [message["type"] for message in sent] == ["websocket.accept", "websocket.send", "websocket.close"]
    assert sent[1]["text"] == "echo hi"


def test_built_outside_an_event_loop_and_used_in_several() -> None:
    gauges: dict[str, Gauge] = {}
    app = RequestLimitMiddleware(make_app(gauges), limit=3)

    async def burst() -> None:
        with anyio.fail_after(20):
            async with client_for(app) as client:
                responses = await run_all(client, ["GET"] * 10)
        assert all(response.status_code == 200 for response in responses)

    for _ in range(2):
        anyio.run(burst)
    assert gauges["all"].peak == 3


def test_rejects_arguments_that_would_misbehave() -> None:
    with pytest.raises(TypeError, match="collection of method names"):
        RequestLimitMiddleware(make_app({}), limit=1, methods="POST")
    with pytest.raises(ValueError, match="at least 1"):
        RequestLimitMiddleware(make_app({}), limit=0)
    assert RequestLimitMiddleware(make_app({}), limit=1, methods=["post", "Put"]).methods == {"POST", "PUT"}
