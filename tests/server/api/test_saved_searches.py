"""`/saved_searches` on each backend: upsert by name, read, filter by name, delete."""

from __future__ import annotations

import httpx
import pytest

pytestmark = pytest.mark.anyio

FAILED = {"object": "flow_run", "property": "state", "type": "state", "operation": "or", "value": ["Failed"]}


async def test_saved_searches(client: httpx.AsyncClient) -> None:
    created = await client.put("/saved_searches/", json={"name": "failures", "filters": [FAILED]})
    assert created.status_code == 201, created.text
    search = created.json()
    assert (set(search), search["filters"]) == ({"id", "created", "updated", "name", "filters"}, [FAILED])
    replaced = await client.put("/saved_searches/", json={"name": "failures", "filters": []})
    assert (replaced.status_code, replaced.json()["id"], replaced.json()["filters"]) == (200, search["id"], [])
    await client.put("/saved_searches/", json={"name": "all runs"})
    listed = (await client.post("/saved_searches/filter", json={"limit": None})).json()
    assert [item["name"] for item in listed] == ["all runs", "failures"]
    assert (await client.get(f"/saved_searches/{search['id']}")).json()["filters"] == []
    assert (await client.delete(f"/saved_searches/{search['id']}")).status_code == 204
    gone = await client.get(f"/saved_searches/{search['id']}")
    assert (gone.status_code, gone.json()) == (404, {"detail": "Saved search not found"})
    assert (await client.delete(f"/saved_searches/{search['id']}")).status_code == 404
    bad = await client.put("/saved_searches/", json={"name": "x", "filters": [{"object": "flow_run"}]})
    assert bad.status_code == 422
    assert (await client.post("/saved_searches/filter", json={"limit": 500})).status_code == 422
