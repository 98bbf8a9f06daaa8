"""The v2 concurrency-lease calls of tagged tasks: granted at once, with no limits configured."""

from __future__ import annotations

import uuid

import httpx
import pytest

pytestmark = pytest.mark.anyio

LEASE_REQUEST = {"names": ["tag:db"], "slots": 1, "mode": "concurrency", "lease_duration": 300,
                 "holder": {"type": "task_run", "id": str(uuid.uuid4())}}


async def test_increment_release_and_renew(client: httpx.AsyncClient) -> None:
    response = await client.post("/v2/concurrency_limits/increment-with-lease", json=LEASE_REQUEST)
    assert response.status_code == 200
    body = response.json()
    assert body["limits"] == [] and uuid.UUID(body["lease_id"])

    renewed = await client.post(f"/v2/concurrency_limits/leases/{body['lease_id']}/renew",
                                json={"lease_duration": 300})
    assert renewed.status_code == 204
    released = await client.post("/v2/concurrency_limits/decrement-with-lease", json={"lease_id": body["lease_id"]})
    assert released.status_code == 204


async def test_minimal_request(client: httpx.AsyncClient) -> None:
    response = await client.post("/v2/concurrency_limits/increment-with-lease", json={"names": ["a"], "slots": 2})
    assert response.status_code == 200


@pytest.mark.parametrize("body", [{"names": [], "slots": 1}, {"names": ["a"], "slots": 0},
                                  {"names": ["a"], "slots": 1, "lease_duration": 1}])
async def test_invalid_requests(client: httpx.AsyncClient, body: dict[str, object]) -> None:
    assert (await client.post("/v2/concurrency_limits/increment-with-lease", json=body)).status_code == 422
    assert (await client.post("/v2/concurrency_limits/decrement-with-lease", json={})).status_code == 422
