"""`/v2/concurrency_limits` on each backend: CRUD, slots taken all-or-none and never over the
limit (also under concurrent requests), leases (renew, release, expiry), rate-limit decay, and the
answers for names that are no limit, all as Prefect 3 gives them."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from asgi_api.server.database import Database, tables, utcnow
from asgi_api.server.models.concurrency_leases import reclaim_expired_leases

pytestmark = pytest.mark.anyio

V2 = "/v2/concurrency_limits"
LEASE_REQUEST = {"names": ["tag:db"], "slots": 1, "mode": "concurrency", "lease_duration": 300,
                 "holder": {"type": "task_run", "id": str(uuid.uuid4())}}


async def _create(client: httpx.AsyncClient, name: str, limit: int, **fields: Any) -> dict[str, Any]:
    response = await client.post(f"{V2}/", json={"name": name, "limit": limit, **fields})
    assert response.status_code == 201, response.text
    return response.json()


async def _read(client: httpx.AsyncClient, name: str) -> dict[str, Any]:
    response = await client.get(f"{V2}/{name}")
    assert response.status_code == 200, response.text
    return response.json()


async def _increment(client: httpx.AsyncClient, names: list[str], slots: int = 1, **fields: Any) -> httpx.Response:
    return await client.post(f"{V2}/increment", json={"names": names, "slots": slots, **fields})


async def _lease(client: httpx.AsyncClient, names: list[str], slots: int = 1) -> httpx.Response:
    return await client.post(f"{V2}/increment-with-lease", json={**LEASE_REQUEST, "names": names, "slots": slots})


async def test_crud(client: httpx.AsyncClient) -> None:
    created = await _create(client, "db", 3, slot_decay_per_second=0.5)
    assert set(created) == {"id", "created", "updated", "active", "name", "limit", "active_slots", "denied_slots",
                            "slot_decay_per_second", "avg_slot_occupancy_seconds"}
    assert (created["active"], created["limit"], created["active_slots"], created["slot_decay_per_second"]) == (
        True, 3, 0, 0.5)
    assert await _read(client, created["id"]) == created == await _read(client, "db")

    assert (await client.patch(f"{V2}/db", json={"limit": 5, "active": False, "name": None})).status_code == 204
    assert (await client.patch(f"{V2}/{created['id']}", json={"name": "database"})).status_code == 204
    renamed = await _read(client, "database")
    assert (renamed["limit"], renamed["active"], renamed["id"]) == (5, False, created["id"])

    await _create(client, "api", 1)
    listed = (await client.post(f"{V2}/filter", json={})).json()
    assert [item["name"] for item in listed] == ["api", "database"]
    assert [item["name"] for item in (await client.post(f"{V2}/filter", json={"offset": 1})).json()] == ["database"]

    assert (await client.delete(f"{V2}/database")).status_code == 204
    assert (await client.delete(f"{V2}/{created['id']}")).status_code == 404
    for response in (await client.get(f"{V2}/database"), await client.patch(f"{V2}/nope", json={"limit": 1})):
        assert (response.status_code, response.json()) == (404, {"detail": "Concurrency Limit not found"})


async def test_duplicate_names_and_bad_limits(client: httpx.AsyncClient) -> None:
    await _create(client, "db", 1)
    assert (await client.post(f"{V2}/", json={"name": "db", "limit": 2})).status_code == 409
    for body in ({"name": "x", "limit": -1}, {"name": "a/b", "limit": 1}, {"name": "x"},
                 {"name": "x", "limit": 1, "slot_decay_per_second": -1}, {"name": "x", "limit": "many"}):
        response = await client.post(f"{V2}/", json=body)
        assert response.status_code == 422, body
    assert (await client.patch(f"{V2}/db", json={"limit": -2})).status_code == 422
    assert [item["name"] for item in (await client.post(f"{V2}/filter", json={})).json()] == ["db"]


async def test_slots_are_taken_up_to_the_limit(client: httpx.AsyncClient) -> None:
    limit = await _create(client, "db", 2)
    granted = await _increment(client, ["db"])
    assert (granted.status_code, granted.json()) == (200, [{"id": limit["id"], "name": "db", "limit": 2}])
    refused = await _increment(client, ["db"], slots=2)
    assert (refused.status_code, refused.json()) == (423, {"detail": "Locked"})
    assert float(refused.headers["Retry-After"]) > 0
    stored = await _read(client, "db")
    assert (stored["active_slots"], stored["denied_slots"]) == (1, 2)
    assert (await _increment(client, ["db"])).status_code == 200
    assert (await _increment(client, ["db"])).status_code == 423

    released = await client.post(f"{V2}/decrement", json={"names": ["db"], "slots": 1, "occupancy_seconds": 4})
    assert (released.status_code, released.json()) == (200, [{"id": limit["id"], "name": "db", "limit": 2}])
    assert (await _read(client, "db"))["active_slots"] == 1
    # Giving back more than was taken stops at zero, as in Prefect.
    assert (await client.post(f"{V2}/decrement", json={"names": ["db"], "slots": 2})).status_code == 200
    assert (await _read(client, "db"))["active_slots"] == 0
    # A limit of 0 (every request denied) still takes an occupancy time: an average over one sample.
    await client.patch(f"{V2}/db", json={"limit": 0})
    released = await client.post(f"{V2}/decrement", json={"names": ["db"], "slots": 1, "occupancy_seconds": 6})
    assert released.status_code == 200, released.text
    assert (await _read(client, "db"))["avg_slot_occupancy_seconds"] == 6.0


async def test_all_or_none_across_limits(client: httpx.AsyncClient) -> None:
    await _create(client, "small", 1)
    await _create(client, "large", 5)
    assert (await _increment(client, ["small"])).status_code == 200
    assert (await _increment(client, ["large", "small"])).status_code == 423
    assert (await _read(client, "large"))["active_slots"] == 0  # handed back when "small" was full
    assert (await _increment(client, ["large", "small", "missing"], slots=1)).status_code == 423


async def test_requests_the_limit_cannot_meet(client: httpx.AsyncClient) -> None:
    await _create(client, "db", 2)
    too_many = await _increment(client, ["db"], slots=3)
    assert (too_many.status_code, too_many.json()) == (422, {"detail": "Slots requested is greater than the limit"})
    not_a_rate_limit = await _increment(client, ["db"], mode="rate_limit")
    assert not_a_rate_limit.status_code == 422
    assert "do not have a decay configured: 'db'" in not_a_rate_limit.json()["detail"]
    for body in ({"names": [], "slots": 1}, {"names": ["db"], "slots": 0}, {"names": ["db"], "slots": -1},
                 {"names": ["db"], "slots": 1, "mode": "other"}):
        assert (await client.post(f"{V2}/increment", json=body)).status_code == 422
        if "mode" not in body:  # decrement has no mode
            assert (await client.post(f"{V2}/decrement", json=body)).status_code == 422
    assert (await _read(client, "db"))["active_slots"] == 0


async def test_names_that_are_no_limit(client: httpx.AsyncClient) -> None:
    """Prefect answers with no limits (the client then skips, or raises when strict)."""
    assert (await _increment(client, ["nothing"])).json() == []
    assert (await _increment(client, ["nothing"], mode="rate_limit")).json() == []
    assert (await client.post(f"{V2}/decrement", json={"names": ["nothing"], "slots": 1})).json() == []
    leased = await _lease(client, ["nothing"])
    assert leased.status_code == 200 and leased.json()["limits"] == []
    lease_id = leased.json()["lease_id"]
    assert (await client.post(f"{V2}/leases/{lease_id}/renew", json={"lease_duration": 120})).status_code == 204
    assert (await client.post(f"{V2}/decrement-with-lease", json={"lease_id": lease_id})).status_code == 204


async def test_inactive_limits_are_named_but_not_taken(client: httpx.AsyncClient) -> None:
    await _create(client, "off", 1, active=False)
    for _ in range(3):
        response = await _increment(client, ["off"])
        assert response.status_code == 200 and response.json()[0]["name"] == "off"
    assert (await _read(client, "off"))["active_slots"] == 0


async def test_leases(client: httpx.AsyncClient) -> None:
    await _create(client, "tag:db", 2)
    first, second = (await _lease(client, ["tag:db"])).json(), (await _lease(client, ["tag:db"])).json()
    assert first["limits"][0]["name"] == "tag:db" and first["lease_id"] != second["lease_id"]
    assert (await _lease(client, ["tag:db"])).status_code == 423
    renewed = await client.post(f"{V2}/leases/{first['lease_id']}/renew", json={"lease_duration": 600})
    assert renewed.status_code == 204

    for _ in range(2):  # a repeated release changes nothing: the other lease keeps its slot
        release = await client.post(f"{V2}/decrement-with-lease", json={"lease_id": first["lease_id"]})
        assert release.status_code == 204
    assert (await _read(client, "tag:db"))["active_slots"] == 1
    gone = await client.post(f"{V2}/leases/{first['lease_id']}/renew", json={"lease_duration": 600})
    assert (gone.status_code, gone.json()) == (410, {"detail": "Lease not found - it may have expired or been revoked"})
    assert (await client.post(f"{V2}/leases/{uuid.uuid4()}/renew", json={})).status_code == 410
    for body in ({"lease_duration": 59}, {"lease_duration": 86401}):
        assert (await client.post(f"{V2}/leases/{second['lease_id']}/renew", json=body)).status_code == 422


async def test_expired_leases_are_reclaimed(client: httpx.AsyncClient, database: Database) -> None:
    await _create(client, "tag:db", 1)
    await _create(client, "other", 3)
    lease = (await _lease(client, ["tag:db", "other"])).json()
    kept = (await _lease(client, ["other"])).json()
    async with database.transaction(write=True) as session:
        await session.execute(sa.update(tables.concurrency_lease)
                              .where(tables.concurrency_lease.c.id == uuid.UUID(lease["lease_id"]))
                              .values(expiration=utcnow() - timedelta(seconds=1)))
    assert (await client.post(f"{V2}/leases/{lease['lease_id']}/renew", json={})).status_code == 410
    assert (await _lease(client, ["tag:db"])).status_code == 423  # not reclaimed yet

    async with database.transaction(write=True) as session:
        assert await reclaim_expired_leases(session) == 1
        assert await reclaim_expired_leases(session) == 0
    assert ((await _read(client, "tag:db"))["active_slots"], (await _read(client, "other"))["active_slots"]) == (0, 1)
    # Releasing a reclaimed lease gives nothing back a second time.
    assert (await client.post(f"{V2}/decrement-with-lease", json={"lease_id": lease["lease_id"]})).status_code == 204
    assert (await _read(client, "other"))["active_slots"] == 1
    assert (await client.post(f"{V2}/leases/{kept['lease_id']}/renew", json={})).status_code == 204


async def test_rate_limit_slots_decay(client: httpx.AsyncClient, database: Database) -> None:
    await _create(client, "api", 2, slot_decay_per_second=1.0)
    for _ in range(2):
        assert (await _increment(client, ["api"], mode="rate_limit")).status_code == 200
    refused = await _increment(client, ["api"], mode="rate_limit")
    assert refused.status_code == 423
    assert 0 < float(refused.headers["Retry-After"]) <= 1.3 * 3  # (1 asked + 2 denied) slots at 1 a second

    async def seconds_pass(seconds: float) -> None:
        async with database.transaction(write=True) as session:
            column = tables.concurrency_limit_v2.c
            await session.execute(sa.update(tables.concurrency_limit_v2).where(column.name == "api")
                                  .values(updated=utcnow() - timedelta(seconds=seconds)))

    await seconds_pass(1.2)  # one slot has decayed
    assert (await _increment(client, ["api"], mode="rate_limit")).status_code == 200
    assert (await _increment(client, ["api"], mode="rate_limit")).status_code == 423
    await seconds_pass(10)  # everything has decayed, never below zero
    assert (await _increment(client, ["api"], mode="rate_limit", slots=2)).status_code == 200


@pytest.mark.parametrize("limit", [1, 3])
async def test_concurrent_requests_never_exceed_the_limit(client: httpx.AsyncClient, limit: int) -> None:
    await _create(client, "busy", limit)
    responses = await asyncio.gather(*(_lease(client, ["busy"]) for _ in range(12)))
    assert sorted(response.status_code for response in responses) == [200] * limit + [423] * (12 - limit)
    assert (await _read(client, "busy"))["active_slots"] == limit
    granted = [response.json()["lease_id"] for response in responses if response.status_code == 200]
    await asyncio.gather(*(client.post(f"{V2}/decrement-with-lease", json={"lease_id": lease_id})
                           for lease_id in granted * 2))
    assert (await _read(client, "busy"))["active_slots"] == 0


async def test_increment_release_and_renew(client: httpx.AsyncClient) -> None:
    response = await client.post(f"{V2}/increment-with-lease", json=LEASE_REQUEST)
    assert response.status_code == 200
    body = response.json()
    assert body["limits"] == [] and uuid.UUID(body["lease_id"])


async def test_minimal_request(client: httpx.AsyncClient) -> None:
    response = await client.post(f"{V2}/increment-with-lease", json={"names": ["a"], "slots": 2})
    assert response.status_code == 200


@pytest.mark.parametrize("body", [{"names": [], "slots": 1}, {"names": ["a"], "slots": 0},
                                  {"names": ["a"], "slots": 1, "lease_duration": 1}])
async def test_invalid_requests(client: httpx.AsyncClient, body: dict[str, object]) -> None:
    assert (await client.post(f"{V2}/increment-with-lease", json=body)).status_code == 422
    assert (await client.post(f"{V2}/decrement-with-lease", json={})).status_code == 422
