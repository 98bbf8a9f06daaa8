"""Drive ASGI apps in this process through the raw ASGI interface and count requests per second.

Calling `await app(scope, receive, send)` directly measures the framework alone: no sockets, no
HTTP parser, no server. Every app gets the same scope, the same `receive` and the same `send`,
so the harness's own cost per request is identical for all peers.
"""

from __future__ import annotations

import asyncio
import gc
import json
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

Message = MutableMapping[str, Any]
Scope = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

ASGI = {"version": "3.0", "spec_version": "2.3"}
DISCONNECT: Message = {"type": "http.disconnect"}


class BenchError(Exception):
    """An app answered wrongly or broke its lifespan: its figures would mean nothing."""


@dataclass(frozen=True)
class Endpoint:
    """One request every peer must answer identically: what to send and what must come back."""

    name: str
    method: str
    path: str
    query: bytes
    body: bytes
    status: int
    expected: Any  # the response body, parsed from JSON
    peers: tuple[str, ...] = ()  # the apps that have this endpoint; () for all


CREATE_BODY = {"name": "widget", "price": 2.5, "tags": ["x", "y"]}

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("health", "GET", "/health", query=b"", body=b"", status=200, expected=True),
    Endpoint(
        "read",
        "GET",
        "/items/42",
        query=b"q=hello&limit=5",
        body=b"",
        status=200,
        expected={"id": 42, "name": "item-42", "price": 9.99, "tags": ["a", "b"], "q": "hello", "limit": 5},
    ),
    Endpoint(
        "create",
        "POST",
        "/items",
        query=b"",
        body=json.dumps(CREATE_BODY).encode(),
        status=201,
        expected={"id": 1, **CREATE_BODY, "q": None, "limit": 10},
    ),
    Endpoint(
        "create with a pydantic model",
        "POST",
        "/pydantic/items",
        query=b"",
        body=json.dumps(CREATE_BODY).encode(),
        status=201,
        expected={"id": 1, **CREATE_BODY, "q": None, "limit": 10},
        peers=("asgi_api", "FastAPI"),
    ),
)

# Requests every peer must refuse (400 in Litestar, 422 elsewhere): proof that the constraints are
# really checked on the timed path, so no peer is fast for skipping validation.
INVALID: tuple[Endpoint, ...] = (
    Endpoint("read", "GET", "/items/42", b"limit=0", b"", 422, None),
    Endpoint("read", "GET", "/items/42", b"limit=101", b"", 422, None),
    Endpoint("read", "GET", "/items/42", b"limit=ten", b"", 422, None),
    Endpoint("create", "POST", "/items", b"", b'{"name": "widget"}', 422, None),
    Endpoint("create", "POST", "/items", b"", b'{"name": "widget", "price": "free"}', 422, None),
    Endpoint("create with a pydantic model", "POST", "/pydantic/items", b"", b'{"name": "", "price": 0}', 422, None,
             peers=("asgi_api", "FastAPI")),
)
REJECTED = (400, 422)


@dataclass(frozen=True)
class Settings:
    """How much to run: a warm-up, then `rounds` timed batches of `requests`, within `budget_s`.

    By default a batch is timed in CPU seconds of this process (`time.process_time`), not wall
    seconds: the apps run on one thread with nothing to wait for, so the two agree on an idle
    machine, but CPU time does not count the time slices other processes take, which on a busy
    2-core machine swing wall-clock figures by 2x from run to run. `wall_clock=True` times with
    `time.perf_counter` instead.
    """

    warmup: int = 500
    rounds: int = 7  # best of several: disturbances (cache misses, preemption) only slow a round down
    requests: int = 2000
    budget_s: float = 15.0  # per endpoint, all apps together; at least one round always runs
    wall_clock: bool = False

    @property
    def clock(self) -> Callable[[], float]:
        return time.perf_counter if self.wall_clock else time.process_time


def build_scope(endpoint: Endpoint) -> Scope:
    """The HTTP scope a server such as uvicorn would hand the app for this request."""
    headers = [(b"host", b"127.0.0.1:8000"), (b"user-agent", b"bench"), (b"accept", b"*/*")]
    if endpoint.body:
        headers.append((b"content-type", b"application/json"))
        headers.append((b"content-length", str(len(endpoint.body)).encode()))
    return {
        "type": "http",
        "asgi": ASGI,
        "http_version": "1.1",
        "method": endpoint.method,
        "scheme": "http",
        "path": endpoint.path,
        "raw_path": endpoint.path.encode(),
        "query_string": endpoint.query,
        "root_path": "",
        "headers": headers,
        "server": ("127.0.0.1", 8000),
        "client": ("127.0.0.1", 51000),
    }


class OneBody:
    """`receive` for one request: the whole body once, then `http.disconnect` (as a closed client)."""

    __slots__ = ("message",)

    def __init__(self, body: bytes) -> None:
        self.message: Message = {"type": "http.request", "body": body, "more_body": False}

    async def __call__(self) -> Message:
        message, self.message = self.message, DISCONNECT
        return message


async def discard(message: Message) -> None:
    """`send` for timed requests: the cheapest possible, so the app's own cost dominates."""


async def next_message(queue: asyncio.Queue[Message], task: asyncio.Task[None]) -> Message:
    """The app's next lifespan message, or the app's own exception if it stopped instead."""
    getter = asyncio.ensure_future(queue.get())
    done, _ = await asyncio.wait({getter, task}, return_when=asyncio.FIRST_COMPLETED)
    if getter in done:
        return getter.result()
    getter.cancel()
    task.result()  # re-raises whatever ended the app
    raise BenchError("the app returned from its lifespan without answering")


async def start_lifespan(app: ASGIApp, state: dict[str, Any]) -> Callable[[], Awaitable[None]]:
    """Run the ASGI lifespan startup (Litestar needs it) and return the matching shutdown."""
    to_app: asyncio.Queue[Message] = asyncio.Queue()
    from_app: asyncio.Queue[Message] = asyncio.Queue()
    scope = {"type": "lifespan", "asgi": ASGI, "state": state}
    task = asyncio.create_task(app(scope, to_app.get, from_app.put))  # type: ignore[arg-type]
    await to_app.put({"type": "lifespan.startup"})
    message = await next_message(from_app, task)
    if message["type"] != "lifespan.startup.complete":
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)  # collected, so no "never retrieved" noise
        raise BenchError(f"lifespan startup failed: {message}")

    async def shutdown() -> None:
        await to_app.put({"type": "lifespan.shutdown"})
        message = await next_message(from_app, task)
        if message["type"] != "lifespan.shutdown.complete":
            raise BenchError(f"lifespan shutdown failed: {message}")
        await task

    return shutdown


async def request_once(
    app: ASGIApp, template: Scope, state: dict[str, Any], body: bytes
) -> tuple[int, dict[bytes, bytes], bytes]:
    """One request with every sent message kept: status, headers (lower-cased names) and body."""
    messages: list[Message] = []

    async def collect(message: Message) -> None:
        messages.append(message)

    await app({**template, "state": state.copy()}, OneBody(body), collect)
    if not messages or messages[0]["type"] != "http.response.start":
        raise BenchError(f"no http.response.start, got {messages!r}")
    headers = {name.lower(): value for name, value in messages[0].get("headers", [])}
    content = b"".join(m.get("body", b"") for m in messages[1:] if m["type"] == "http.response.body")
    return messages[0]["status"], headers, content


async def verify(name: str, app: ASGIApp, endpoint: Endpoint, state: dict[str, Any]) -> None:
    """Check status, JSON content type and body before timing, so no wrong app gets a figure."""
    where = f"{name} {endpoint.method} {endpoint.path}"
    try:
        status, headers, content = await request_once(app, build_scope(endpoint), state, endpoint.body)
    except BenchError as exc:
        raise BenchError(f"{where}: {exc}") from None
    except Exception as exc:
        raise BenchError(f"{where}: the app raised {exc!r}") from exc
    if status != endpoint.status:
        raise BenchError(f"{where}: status {status}, expected {endpoint.status}; body {content!r}")
    if not headers.get(b"content-type", b"").startswith(b"application/json"):
        raise BenchError(f"{where}: content-type {headers.get(b'content-type')!r}, expected JSON")
    try:
        parsed = json.loads(content)
    except ValueError:
        raise BenchError(f"{where}: body is not JSON: {content!r}") from None
    if parsed != endpoint.expected:
        raise BenchError(f"{where}: body {parsed!r}, expected {endpoint.expected!r}")


async def verify_rejects(name: str, app: ASGIApp, endpoint: Endpoint, state: dict[str, Any]) -> None:
    """Check that an invalid request is refused with 400 or 422."""
    where = f"{name} {endpoint.method} {endpoint.path}?{endpoint.query.decode()} {endpoint.body.decode()}"
    try:
        status, _, content = await request_once(app, build_scope(endpoint), state, endpoint.body)
    except Exception as exc:
        raise BenchError(f"{where}: the app raised {exc!r}") from exc
    if status not in REJECTED:
        raise BenchError(f"{where}: status {status}, expected one of {REJECTED}; body {content!r}")


async def run_batch(
    app: ASGIApp, template: Scope, state: dict[str, Any], body: bytes, n: int, clock: Callable[[], float]
) -> float:
    """Seconds taken by `n` sequential requests; every request gets its own scope, as from a server."""
    start = clock()
    for _ in range(n):
        await app({**template, "state": state.copy()}, OneBody(body), discard)
    return clock() - start


async def measure_endpoint(
    apps: dict[str, ASGIApp], states: dict[str, dict[str, Any]], endpoint: Endpoint, settings: Settings
) -> dict[str, float]:
    """Best requests/s per app; rounds alternate between apps so drift and noise hit all alike."""
    template = build_scope(endpoint)
    for name, app in apps.items():
        await run_batch(app, template, states[name], endpoint.body, settings.warmup, settings.clock)
    best = dict.fromkeys(apps, 0.0)
    deadline = time.perf_counter() + settings.budget_s
    for _ in range(settings.rounds):
        for name, app in apps.items():
            gc.collect()  # don't bill one app for the garbage the previous one left
            elapsed = await run_batch(
                app, template, states[name], endpoint.body, settings.requests, settings.clock
            )
            best[name] = max(best[name], settings.requests / elapsed)
            # The batch discarded its responses: check the app still answers correctly after it.
            await verify(name, app, endpoint, states[name])
        if time.perf_counter() > deadline:
            break
    return best


def _serves(name: str, endpoint: Endpoint) -> bool:
    return not endpoint.peers or name in endpoint.peers


async def run_all(apps: dict[str, ASGIApp], settings: Settings) -> dict[str, dict[str, float]]:
    """Start every app, check its answers (valid and invalid requests), then time every endpoint on
    every app: {endpoint: {app: requests/s}}."""
    states: dict[str, dict[str, Any]] = {name: {} for name in apps}
    shutdowns: list[Callable[[], Awaitable[None]]] = []
    try:
        for name, app in apps.items():
            try:
                shutdowns.append(await start_lifespan(app, states[name]))
            except Exception as exc:
                raise BenchError(f"{name}: lifespan startup: {exc!r}") from exc
        for name, app in apps.items():
            for endpoint in ENDPOINTS:
                if _serves(name, endpoint):
                    await verify(name, app, endpoint, states[name])
            for endpoint in INVALID:
                if _serves(name, endpoint):
                    await verify_rejects(name, app, endpoint, states[name])
        return {
            endpoint.name: await measure_endpoint(
                {name: app for name, app in apps.items() if _serves(name, endpoint)}, states, endpoint, settings)
            for endpoint in ENDPOINTS
        }
    finally:
        for shutdown in shutdowns:
            await shutdown()
