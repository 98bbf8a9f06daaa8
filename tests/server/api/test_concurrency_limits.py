"""`/concurrency_limits` (v1 tag limits) on each backend: stored as the `tag:<tag>` global limits,
so they limit the lease calls of tagged tasks too; upsert, read, reset, delete, and the
increment/decrement of older task engines."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.anyio

V1 = "/concurrency_limits"


async def _create(client: httpx.AsyncClient, tag: str, limit: int, status: int = 201) -> dict[str, Any]:
    response = await client.post(f"{V1}/", json={"tag": tag, "concurrency_limit": limit})
    assert response.status_code == status, response.text
    return response.json()


async def _slots(client: httpx.AsyncClient, tag: str) -> list[str]:
    response = await client.get(f"{V1}/tag/{tag}")
    assert response.status_code == 200, response.text
    return response.json()["active_slots"]


async def _increment(client: httpx.AsyncClient, tags: list[str], task_run_id: str) -> httpx.Response:
    return await client.post(f"{V1}/increment", json={"names": tags, "task_run_id": task_run_id})


async def test_create_is_an_upsert_by_tag(client: httpx.AsyncClient) -> None:
    created = await _create(client, "db", 2)
    assert set(created) == {"id", "created", "updated", "tag", "concurrency_limit", "active_slots"}
    assert (created["tag"], created["concurrency_limit"], created["active_slots"]) == ("db", 2, [])
    again = await _create(client, "db", 5, status=200)
    assert (again["id"], again["concurrency_limit"]) == (created["id"], 5)
    assert (await client.get(f"{V1}/{created['id']}")).json()["concurrency_limit"] == 5
    # The same limit, seen through the v2 API.
    v2 = (await client.get("/v2/concurrency_limits/tag:db")).json()
    assert (v2["id"], v2["limit"]) == (created["id"], 5)


async def test_filter_lists_tag_limits_only(client: httpx.AsyncClient) -> None:
    await _create(client, "b", 1)
    await _create(client, "a", 1)
    assert (await client.post("/v2/concurrency_limits/", json={"name": "global", "limit": 1})).status_code == 201
    assert [item["tag"] for item in (await client.post(f"{V1}/filter", json={})).json()] == ["a", "b"]
    assert [item["tag"] for item in (await client.post(f"{V1}/filter", json={"limit": 1, "offset": 1})).json()] == ["b"]
    global_id = (await client.get("/v2/concurrency_limits/global")).json()["id"]
    assert (await client.get(f"{V1}/{global_id}")).status_code == 404  # not a tag limit


async def test_increment_and_decrement_for_task_runs(client: httpx.AsyncClient) -> None:
    limit = await _create(client, "db", 1)
    await _create(client, "web", 2)
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    granted = await _increment(client, ["db", "web", "untracked"], first)
    assert granted.status_code == 200
    assert sorted((item["name"], item["limit"]) for item in granted.json()) == [("db", 1), ("web", 2)]
    assert await _slots(client, "db") == [first] and await _slots(client, "web") == [first]

    refused = await _increment(client, ["web", "db"], second)
    assert refused.status_code == 423 and refused.headers["Retry-After"] == "30"
    assert "tag has been reached" in refused.json()["detail"]
    assert await _slots(client, "web") == [first]  # all or none

    released = await client.post(f"{V1}/decrement", json={"names": ["db", "web"], "task_run_id": first})
    assert released.status_code == 200 and {item["id"] for item in released.json()} >= {limit["id"]}
    assert await _slots(client, "db") == [] and await _slots(client, "web") == []
    assert (await _increment(client, ["db"], second)).status_code == 200
    # Decrementing for a task run that holds nothing frees nobody else's slot.
    assert (await client.post(f"{V1}/decrement", json={"names": ["db"], "task_run_id": first})).status_code == 200
    assert await _slots(client, "db") == [second]


async def test_tag_limits_limit_tagged_tasks(client: httpx.AsyncClient) -> None:
    """Tagged tasks of Prefect 3 take `tag:<tag>` slots through the v2 lease route."""
    await _create(client, "db", 1)
    task_run = str(uuid.uuid4())
    body = {"names": ["tag:db"], "slots": 1, "lease_duration": 60, "holder": {"type": "task_run", "id": task_run}}
    leased = await client.post("/v2/concurrency_limits/increment-with-lease", json=body)
    assert leased.status_code == 200 and leased.json()["limits"][0]["name"] == "tag:db"
    assert await _slots(client, "db") == [task_run]
    assert (await client.post("/v2/concurrency_limits/increment-with-lease", json=body)).status_code == 423
    released = await client.post("/v2/concurrency_limits/decrement-with-lease",
                                 json={"lease_id": leased.json()["lease_id"]})
    assert released.status_code == 204 and await _slots(client, "db") == []


async def test_a_zero_limit_would_deadlock(client: httpx.AsyncClient) -> None:
    await _create(client, "never", 0)
    response = await _increment(client, ["never"], str(uuid.uuid4()))
    assert (response.status_code, response.json()) == (423, {
        "detail": 'The concurrency limit on tag "never" is 0 and will deadlock if the task tries to run again.'})


async def test_reset(client: httpx.AsyncClient) -> None:
    await _create(client, "db", 2)
    await _create(client, "web", 5)
    holder = str(uuid.uuid4())
    await _increment(client, ["db", "web"], holder)
    await _increment(client, ["db"], str(uuid.uuid4()))
    override = str(uuid.uuid4())
    assert (await client.post(f"{V1}/tag/db/reset", json={"slot_override": [override]})).status_code == 200
    assert await _slots(client, "db") == [override]
    assert (await client.get("/v2/concurrency_limits/tag:db")).json()["active_slots"] == 1
    # The holder's lease also held a "web" slot: that came back too.
    assert (await client.get("/v2/concurrency_limits/tag:web")).json()["active_slots"] == 0
    assert (await client.post(f"{V1}/tag/db/reset", json={})).status_code == 200
    assert await _slots(client, "db") == []
    assert (await client.post(f"{V1}/tag/none/reset", json={})).status_code == 404


async def test_delete(client: httpx.AsyncClient) -> None:
    first = await _create(client, "db", 1)
    await _create(client, "web", 1)
    await _increment(client, ["db", "web"], str(uuid.uuid4()))
    assert (await client.delete(f"{V1}/tag/db")).status_code == 200
    assert (await client.get("/v2/concurrency_limits/tag:web")).json()["active_slots"] == 0
    assert (await client.delete(f"{V1}/{first['id']}")).status_code == 404
    web = (await client.get(f"{V1}/tag/web")).json()
    assert (await client.delete(f"{V1}/{web['id']}")).status_code == 200
    for response in (await client.get(f"{V1}/tag/web"), await client.delete(f"{V1}/tag/web"),
                     await client.get(f"{V1}/{uuid.uuid4()}")):
        assert (response.status_code, response.json()) == (404, {"detail": "Concurrency limit not found"})


@pytest.mark.parametrize("body", [{"tag": "x", "concurrency_limit": -1}, {"tag": "x"}, {"concurrency_limit": 1}])
async def test_invalid_limits(client: httpx.AsyncClient, body: dict[str, Any]) -> None:
    assert (await client.post(f"{V1}/", json=body)).status_code == 422
    assert (await client.post(f"{V1}/filter", json={})).json() == []
