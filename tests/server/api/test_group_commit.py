"""Concurrent write requests on SQLite share commits: a request whose statement fails gets its own
4xx, and every request answered 2xx is committed and visible."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest

pytestmark = [pytest.mark.anyio, pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)]

REQUESTS = 60


async def test_bad_requests_in_a_group_fail_alone(client: httpx.AsyncClient) -> None:
    flow = (await client.post("/flows/", json={"name": "grouped"})).json()
    run = (await client.post("/flow_runs/", json={"flow_id": flow["id"]})).json()

    def body(number: int) -> dict[str, str]:
        flow_run_id = str(uuid.uuid4()) if number % 4 == 0 else run["id"]  # no such flow run: a foreign key fails
        return {"flow_run_id": flow_run_id, "task_key": "task", "dynamic_key": str(number)}

    responses = await asyncio.gather(*(client.post("/task_runs/", json=body(number)) for number in range(REQUESTS)))

    statuses = {number: response.status_code for number, response in enumerate(responses)}
    assert statuses == {number: 409 if number % 4 == 0 else 201 for number in range(REQUESTS)}
    assert all(responses[number].json()["detail"] for number in range(0, REQUESTS, 4))
    found = (await client.post("/task_runs/filter", json={})).json()
    assert sorted(int(task_run["dynamic_key"]) for task_run in found) == [
        number for number in range(REQUESTS) if number % 4]
