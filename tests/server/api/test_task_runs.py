"""`/task_runs`: upsert on `(flow_run_id, task_key, dynamic_key)`, client ids, reads, filter and count."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.server.api.flow_helpers import create_flow_run, create_task_run

pytestmark = pytest.mark.anyio

INPUTS = {"x": [{"input_type": "task_run", "id": str(uuid.uuid4())}, {"input_type": "parameter", "name": "p"},
                {"input_type": "constant", "type": "int"}]}


async def test_create_is_an_upsert_on_the_task_key(client: httpx.AsyncClient) -> None:
    flow_run = await create_flow_run(client)
    body = {"flow_run_id": flow_run["id"], "task_key": "t", "dynamic_key": "0", "task_inputs": INPUTS,
            "tags": ["a"], "empirical_policy": {"retries": 2, "retry_delay": [1, 2]}}
    first = await client.post("/task_runs/", json=body)
    assert first.status_code == 201
    task_run = first.json()
    assert task_run["task_inputs"] == INPUTS and task_run["name"] and task_run["state_type"] == "PENDING"
    assert task_run["empirical_policy"]["retry_delay"] == [1, 2]
    again = await client.post("/task_runs/", json={**body, "name": "other"})
    assert (again.status_code, again.json()) == (200, task_run)
    other = await client.post("/task_runs/", json={**body, "dynamic_key": "1"})
    assert other.status_code == 201 and other.json()["id"] != task_run["id"]
    assert (await client.get(f"/task_runs/{task_run['id']}")).json() == task_run


async def test_client_chosen_id_and_no_flow_run(client: httpx.AsyncClient) -> None:
    task_run_id = str(uuid.uuid4())
    body = {"id": task_run_id, "flow_run_id": None, "task_key": "t", "dynamic_key": "0",
            "state": {"type": "RUNNING"}}
    created = await client.post("/task_runs/", json=body)
    assert created.status_code == 201
    assert created.json()["id"] == task_run_id and created.json()["state_type"] == "RUNNING"
    assert created.json()["run_count"] == 1
    repeated = await client.post("/task_runs/", json=body)
    assert (repeated.status_code, repeated.json()["id"]) == (200, task_run_id)


async def test_unknown_flow_run_is_a_conflict(client: httpx.AsyncClient) -> None:
    response = await client.post("/task_runs/", json={"flow_run_id": str(uuid.uuid4()), "task_key": "t",
                                                      "dynamic_key": "0"})
    assert response.status_code == 409 and "Data integrity conflict" in response.json()["detail"]


async def test_missing_task_run(client: httpx.AsyncClient) -> None:
    response = await client.get(f"/task_runs/{uuid.uuid4()}")
    assert (response.status_code, response.json()) == (404, {"detail": "Task not found"})
    assert (await client.post("/task_runs/", json={"task_key": "t"})).status_code == 422


async def test_filter_and_count(client: httpx.AsyncClient) -> None:
    flow_run = await create_flow_run(client)
    for index, name in enumerate(("b", "a", "c")):
        await create_task_run(client, flow_run["id"], dynamic_key=str(index), name=name)
    names = (await client.post("/task_runs/filter", json={"sort": "NAME_ASC", "limit": None})).json()
    assert [task_run["name"] for task_run in names] == ["a", "b", "c"]
    assert all(task_run["state"]["type"] == "PENDING" for task_run in names)
    by_id = (await client.post("/task_runs/filter", json={})).json()
    assert [task_run["id"] for task_run in by_id] == sorted((task_run["id"] for task_run in names), reverse=True)
    body = {"flow_runs": {"id": {"any_": [flow_run["id"]]}}, "task_runs": {"name": {"like_": "A"}}}
    assert (await client.post("/task_runs/count", json=body)).json() == 1
    assert (await client.post("/task_runs/count", json={"flow_runs": {"id": {"any_": []}}})).json() == 0


async def test_task_run_states_history(client: httpx.AsyncClient) -> None:
    flow_run = await create_flow_run(client)
    body = {"flow_run_id": flow_run["id"], "task_key": "t", "dynamic_key": "0"}
    task_run = (await client.post("/task_runs/", json=body)).json()
    running = await client.post(f"/task_runs/{task_run['id']}/set_state", json={"state": {"type": "RUNNING"}})
    assert running.status_code == 201
    states = (await client.get("/task_run_states/", params={"task_run_id": task_run["id"]})).json()
    assert [state["type"] for state in states] == ["PENDING", "RUNNING"]
    assert (await client.get(f"/task_run_states/{states[1]['id']}")).json() == states[1]
    assert (await client.get(f"/task_run_states/{uuid.uuid4()}")).status_code == 404
    assert (await client.get("/task_run_states/", params={"task_run_id": str(uuid.uuid4())})).json() == []
    assert (await client.get("/task_run_states/", params={"task_run_id": "x"})).status_code == 422
