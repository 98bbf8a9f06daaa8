"""Where code runs (threadpool or event loop) and how dependencies are shared within a request."""

from __future__ import annotations

import threading

import pytest
from starlette.testclient import TestClient

from asgi_api import API, APIRouter, BackgroundTasks, Depends, Response


def test_sync_code_runs_in_the_threadpool_and_async_code_in_the_loop() -> None:
    threads: dict[str, int] = {}
    app = API()

    def sync_dependency() -> None:
        threads["sync dependency"] = threading.get_ident()

    async def async_dependency() -> None:
        threads["async dependency"] = threading.get_ident()

    @app.get("/sync")
    def sync_endpoint(_: None = Depends(sync_dependency), __: None = Depends(async_dependency)) -> str:
        threads["sync endpoint"] = threading.get_ident()
        return "ok"

    @app.get("/async")
    async def async_endpoint() -> str:
        threads["async endpoint"] = threading.get_ident()
        return "ok"

    with TestClient(app) as client:
        assert client.get("/sync").json() == "ok"
        assert client.get("/async").json() == "ok"
    loop_thread = threads["async endpoint"]
    assert threads["async dependency"] == loop_thread
    assert threads["sync dependency"] != loop_thread
    assert threads["sync endpoint"] != loop_thread


def test_dependency_cache_overrides_and_global_dependencies() -> None:
    calls: list[str] = []

    def counter() -> int:
        calls.append("counter")
        return len(calls)

    def uses_counter(value: int = Depends(counter)) -> int:
        return value

    def audit() -> None:
        calls.append("audit")

    router = APIRouter(dependencies=[Depends(audit)])
    app = API(dependencies=[Depends(audit)])

    @router.get("/cached")
    def cached(a: int = Depends(counter), b: int = Depends(uses_counter),
               c: int = Depends(counter, use_cache=False)) -> list[int]:
        return [a, b, c]

    app.include_router(router)
    with TestClient(app) as client:
        # audit is cached too: it runs once although it is declared twice (app and router).
        assert client.get("/cached").json() == [2, 2, 3]
        assert calls == ["audit", "counter", "counter"]
        app.dependency_overrides[counter] = lambda: 42
        assert client.get("/cached").json() == [42, 42, 42]
        app.dependency_overrides.clear()
        calls.clear()
        assert client.get("/cached").json() == [2, 2, 3]


def test_injected_response_and_background_tasks() -> None:
    done: list[str] = []
    app = API()

    def notify(tasks: BackgroundTasks) -> BackgroundTasks:
        tasks.add_task(done.append, "from dependency")
        return tasks

    @app.post("/things")
    async def create(response: Response, tasks: BackgroundTasks = Depends(notify)) -> dict:
        tasks.add_task(done.append, "from endpoint")
        response.status_code = 202
        response.headers["X-Thing"] = "yes"
        response.set_cookie("seen", "1")
        return {"ok": True}

    with TestClient(app) as client:
        response = client.post("/things")
    assert response.status_code == 202
    assert response.headers["x-thing"] == "yes"
    assert "seen=1" in response.headers["set-cookie"]
    assert response.json() == {"ok": True}
    assert done == ["from dependency", "from endpoint"]


@pytest.mark.parametrize("status_code", [204, 304])
def test_statuses_without_body_send_none(status_code: int) -> None:
    app = API()

    @app.get("/empty", status_code=status_code)
    def empty() -> dict:
        return {"ignored": True}

    with TestClient(app) as client:
        response = client.get("/empty")
    assert response.status_code == status_code
    assert response.content == b""
    assert "content-length" not in response.headers
