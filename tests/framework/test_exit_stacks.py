"""When dependencies close: response-scoped ones before the first byte, request-scoped ones after."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from starlette.requests import Request
from starlette.responses import JSONResponse as StarletteJSONResponse

from asgi_api import API, Depends, HTTPException, response_scoped_dependency
from tests.conftest import Recorder

pytestmark = pytest.mark.anyio


class CommitFailed(Exception):
    """Stands in for a database integrity error raised by COMMIT."""


def make_app(events: list[Any], *, fail_commit: bool = False) -> API:
    async def request_scoped() -> AsyncIterator[str]:
        events.append("request dependency enter")
        yield "r"
        events.append("request dependency exit")

    def sync_request_scoped() -> Iterator[str]:
        events.append("sync dependency enter")
        yield "s"
        events.append("sync dependency exit")

    async def function_scoped() -> AsyncIterator[str]:
        events.append("function dependency enter")
        yield "f"
        events.append("function dependency exit")

    @response_scoped_dependency
    async def session(request: Request) -> AsyncIterator[dict[str, Any]]:
        events.append("session begin")
        data: dict[str, Any] = {"path": request.url.path}
        try:
            yield data
        except Exception:
            events.append("session rollback")
            raise
        if fail_commit:
            events.append("commit failed")
            raise CommitFailed()
        events.append("session commit")

    app = API(exception_handlers={
        CommitFailed: lambda request, exc: StarletteJSONResponse({"detail": "conflict"}, status_code=409)})

    @app.post("/write", status_code=201)
    async def write(
        r: str = Depends(request_scoped),
        s: str = Depends(sync_request_scoped),
        f: str = Depends(function_scoped, scope="function"),
        db: dict[str, Any] = Depends(session),
    ) -> dict[str, Any]:
        events.append("endpoint")
        return {"values": [r, s, f], "path": db["path"]}

    @app.post("/boom")
    async def boom(db: dict[str, Any] = Depends(session), r: str = Depends(request_scoped)) -> None:
        raise HTTPException(400, "bad")

    return app


async def test_response_scoped_closes_before_response_and_request_scoped_after() -> None:
    events: list[Any] = []
    result = await Recorder(events)(make_app(events), "POST", "/write")
    assert result["status"] == 201
    assert result["body"] == b'{"values":["r","s","f"],"path":"/write"}'
    start = events.index("http.response.start")
    assert events.index("session commit") < start
    assert events.index("function dependency exit") < start
    assert events.index("request dependency exit") > start
    assert events.index("sync dependency exit") > start


async def test_failed_commit_becomes_the_error_response_never_the_success() -> None:
    events: list[Any] = []
    result = await Recorder(events)(make_app(events, fail_commit=True), "POST", "/write")
    assert result["status"] == 409
    assert result["body"] == b'{"detail":"conflict"}'
    assert "endpoint" in events and "session commit" not in events
    assert events.count("http.response.start") == 1


async def test_endpoint_error_rolls_back_and_reaches_request_dependencies() -> None:
    events: list[Any] = []
    result = await Recorder(events)(make_app(events), "POST", "/boom")
    assert result["status"] == 400
    assert "session rollback" in events and "session commit" not in events
    # FastAPI >= 0.118: an error propagates through the request stack before the error response is sent.
    assert "request dependency exit" not in events


async def test_response_scoped_accepts_a_callable_returning_an_async_context_manager() -> None:
    events: list[str] = []

    @contextlib.asynccontextmanager
    async def transaction(name: str) -> AsyncIterator[str]:
        events.append(f"begin {name}")
        yield name
        events.append(f"commit {name}")

    def tenant(x_tenant: str = "acme") -> str:
        return x_tenant

    async def provide(tenant_name: str = Depends(tenant)) -> Any:
        return transaction(tenant_name)

    app = API()
    scoped = response_scoped_dependency(provide)

    @app.get("/t")
    async def read(tx: str = Depends(scoped)) -> str:
        return tx

    result = await Recorder(events)(app, "GET", "/t", query=b"x_tenant=globex")
    assert result["body"] == b'"globex"'
    assert events.index("commit globex") < events.index("http.response.start")


async def test_error_closing_a_request_dependency_after_the_response_is_logged(caplog: Any) -> None:
    async def flaky() -> AsyncIterator[None]:
        yield
        raise RuntimeError("cleanup failed")

    app = API()

    @app.get("/x")
    async def read(_: None = Depends(flaky)) -> int:
        return 1

    result = await Recorder([])(app, "GET", "/x")
    assert result["status"] == 200 and result["body"] == b"1"
    assert "cleanup failed" in caplog.text


@pytest.mark.parametrize("scope", ["function", "request"])
@pytest.mark.parametrize("sync", [False, True])
async def test_a_cancelled_request_still_runs_cleanups_to_their_end_in_order(scope: str, sync: bool) -> None:
    """A client gone mid-request cancels the endpoint, never a cleanup that awaits (a rollback)."""
    import anyio
    import anyio.from_thread

    events: list[str] = []
    outside = anyio.CancelScope()

    async def outer() -> AsyncIterator[None]:
        events.append("outer enter")
        try:
            yield
        finally:
            await anyio.sleep(0.01)
            events.append("outer cleanup")

    def inner_sync() -> Iterator[None]:
        try:
            yield
        finally:
            anyio.from_thread.run(anyio.sleep, 0.01)
            events.append("inner cleanup")

    async def inner_async() -> AsyncIterator[None]:
        try:
            async with anyio.create_task_group() as group:  # a scope of its own around the yield
                try:
                    yield
                finally:
                    group.cancel_scope.cancel()
        finally:
            await anyio.sleep(0.01)
            events.append("inner cleanup")

    app = API()

    @app.get("/", dependencies=[Depends(outer, scope=scope), Depends(inner_sync if sync else inner_async, scope=scope)])
    async def endpoint() -> str:
        outside.cancel()
        await anyio.sleep(0)
        pytest.fail("the endpoint is cancelled")  # pragma: no cover

    with anyio.fail_after(5), outside:
        await Recorder(events)(app, "GET", "/")
    assert outside.cancelled_caught
    assert events == ["outer enter", "inner cleanup", "outer cleanup"]


def test_a_request_scoped_generator_cannot_use_a_function_scoped_one() -> None:
    from asgi_api.exceptions import DependencyScopeError, FastAPIError

    def session() -> Iterator[str]:
        yield "s"

    def repository(db: str = Depends(session, scope="function")) -> Iterator[str]:
        yield db

    def plain(db: str = Depends(session, scope="function")) -> str:
        return db

    app = API()
    with pytest.raises(DependencyScopeError, match='"repository" has a scope of "request", it cannot depend'):
        app.get("/broken")(lambda repo=Depends(repository): repo)
    assert issubclass(DependencyScopeError, FastAPIError)
    app.get("/fine")(lambda value=Depends(plain), repo=Depends(repository, scope="function"): value)
