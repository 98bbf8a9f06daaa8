"""`Depends(max_concurrency=n)`: at most n calls inside the dependency at once, on FastAPI and asgi_api.

Each app is written once and built on both frameworks. The limit belongs to the `Depends(...)` object:
routes sharing it share the limit; a waiting call holds no worker thread; a generator dependency
keeps its place until its cleanup ends; errors and cancellation give the place back.
"""

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Annotated, Any

import anyio
import anyio.from_thread
import anyio.to_thread
import httpx
import pytest

from tests.framework.parity import asgi_api_namespace, fastapi_namespace

pytestmark = [pytest.mark.anyio, pytest.mark.parametrize("framework", ["fastapi", "asgi_api"])]


def namespace(framework: str) -> Any:
    return fastapi_namespace() if framework == "fastapi" else asgi_api_namespace()


@asynccontextmanager
async def client_for(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    """A client whose requests fail the test instead of hanging when a place is never given back."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        with anyio.fail_after(5):
            yield client


class Probe:
    """Counts the calls inside a dependency; they stay there until `release` is set."""

    def __init__(self, until_inside: int) -> None:
        self.inside = self.peak = self.calls = 0
        self.until_inside = until_inside
        self.all_inside = anyio.Event()
        self.release = anyio.Event()

    def enter(self) -> None:
        self.inside += 1
        self.calls += 1
        self.peak = max(self.peak, self.inside)
        if self.inside == self.until_inside:
            self.all_inside.set()

    def leave(self) -> None:
        self.inside -= 1

    def dependency(self, kind: str) -> Callable[..., Any]:
        async def asynchronous() -> str:
            self.enter()
            try:
                await self.release.wait()
                return "ok"
            finally:
                self.leave()

        def synchronous() -> str:  # runs in a worker thread
            anyio.from_thread.run_sync(self.enter)
            try:
                anyio.from_thread.run(self.release.wait)
                return "ok"
            finally:
                anyio.from_thread.run_sync(self.leave)

        async def generator() -> AsyncIterator[str]:
            self.enter()
            try:
                await self.release.wait()
                yield "ok"
            finally:
                self.leave()

        return {"async": asynchronous, "sync": synchronous, "generator": generator}[kind]


async def send_all(client: httpx.AsyncClient, paths: list[str], probe: Probe,
                   while_waiting: Callable[[], None] = lambda: None) -> list[Any]:
    """Send every request at once; once `probe` has its calls inside and the rest wait, check that no
    more got in (and `while_waiting`), then let them all through."""
    answers: list[Any] = []

    async def send(path: str) -> None:
        answers.append((await client.get(path)).json())

    async with anyio.create_task_group() as group:
        for path in paths:
            group.start_soon(send, path)
        await probe.all_inside.wait()
        await anyio.wait_all_tasks_blocked()
        assert probe.inside == probe.until_inside
        while_waiting()
        probe.release.set()
    return answers


@pytest.mark.parametrize("kind", ["async", "sync", "generator"])
async def test_one_declaration_limits_every_route_using_it(framework: str, kind: str) -> None:
    fw = namespace(framework)
    probe = Probe(until_inside=2)
    declaration = fw.Depends(probe.dependency(kind), max_concurrency=2)
    Value = Annotated[str, declaration]
    app = fw.API()
    router = fw.APIRouter(dependencies=[declaration])

    @app.get("/one")
    @app.get("/two")
    async def endpoint(value: Value) -> str:
        return value

    @router.get("/three")
    async def by_router() -> str:
        return "ok"

    app.include_router(router)
    workers = anyio.to_thread.current_default_thread_limiter()

    def while_waiting() -> None:
        # The four waiting calls hold no worker thread.
        assert workers.borrowed_tokens == (2 if kind == "sync" else 0)

    async with client_for(app) as client:
        answers = await send_all(client, ["/one", "/two", "/three"] * 2, probe, while_waiting)
    assert answers == ["ok"] * 6
    assert (probe.calls, probe.peak, probe.inside) == (6, 2, 0)


async def test_each_declaration_has_its_own_limit(framework: str) -> None:
    fw = namespace(framework)
    probe = Probe(until_inside=2)
    dependency = probe.dependency("generator")
    app = fw.API()

    @app.get("/one")
    async def one(value: Annotated[str, fw.Depends(dependency, max_concurrency=1)]) -> str:
        return value

    @app.get("/two")
    async def two(value: Annotated[str, fw.Depends(dependency, max_concurrency=1)]) -> str:
        return value

    async with client_for(app) as client:  # both are inside at once
        assert await send_all(client, ["/one", "/two"], probe) == ["ok", "ok"]


async def test_an_override_runs_within_its_declarations_limit(framework: str) -> None:
    fw = namespace(framework)
    probe = Probe(until_inside=1)
    app = fw.API()

    async def original() -> str:
        raise AssertionError("overridden")

    app.dependency_overrides[original] = probe.dependency("async")

    @app.get("/")
    async def endpoint(value: Annotated[str, fw.Depends(original, max_concurrency=1)]) -> str:
        return value

    async with client_for(app) as client:
        assert await send_all(client, ["/"] * 3, probe) == ["ok"] * 3
    assert probe.peak == 1


@pytest.mark.parametrize(("use_cache", "calls"), [(True, 1), (False, 2)])
async def test_a_value_reused_from_the_cache_takes_no_place(framework: str, use_cache: bool, calls: int) -> None:
    fw = namespace(framework)
    made: list[int] = []

    async def dependency() -> AsyncIterator[int]:
        made.append(len(made))
        yield made[-1]

    declaration = fw.Depends(dependency, use_cache=use_cache, max_concurrency=calls)
    app = fw.API()

    @app.get("/")
    async def endpoint(a: Annotated[int, declaration], b: Annotated[int, declaration]) -> list[int]:
        return [a, b]

    async with client_for(app) as client:
        assert (await client.get("/")).json() == ([0, 0] if use_cache else [0, 1])
        assert (await client.get("/")).status_code == 200  # every place was given back


@pytest.mark.parametrize("failure", ["dependency", "endpoint", "cleanup"])
async def test_errors_give_the_place_back(framework: str, failure: str) -> None:
    fw = namespace(framework)
    closed: list[str] = []

    async def dependency(request: fw.Request) -> AsyncIterator[str]:
        failing = request.url.path == "/fail"
        if failing and failure == "dependency":
            raise fw.HTTPException(409, "busy")
        try:
            yield "ok"
        finally:
            closed.append(request.url.path)
            if failing and failure == "cleanup":
                raise fw.HTTPException(409, "busy")

    app = fw.API()

    @app.get("/{action}")
    async def endpoint(action: str, value: Annotated[str, fw.Depends(dependency, max_concurrency=1,
                                                                      scope="function")]) -> str:
        if action == "fail" and failure == "endpoint":
            raise fw.HTTPException(409, "busy")
        return value

    async with client_for(app) as client:
        failed = await client.get("/fail")
        assert (failed.status_code, failed.json()) == (409, {"detail": "busy"})
        assert (await client.get("/ok")).json() == "ok"
    assert closed == (["/ok"] if failure == "dependency" else ["/fail", "/ok"])


@pytest.mark.parametrize("cancelled", ["inside", "waiting"])
async def test_a_cancelled_request_gives_its_place_back(framework: str, cancelled: str) -> None:
    fw = namespace(framework)
    inside = anyio.Event()
    closed: list[str] = []

    async def dependency(request: fw.Request) -> AsyncIterator[str]:
        try:
            yield "ok"
        finally:
            await anyio.sleep(0)  # a cleanup that awaits still runs to its end
            closed.append(request.url.path)

    app = fw.API()

    @app.get("/{name}")
    async def endpoint(name: str, value: Annotated[str, fw.Depends(dependency, max_concurrency=1)]) -> str:
        if name == "holder":
            inside.set()
            await anyio.sleep_forever()
        return value

    async with client_for(app) as client:

        async def request(path: str, *, task_status: Any) -> None:
            with anyio.CancelScope() as scope:
                task_status.started(scope)
                await client.get(path)

        async with anyio.create_task_group() as group:
            holder = await group.start(request, "/holder")
            await inside.wait()
            waiter = await group.start(request, "/waiter")
            await anyio.wait_all_tasks_blocked()
            (holder if cancelled == "inside" else waiter).cancel()
            if cancelled == "waiting":
                holder.cancel()
        assert (await client.get("/after")).json() == "ok"
    expected = ["/holder", "/after"] if cancelled == "waiting" else ["/holder", "/waiter", "/after"]
    assert sorted(closed) == sorted(expected)


@pytest.mark.parametrize("value", [0, -1, True, 1.5, "2"])
def test_the_limit_must_be_a_positive_integer(framework: str, value: Any) -> None:
    with pytest.raises(ValueError, match="positive integer or None"):
        namespace(framework).Depends(lambda: None, max_concurrency=value)
