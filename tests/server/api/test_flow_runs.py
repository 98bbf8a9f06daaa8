"""`/flow_runs` and `/flow_run_states`: creation (idempotent), reads, updates, deletes with cascade."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.server.api.flow_helpers import create_flow, create_flow_run, create_task_run, set_state

pytestmark = pytest.mark.anyio


async def test_create_fills_in_name_state_and_labels(client: httpx.AsyncClient) -> None:
    flow = await create_flow(client, labels={"team": "data", "env": "flow"})
    run = await create_flow_run(client, flow["id"], labels={"env": "run"}, parameters={"x": 1},
                                empirical_policy={"max_retries": 2, "retry_delay_seconds": 5})
    assert run["flow_id"] == flow["id"] and run["parameters"] == {"x": 1}
    assert len(run["name"].split("-")) == 2
    assert run["labels"] == {"team": "data", "env": "run", "prefect.flow.id": flow["id"]}
    assert run["empirical_policy"]["retries"] == 2 and run["empirical_policy"]["retry_delay"] == 5
    assert run["state"]["type"] == "PENDING" and run["state"]["name"] == "Pending"
    assert run["state"]["state_details"]["flow_run_id"] == run["id"]
    assert (run["state_type"], run["state_name"], run["state_id"]) == ("PENDING", "Pending", run["state"]["id"])
    assert run["expected_start_time"] == run["state"]["timestamp"]
    assert (run["run_count"], run["start_time"], run["total_run_time"]) == (0, None, 0.0)
    assert run["job_variables"] == {}  # as Prefect stores a run created without any
    assert (await client.get(f"/flow_runs/{run['id']}")).json() == run


async def test_a_run_created_terminal_has_start_and_end_times(client: httpx.AsyncClient) -> None:
    run = await create_flow_run(client, state={"type": "COMPLETED"})
    assert run["start_time"] == run["end_time"] == run["state"]["timestamp"]
    assert (run["state_type"], run["run_count"]) == ("COMPLETED", 0)


async def test_create_with_a_state_and_a_name(client: httpx.AsyncClient) -> None:
    run = await create_flow_run(client, name="nightly", state={"type": "SCHEDULED", "name": "Late"})
    assert run["name"] == "nightly"
    assert (run["state_type"], run["state_name"]) == ("SCHEDULED", "Late")
    scheduled = run["state"]["state_details"]["scheduled_time"]
    assert scheduled and run["next_scheduled_start_time"] == scheduled == run["expected_start_time"]


async def test_idempotency_key(client: httpx.AsyncClient) -> None:
    flow = await create_flow(client)
    first = await client.post("/flow_runs/", json={"flow_id": flow["id"], "idempotency_key": "k"})
    second = await client.post("/flow_runs/", json={"flow_id": flow["id"], "idempotency_key": "k", "name": "x"})
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json() == first.json()
    other = await client.post("/flow_runs/", json={"flow_id": flow["id"], "idempotency_key": "other"})
    assert other.status_code == 201 and other.json()["id"] != first.json()["id"]
    assert (await client.post("/flow_runs/count", json={})).json() == 2


async def test_unknown_flow_is_404(client: httpx.AsyncClient) -> None:
    flow_id = str(uuid.uuid4())
    response = await client.post("/flow_runs/", json={"flow_id": flow_id})
    assert (response.status_code, response.json()) == (404, {"exception_message": f"Flow with id {flow_id} not found"})
    assert (await client.post("/flow_runs/count", json={})).json() == 0


async def test_missing_runs(client: httpx.AsyncClient) -> None:
    missing = uuid.uuid4()
    response = await client.get(f"/flow_runs/{missing}")
    assert (response.status_code, response.json()) == (404, {"detail": "Flow run not found"})
    assert (await client.get("/flow_runs/123")).json() == {"detail": "Not Found"}
    assert (await client.patch(f"/flow_runs/{missing}", json={"name": "x"})).status_code == 404
    assert (await client.delete(f"/flow_runs/{missing}")).status_code == 404
    response = await client.get(f"/flow_run_states/{missing}")
    assert response.status_code == 404


async def test_update_changes_only_sent_fields(client: httpx.AsyncClient) -> None:
    run = await create_flow_run(client, name="before", tags=["a"], parameters={"x": 1})
    response = await client.patch(f"/flow_runs/{run['id']}", json={
        "name": "after", "empirical_policy": {"retries": 3}, "infrastructure_pid": "42", "job_variables": {"a": 1}})
    assert response.status_code == 204
    updated = (await client.get(f"/flow_runs/{run['id']}")).json()
    assert updated["name"] == "after" and updated["infrastructure_pid"] == "42"
    assert updated["empirical_policy"]["retries"] == 3 and updated["job_variables"] == {"a": 1}
    assert updated["tags"] == ["a"] and updated["parameters"] == {"x": 1}


async def test_delete_takes_states_task_runs_and_logs_along(client: httpx.AsyncClient) -> None:
    run = await create_flow_run(client)
    task_run = await create_task_run(client, run["id"])
    log = {"name": "l", "level": 20, "message": "m", "timestamp": "2025-01-01T00:00:00Z", "flow_run_id": run["id"]}
    assert (await client.post("/logs/", json=[log])).status_code == 201
    assert (await client.delete(f"/flow_runs/{run['id']}")).status_code == 204
    assert (await client.get(f"/flow_runs/{run['id']}")).status_code == 404
    assert (await client.get(f"/task_runs/{task_run['id']}")).status_code == 404
    assert (await client.get(f"/flow_run_states/{run['state_id']}")).status_code == 404
    logs = await client.post("/logs/filter", json={"logs": {"flow_run_id": {"any_": [run["id"]]}}})
    assert logs.json() == []


async def test_state_history(client: httpx.AsyncClient) -> None:
    run = await create_flow_run(client)
    await set_state(client, run, "RUNNING", expected_status=201)
    completed = (await set_state(client, run, "COMPLETED", expected_status=201))["state"]
    states = (await client.get("/flow_run_states/", params={"flow_run_id": run["id"]})).json()
    assert [state["type"] for state in states] == ["PENDING", "RUNNING", "COMPLETED"]
    assert states[-1] == completed
    assert (await client.get(f"/flow_run_states/{completed['id']}")).json() == completed
    assert (await client.get("/flow_run_states/")).status_code == 422


async def test_labels_are_merged(client: httpx.AsyncClient) -> None:
    run = await create_flow_run(client, labels={"a": "1"})
    response = await client.patch(f"/flow_runs/{run['id']}/labels", json={"b": 2, "a": "x"})
    assert response.status_code == 204, response.text
    labels = (await client.get(f"/flow_runs/{run['id']}")).json()["labels"]
    assert (labels["a"], labels["b"]) == ("x", 2) and "prefect.flow.id" in labels
    assert (await client.patch(f"/flow_runs/{uuid.uuid4()}/labels", json={})).status_code == 404
    assert (await client.patch(f"/flow_runs/{run['id']}/labels", json={"nested": {"no": 1}})).status_code == 422
