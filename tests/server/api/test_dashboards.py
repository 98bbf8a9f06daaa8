"""The dashboard reads on each backend: paginated runs, run history, lateness, the flow-run history
points, task-run counts, and a flow run's graph."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
import pytest

from tests.server.api.flow_helpers import create_flow, create_flow_run, create_task_run, set_state

pytestmark = pytest.mark.anyio


async def _post(client: httpx.AsyncClient, path: str, body: dict[str, Any], status: int = 200) -> Any:
    response = await client.post(path, json=body)
    assert response.status_code == status, response.text
    return response.json()


async def _finished(client: httpx.AsyncClient, final: str = "COMPLETED", **fields: Any) -> dict[str, Any]:
    run = await create_flow_run(client, **fields)
    await set_state(client, run, "RUNNING", expected_status=201)
    await set_state(client, run, final, expected_status=201)
    return run


async def test_paginate(client: httpx.AsyncClient) -> None:
    flow = await create_flow(client)
    runs = [await create_flow_run(client, flow["id"], name=f"run-{number}") for number in range(5)]
    page = await _post(client, "/flow_runs/paginate", {"limit": 2, "page": 3, "sort": "NAME_ASC"})
    assert (page["count"], page["pages"], page["page"], page["limit"]) == (5, 3, 3, 2)
    assert [run["name"] for run in page["results"]] == ["run-4"]
    for number in range(3):
        await create_task_run(client, runs[0]["id"], task_key=f"t{number}")
    tasks = await _post(client, "/task_runs/paginate", {"limit": 2})
    assert (tasks["count"], tasks["pages"], len(tasks["results"])) == (3, 2, 2)
    assert (await client.post("/flow_runs/paginate", json={"page": 0})).status_code == 422


async def test_history(client: httpx.AsyncClient) -> None:
    await _finished(client)
    await _finished(client, "FAILED")
    await create_flow_run(client)  # pending: expected to start now
    now = datetime.now(timezone.utc)
    body = {"history_start": (now - timedelta(hours=1)).isoformat(),
            "history_end": (now + timedelta(hours=1)).isoformat(), "history_interval_seconds": 3600}
    history = await _post(client, "/flow_runs/history", body)
    assert len(history) == 2 and history[0]["interval_end"] == history[1]["interval_start"]
    counted = {(state["state_type"], state["count_runs"]) for interval in history for state in interval["states"]}
    assert counted == {("COMPLETED", 1), ("FAILED", 1), ("PENDING", 1)}
    assert {"state_name", "sum_estimated_run_time", "sum_estimated_lateness"} <= set(history[0]["states"][0])
    assert await _post(client, "/flow_runs/history", {**body, "flow_runs": {"state": {"type": {"any_": ["FAILED"]}}}})
    tasks = await _post(client, "/task_runs/history", body)
    assert [interval["states"] for interval in tasks] == [[], []]
    for bad in ({"history_interval_seconds": 0.5}, {"history_interval_seconds": 1},
                {"history_end": (now - timedelta(hours=2)).isoformat()}):
        response = await client.post("/flow_runs/history", json={**body, **bad})
        assert response.status_code == 422, bad


async def test_lateness_and_history_points(client: httpx.AsyncClient) -> None:
    assert await _post(client, "/flow_runs/lateness", {}) is None
    late = (datetime.now(timezone.utc) - timedelta(minutes=10)).isoformat()
    scheduled = await create_flow_run(client, state={"type": "SCHEDULED", "state_details": {"scheduled_time": late}})
    assert await _post(client, "/flow_runs/lateness", {}) >= 600
    assert await _post(client, "/flow_runs/lateness", {"flow_runs": {"id": {"any_": [str(uuid.uuid4())]}}}) is None
    finished = await _finished(client)
    points = await _post(client, "/ui/flow_runs/history", {"sort": "EXPECTED_START_TIME_ASC"})
    assert [point["id"] for point in points] == [scheduled["id"], finished["id"]]
    assert set(points[0]) == {"id", "state_type", "timestamp", "duration", "lateness"}
    # Prefect's UI sends nulls for the defaults.
    defaults = await _post(client, "/ui/flow_runs/history", {"sort": None, "limit": None, "offset": None})
    assert [point["id"] for point in defaults] == [finished["id"], scheduled["id"]]  # EXPECTED_START_TIME_DESC
    assert (await client.post("/ui/flow_runs/history", json={"limit": 1001})).status_code == 422


async def test_task_run_counts(client: httpx.AsyncClient) -> None:
    run = await create_flow_run(client)
    for number, final in enumerate(["COMPLETED", "COMPLETED", "FAILED", "CRASHED"]):
        task = await create_task_run(client, run["id"], task_key=f"t{number}")
        await set_state(client, task, "RUNNING", runs="task_runs", expected_status=201)
        await set_state(client, task, final, runs="task_runs", expected_status=201)
    await create_task_run(client, run["id"], task_key="pending")
    since = (datetime.now(timezone.utc) - timedelta(hours=1)).isoformat()
    counts = await _post(client, "/ui/task_runs/dashboard/counts", {"task_runs": {"start_time": {"after_": since}}})
    assert len(counts) == 20
    assert (sum(c["completed"] for c in counts), sum(c["failed"] for c in counts)) == (2, 2)
    assert counts[-1] == {"completed": 2, "failed": 2}  # all just now: the last bucket
    missing = await client.post("/ui/task_runs/dashboard/counts", json={"task_runs": {}})
    assert (missing.status_code, missing.json()) == (422, {"detail": "task_runs.start_time.after_ is required"})


async def test_graph(client: httpx.AsyncClient) -> None:
    """graph-v2 in Prefect 3.6's shape: task runs past Pending as nodes (a subflow's placeholder as
    `flow / run`), edges from task-run inputs, `__parents__` inputs as encapsulating nodes."""
    flow = await create_flow(client, name="parent-flow")
    run = await create_flow_run(client, flow["id"])
    await set_state(client, run, "RUNNING", expected_status=201)
    upstream = await create_task_run(client, run["id"], task_key="extract", name="extract-0")
    downstream = await create_task_run(client, run["id"], task_key="load", task_inputs={
        "rows": [{"input_type": "task_run", "id": upstream["id"]}], "x": [{"input_type": "parameter", "name": "x"}]})
    unstarted = await create_task_run(client, run["id"], task_key="never")
    for task in (upstream, downstream):
        await set_state(client, task, "RUNNING", runs="task_runs", expected_status=201)
    inner = await create_task_run(client, run["id"], task_key="inner", state={"type": "RUNNING"}, task_inputs={
        "__parents__": [{"input_type": "task_run", "id": downstream["id"]}] * 2})
    cached = await create_task_run(client, run["id"], task_key="cached", state={"type": "COMPLETED"})
    placeholder = await create_task_run(client, run["id"], task_key="child")
    await set_state(client, placeholder, "RUNNING", runs="task_runs", expected_status=201)
    child_flow = await create_flow(client, name="child-flow")
    subflow = await create_flow_run(client, child_flow["id"], name="child-run", parent_task_run_id=placeholder["id"])
    await set_state(client, subflow, "RUNNING", expected_status=201)
    artifact = await _post(client, "/artifacts/", {"type": "progress", "data": 50, "flow_run_id": run["id"],
                                                   "task_run_id": downstream["id"]}, status=201)

    response = await client.get(f"/flow_runs/{run['id']}/graph-v2")
    assert response.status_code == 200, response.text
    graph = response.json()
    nodes = dict((node_id, node) for node_id, node in graph["nodes"])
    assert list(nodes) == [upstream["id"], downstream["id"], inner["id"], cached["id"], subflow["id"]]
    assert unstarted["id"] not in nodes and placeholder["id"] not in nodes
    assert {key: nodes[subflow["id"]][key] for key in ("kind", "label", "state_type", "encapsulating")} == {
        "kind": "flow-run", "label": "child-flow / child-run", "state_type": "RUNNING", "encapsulating": []}
    assert {key: nodes[upstream["id"]][key] for key in ("kind", "label", "state_type", "parents", "children")} == {
        "kind": "task-run", "label": "extract-0", "state_type": "RUNNING", "parents": [],
        "children": [{"id": downstream["id"]}]}
    assert nodes[downstream["id"]]["parents"] == [{"id": upstream["id"]}]
    assert (nodes[inner["id"]]["parents"], nodes[inner["id"]]["encapsulating"]) == ([], [{"id": downstream["id"]}])
    assert nodes[downstream["id"]]["children"] == []  # encapsulating is no data edge
    # created Completed (a cache hit): started and ended as it entered that state, as Prefect records it
    stored = (await client.get(f"/task_runs/{cached['id']}")).json()
    assert (nodes[cached["id"]]["start_time"], nodes[cached["id"]]["end_time"]) == (
        stored["start_time"], stored["end_time"]) and stored["end_time"] is not None
    assert nodes[upstream["id"]]["end_time"] is None
    assert graph["root_node_ids"] == [upstream["id"], inner["id"], cached["id"], subflow["id"]]
    assert [(item["id"], item["data"], item["is_latest"]) for item in nodes[downstream["id"]]["artifacts"]] == [
        (artifact["id"], 50, True)]  # keyless: nothing newer can replace it, as in Prefect
    assert [state["type"] for state in graph["states"]] == ["PENDING", "RUNNING"]
    assert graph["start_time"] is not None and graph["end_time"] is None
    assert graph["start_time"].endswith("Z") and nodes[upstream["id"]]["start_time"].endswith("Z")
    later = await client.get(f"/flow_runs/{run['id']}/graph-v2", params={"since": "2100-01-01T00:00:00Z"})
    assert [node_id for node_id, _ in later.json()["nodes"]] == [
        upstream["id"], downstream["id"], inner["id"], subflow["id"]]  # the ones still running
    missing = await client.get(f"/flow_runs/{uuid.uuid4()}/graph-v2")
    assert (missing.status_code, missing.json()) == (404, {"detail": "Flow run not found"})

    scheduled = await create_flow_run(client, state={"type": "SCHEDULED"})
    empty = (await client.get(f"/flow_runs/{scheduled['id']}/graph-v2")).json()
    assert empty["start_time"] == scheduled["expected_start_time"] and empty["nodes"] == []


async def test_counts_per_object_for_list_pages(client: httpx.AsyncClient) -> None:
    """Prefect's UI asks per page: task runs per flow run (subflow runs' task runs left out),
    deployments and the next scheduled run per flow."""
    flow = await create_flow(client)
    idle = await create_flow(client, "idle")
    parent = await create_flow_run(client, flow["id"])
    for key in ("a", "b"):
        await create_task_run(client, parent["id"], key)
    stands_for_subflow = await create_task_run(client, parent["id"], "sub")
    await create_flow_run(client, flow["id"], parent_task_run_id=stands_for_subflow["id"])
    missing = str(uuid.uuid4())
    counts = await _post(client, "/ui/flow_runs/count-task-runs", {"flow_run_ids": [parent["id"], missing]})
    assert counts == {parent["id"]: 2, missing: 0}

    await client.post("/deployments/", json={"name": "nightly", "flow_id": flow["id"]})
    assert await _post(client, "/ui/flows/count-deployments", {"flow_ids": [flow["id"], idle["id"]]}) == {
        flow["id"]: 1, idle["id"]: 0}

    soon, later = (datetime.now(timezone.utc) + timedelta(hours=hours) for hours in (1, 2))
    for name, when in (("later-run", later), ("soon-run", soon)):
        await create_flow_run(client, flow["id"], name=name, state={
            "type": "SCHEDULED", "state_details": {"scheduled_time": when.isoformat()}})
    next_runs = await _post(client, "/ui/flows/next-runs", {"flow_ids": [flow["id"], idle["id"]]})
    assert next_runs[idle["id"]] is None
    assert (next_runs[flow["id"]]["name"], next_runs[flow["id"]]["state_type"]) == ("soon-run", "SCHEDULED")
    assert set(next_runs[flow["id"]]) == {"id", "flow_id", "name", "state_name", "state_type",
                                          "next_scheduled_start_time"}
    too_many = {"flow_ids": [str(uuid.uuid4()) for _ in range(201)]}
    assert (await client.post("/ui/flows/next-runs", json=too_many)).status_code == 422
