"""Shortcuts for the flow, flow-run and task-run tests: create objects and move runs between states."""

from __future__ import annotations

from typing import Any

import httpx


async def create_flow(client: httpx.AsyncClient, name: str = "etl", **fields: Any) -> dict[str, Any]:
    response = await client.post("/flows/", json={"name": name, **fields})
    assert response.status_code in (200, 201), response.text
    return response.json()


async def create_flow_run(client: httpx.AsyncClient, flow_id: str | None = None, **fields: Any) -> dict[str, Any]:
    if flow_id is None:
        flow_id = (await create_flow(client))["id"]
    response = await client.post("/flow_runs/", json={"flow_id": flow_id, **fields})
    assert response.status_code == 201, response.text
    return response.json()


async def create_task_run(client: httpx.AsyncClient, flow_run_id: str | None, task_key: str = "task",
                          dynamic_key: str = "0", **fields: Any) -> dict[str, Any]:
    body = {"flow_run_id": flow_run_id, "task_key": task_key, "dynamic_key": dynamic_key, **fields}
    response = await client.post("/task_runs/", json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def set_state(client: httpx.AsyncClient, run: dict[str, Any], state_type: str, *, runs: str = "flow_runs",
                    force: bool = False, expected_status: int | None = None, **state: Any) -> dict[str, Any]:
    """Propose a state for `run` (a flow run, or a task run with `runs="task_runs"`); the result body."""
    response = await client.post(f"/{runs}/{run['id']}/set_state",
                                 json={"state": {"type": state_type, **state}, "force": force})
    if expected_status is not None:
        assert response.status_code == expected_status, response.text
    return response.json()
