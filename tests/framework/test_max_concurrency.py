"""`Depends(max_concurrency=n)`: at most n requests inside the dependency at once, on FastAPI and asgi_api."""

import anyio
import httpx
import pytest

from tests.framework.parity import asgi_api_namespace, fastapi_namespace

pytestmark = pytest.mark.anyio


def build(fw, seen: dict[str, int]):
    app = fw.API()

    async def limited():
        seen["inside"] += 1
        seen["most"] = max(seen["most"], seen["inside"])
        for _ in range(20):  # let the other requests run meanwhile
            await anyio.sleep(0)
        seen["inside"] -= 1
        return "ok"

    async def limited_generator():
        seen["inside"] += 1
        seen["most"] = max(seen["most"], seen["inside"])
        yield "ok"
        seen["inside"] -= 1

    @app.get("/call")
    async def endpoint(value: str = fw.Depends(limited, max_concurrency=2)):
        return value

    @app.get("/generator")
    async def generator(value: str = fw.Depends(limited_generator, max_concurrency=1)):
        for _ in range(20):
            await anyio.sleep(0)
        return value

    return app


@pytest.mark.parametrize("framework", ["fastapi", "asgi_api"])
@pytest.mark.parametrize(("path", "limit"), [("/call", 2), ("/generator", 1)])
async def test_max_concurrency(framework: str, path: str, limit: int) -> None:
    seen = {"inside": 0, "most": 0}
    fw = fastapi_namespace() if framework == "fastapi" else asgi_api_namespace()
    transport = httpx.ASGITransport(app=build(fw, seen))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        async with anyio.create_task_group() as group:
            for _ in range(6):
                group.start_soon(client.get, path)
    assert seen["most"] == limit
    assert seen["inside"] == 0
