"""`/automations`: a server without automations answers the calls `serve` and the CLI make."""

from __future__ import annotations

import httpx
import pytest

pytestmark = pytest.mark.anyio


async def test_no_automations(client: httpx.AsyncClient) -> None:
    resource = "prefect.deployment.7b0d4bb4-7fe0-4cd2-9b50-9b7bd6e0b4a1"
    deleted = await client.delete(f"/automations/owned-by/{resource}")
    assert (deleted.status_code, deleted.content) == (202, b"null")
    related = await client.get(f"/automations/related-to/{resource}")
    assert (related.status_code, related.json()) == (200, [])
    assert (await client.post("/automations/filter", json={})).json() == []
    assert (await client.post("/automations/count", json={})).json() == 0
