"""The API's own routes, on each backend: health and version answer without a version check;
`/ready` says whether the database answers."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from asgi_api.server.app import create_api_app
from asgi_api.server.settings import Settings

pytestmark = pytest.mark.anyio


async def test_health_and_version(client: httpx.AsyncClient) -> None:
    assert (await client.get("/health")).json() is True
    assert (await client.get("/version")).json() == "0.8.4"
    hello = await client.get("/hello")
    assert (hello.status_code, hello.json()) == (200, "\N{WAVING HAND SIGN}")


async def test_ready_when_the_database_answers(client: httpx.AsyncClient) -> None:
    response = await client.get("/ready")
    assert response.status_code == 200
    assert response.json() == {"message": "OK"}


class UnreachableDatabase:
    async def is_ready(self) -> bool:
        return False


async def test_not_ready_while_the_database_does_not_answer(tmp_path: Path) -> None:
    app = create_api_app(settings=Settings.load({"ASGI_API_HOME": str(tmp_path)}))
    app.state.database = UnreachableDatabase()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        response = await client.get("/ready")
    assert response.status_code == 503


async def test_collection_views_know_no_integrations(client: httpx.AsyncClient) -> None:
    """No registry is reached: the views Prefect's client reads answer empty, others 404 as Prefect's."""
    for view in ("aggregate-worker-metadata", "aggregate-block-metadata", "aggregate-flow-metadata", "demo-flows"):
        response = await client.get(f"/collections/views/{view}")
        assert (response.status_code, response.json()) == (200, {}), view
    unknown = await client.get("/collections/views/nope")
    assert (unknown.status_code, unknown.json()) == (404, {"detail": "View nope not found in registry"})
