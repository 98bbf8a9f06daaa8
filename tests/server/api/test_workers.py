"""`/work_pools`: pools with their default queue, queues, worker heartbeats, the runs a worker
picks up (ordered, paused, limited), derived statuses, deployments in pools, and 4xx answers."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.server.api.flow_helpers import create_flow, set_state

pytestmark = pytest.mark.anyio

TEMPLATE = {
    "job_configuration": {"command": "{{ command }}", "env": "{{ env }}"},
    "variables": {"type": "object", "properties": {"command": {"type": "string"}, "env": {"type": "object"}}},
}


async def create_pool(client: httpx.AsyncClient, name: str = "local", expected_status: int = 201,
                      **fields: Any) -> dict[str, Any]:
    response = await client.post("/work_pools/", json={"name": name, "type": "process", **fields})
    assert response.status_code == expected_status, response.text
    return response.json()


async def create_queue(client: httpx.AsyncClient, pool: str, name: str, **fields: Any) -> dict[str, Any]:
    response = await client.post(f"/work_pools/{pool}/queues", json={"name": name, **fields})
    assert response.status_code == 201, response.text
    return response.json()


async def queue_names(client: httpx.AsyncClient, pool: str, **body: Any) -> list[str]:
    response = await client.post(f"/work_pools/{pool}/queues/filter", json=body)
    assert response.status_code == 200, response.text
    return [queue["name"] for queue in response.json()]


async def test_create_read_update_delete_pool(client: httpx.AsyncClient) -> None:
    pool = await create_pool(client, base_job_template=TEMPLATE, description="on this host")
    assert (pool["name"], pool["type"], pool["base_job_template"], pool["description"]) == (
        "local", "process", TEMPLATE, "on this host")
    assert (pool["is_paused"], pool["status"], pool["concurrency_limit"]) == (False, "NOT_READY", None)
    assert (await client.get("/work_pools/local")).json() == pool
    [default] = (await client.post("/work_pools/local/queues/filter")).json()
    assert (default["id"], default["name"], default["priority"], default["work_pool_name"]) == (
        pool["default_queue_id"], "default", 1, "local")

    patched = await client.patch("/work_pools/local", json={"concurrency_limit": 3, "description": None})
    assert patched.status_code == 204, patched.text
    read = (await client.get("/work_pools/local")).json()
    assert (read["concurrency_limit"], read["description"], read["active_slots"]) == (3, None, 0)
    assert read["base_job_template"] == TEMPLATE  # not sent, not changed

    assert (await client.delete("/work_pools/local")).status_code == 204
    assert (await client.get("/work_pools/local")).status_code == 404
    assert (await client.post("/work_pools/local/queues/filter")).status_code == 404


async def test_filter_and_count_pools(client: httpx.AsyncClient) -> None:
    for name, kind in (("b", "process"), ("a", "docker"), ("c", "process")):
        await create_pool(client, name, type=kind)
    names = [pool["name"] for pool in (await client.post("/work_pools/filter", json={})).json()]
    assert names == ["a", "b", "c"]
    body = {"work_pools": {"type": {"any_": ["process"]}}}
    assert [p["name"] for p in (await client.post("/work_pools/filter", json=body)).json()] == ["b", "c"]
    assert (await client.post("/work_pools/count", json=body)).json() == 2
    assert (await client.post("/work_pools/count")).json() == 3
    by_name = {"work_pools": {"name": {"any_": ["c", "zzz"]}}, "limit": 1}
    assert [p["name"] for p in (await client.post("/work_pools/filter", json=by_name)).json()] == ["c"]
    paged = await client.post("/work_pools/filter", json={"limit": 1, "offset": 1})
    assert [p["name"] for p in paged.json()] == ["b"]


async def test_queues(client: httpx.AsyncClient) -> None:
    await create_pool(client)
    high = await create_queue(client, "local", "high", priority=1, concurrency_limit=2)
    low = await create_queue(client, "local", "low")
    assert (high["priority"], high["concurrency_limit"], high["active_slots"], high["status"]) == (1, 2, 0, "NOT_READY")
    assert low["priority"] == 2  # after the pool's others
    assert (await client.get("/work_pools/local/queues/low")).json() == low
    assert await queue_names(client, "local") == ["default", "high", "low"]
    assert await queue_names(client, "local", work_queues={"name": {"startswith_": ["h", "l"]}}) == ["high", "low"]

    patched = await client.patch("/work_pools/local/queues/low", json={"is_paused": True, "name": "slow"})
    assert patched.status_code == 204, patched.text
    slow = (await client.get("/work_pools/local/queues/slow")).json()
    assert (slow["id"], slow["is_paused"], slow["status"]) == (low["id"], True, "PAUSED")
    assert (await client.delete("/work_pools/local/queues/slow")).status_code == 204
    assert await queue_names(client, "local") == ["default", "high"]


async def test_bad_input_is_4xx_and_writes_nothing(client: httpx.AsyncClient) -> None:
    await create_pool(client)
    duplicate = await client.post("/work_pools/", json={"name": "local", "type": "docker"})
    assert (duplicate.status_code, duplicate.json()) == (409, {"detail": "A work pool with this name already exists."})
    assert (await client.get("/work_pools/local")).json()["type"] == "process"
    reserved = await client.post("/work_pools/", json={"name": "Prefect-managed", "type": "process"})
    assert reserved.status_code == 403

    half = {"job_configuration": {"command": "{{ command }}"}}
    undeclared = {"job_configuration": {"command": "{{ command }}"}, "variables": {"properties": {"env": {}}}}
    for template in (half, undeclared, ["not", "an", "object"]):
        response = await client.post("/work_pools/", json={"name": "bad", "type": "process",
                                                           "base_job_template": template})
        assert response.status_code == 422, response.text
        patched = await client.patch("/work_pools/local", json={"base_job_template": template})
        assert patched.status_code == 422, patched.text
    assert (await client.get("/work_pools/bad")).status_code == 404
    assert (await client.post("/work_pools/count")).json() == 1

    missing = {"detail": 'Work pool "nowhere" not found.'}
    for response in (await client.get("/work_pools/nowhere"), await client.patch("/work_pools/nowhere", json={}),
                     await client.delete("/work_pools/nowhere"),
                     await client.post("/work_pools/nowhere/queues", json={"name": "q"}),
                     await client.post("/work_pools/nowhere/workers/heartbeat", json={"name": "w"}),
                     await client.post("/work_pools/nowhere/workers/filter"),
                     await client.post("/work_pools/nowhere/get_scheduled_flow_runs")):
        assert (response.status_code, response.json()) == (404, missing), response.text
    for response in (await client.get("/work_pools/local/queues/nope"),
                     await client.patch("/work_pools/local/queues/nope", json={"priority": 3}),
                     await client.delete("/work_pools/local/queues/nope"),
                     await client.post("/work_pools/local/get_scheduled_flow_runs",
                                       json={"work_queue_names": ["nope"]})):
        assert (response.status_code, response.json()) == (
            404, {"detail": "Work pool queue 'local/nope' not found."}), response.text

    await create_queue(client, "local", "q")
    again = await client.post("/work_pools/local/queues", json={"name": "q"})
    assert again.status_code == 409
    renamed = await client.patch("/work_pools/local/queues/q", json={"name": "default"})
    assert renamed.status_code == 409
    assert (await client.delete("/work_pools/local/queues/default")).status_code == 400
    assert await queue_names(client, "local") == ["default", "q"]
    assert (await client.post("/work_pools/local/queues", json={"name": "x", "priority": 0})).status_code == 422
    assert (await client.post("/work_pools/local/workers/heartbeat", json={})).status_code == 422
    assert (await client.post("/work_pools/local/workers/filter")).json() == []


async def test_heartbeats_make_workers_online_and_the_pool_ready(client: httpx.AsyncClient) -> None:
    await create_pool(client)
    for _ in range(2):  # the second heartbeat updates the same worker
        response = await client.post("/work_pools/local/workers/heartbeat",
                                     json={"name": "w1", "heartbeat_interval_seconds": 10})
        assert response.status_code == 204, response.text
    [worker] = (await client.post("/work_pools/local/workers/filter")).json()
    assert (worker["name"], worker["status"], worker["heartbeat_interval_seconds"]) == ("w1", "ONLINE", 10)
    assert datetime.fromisoformat(worker["last_heartbeat_time"]) > datetime.now(UTC) - timedelta(minutes=1)
    assert (await client.get("/work_pools/local")).json()["status"] == "READY"
    offline = {"workers": {"status": {"any_": ["OFFLINE"]}}}
    assert (await client.post("/work_pools/local/workers/filter", json=offline)).json() == []

    assert (await client.delete("/work_pools/local/workers/w2")).json() == {"detail": "Worker not found."}
    assert (await client.delete("/work_pools/nowhere/workers/w1")).status_code == 404
    assert (await client.delete("/work_pools/local/workers/w1")).status_code == 204
    assert (await client.post("/work_pools/local/workers/filter")).json() == []
    assert (await client.get("/work_pools/local")).json()["status"] == "NOT_READY"
    await client.post("/work_pools/local/workers/heartbeat", json={"name": "w1"})
    assert (await client.patch("/work_pools/local", json={"is_paused": True})).status_code == 204
    assert (await client.get("/work_pools/local")).json()["status"] == "PAUSED"
    await create_pool(client, "idle")
    assert (await client.get("/work_pools/idle")).json()["status"] == "NOT_READY"


async def _deployment(client: httpx.AsyncClient, flow_id: str, name: str, queue: str | None = None) -> dict[str, Any]:
    response = await client.post("/deployments/", json={"name": name, "flow_id": flow_id, "work_pool_name": "local",
                                                        "work_queue_name": queue})
    assert response.status_code == 201, response.text
    return response.json()


async def _run(client: httpx.AsyncClient, deployment: dict[str, Any], minutes_ago: int) -> dict[str, Any]:
    when = (datetime.now(UTC) - timedelta(minutes=minutes_ago)).isoformat()
    response = await client.post(f"/deployments/{deployment['id']}/create_flow_run", json={
        "state": {"type": "SCHEDULED", "state_details": {"scheduled_time": when}}})
    assert response.status_code == 201, response.text
    return response.json()


async def _due(client: httpx.AsyncClient, **body: Any) -> list[tuple[str, str]]:
    response = await client.post("/work_pools/local/get_scheduled_flow_runs", json=body)
    assert response.status_code == 200, response.text
    return [(item["flow_run"]["id"], item["work_queue_id"]) for item in response.json()]


async def test_deployments_in_pools_and_the_runs_workers_get(client: httpx.AsyncClient) -> None:
    pool = await create_pool(client)
    flow = await create_flow(client)
    default = await _deployment(client, flow["id"], "a")
    assert (default["work_queue_id"], default["work_queue_name"]) == (pool["default_queue_id"], "default")
    other = await _deployment(client, flow["id"], "b", queue="gpu")  # a queue named by a deployment is made
    gpu = (await client.get("/work_pools/local/queues/gpu")).json()
    assert other["work_queue_id"] == gpu["id"]

    late, soon, mid = await _run(client, default, 30), await _run(client, other, 5), await _run(client, default, 10)
    future = datetime.now(UTC) + timedelta(hours=1)
    await _run(client, default, -60)  # not due yet
    assert await _due(client) == [(late["id"], default["work_queue_id"]), (mid["id"], default["work_queue_id"]),
                                  (soon["id"], gpu["id"])]
    response = (await client.post("/work_pools/local/get_scheduled_flow_runs", json={"limit": 1})).json()
    assert [(item["work_pool_id"], item["flow_run"]["work_pool_name"]) for item in response] == [
        (pool["id"], "local")]
    assert len(await _due(client, scheduled_before=(future + timedelta(minutes=1)).isoformat())) == 4
    assert await _due(client, work_queue_names=["gpu"]) == [(soon["id"], gpu["id"])]
    after = (datetime.now(UTC) - timedelta(minutes=15)).isoformat()
    assert [run for run, _ in await _due(client, scheduled_after=after)] == [mid["id"], soon["id"]]

    # polling marks the queues READY and the deployments polled
    assert (await client.get("/work_pools/local/queues/gpu")).json()["status"] == "READY"
    assert (await client.get(f"/deployments/{other['id']}")).json()["status"] == "READY"

    # a paused queue gives nothing; a queue at its concurrency limit neither
    await client.patch("/work_pools/local/queues/gpu", json={"is_paused": True})
    assert [queue for _, queue in await _due(client)] == [default["work_queue_id"]] * 2
    await client.patch("/work_pools/local/queues/default", json={"concurrency_limit": 1})
    assert [run for run, _ in await _due(client)] == [late["id"]]
    await set_state(client, late, "RUNNING")
    assert await _due(client) == []
    assert (await client.get("/work_pools/local/queues/default")).json()["active_slots"] == 1
    await client.patch("/work_pools/local/queues/default", json={"concurrency_limit": None})
    await client.patch("/work_pools/local/queues/gpu", json={"is_paused": False})
    assert [run for run, _ in await _due(client)] == [mid["id"], soon["id"]]

    # the pool's own limit and pause hold for all its queues
    await client.patch("/work_pools/local", json={"concurrency_limit": 2})
    assert [run for run, _ in await _due(client)] == [mid["id"]]
    await client.patch("/work_pools/local", json={"concurrency_limit": None, "is_paused": True})
    assert await _due(client) == []


async def test_moving_a_deployment_to_another_pool(client: httpx.AsyncClient) -> None:
    await create_pool(client)
    flow = await create_flow(client)
    deployment = await _deployment(client, flow["id"], "a")
    other = await create_pool(client, "other")
    moved = await client.patch(f"/deployments/{deployment['id']}", json={"work_pool_name": "other"})
    assert moved.status_code == 204, moved.text
    read = (await client.get(f"/deployments/{deployment['id']}")).json()
    assert (read["work_pool_name"], read["work_queue_id"]) == ("other", other["default_queue_id"])
    missing = await client.patch(f"/deployments/{deployment['id']}", json={"work_pool_name": "nowhere"})
    assert (missing.status_code, missing.json()) == (404, {"detail": 'Work pool "nowhere" not found.'})
    assert (await client.get(f"/deployments/{deployment['id']}")).json()["work_pool_name"] == "other"


async def test_work_queues_by_id_across_pools(client: httpx.AsyncClient) -> None:
    """`/work_queues`: what a worker's flow run process reads of its queue, and a queue's health."""
    await create_pool(client)
    await create_pool(client, "other")
    gpu = await create_queue(client, "other", "gpu")
    assert (await client.get(f"/work_queues/{gpu['id']}")).json() == gpu
    listed = (await client.post("/work_queues/filter", json={})).json()
    assert [(queue["work_pool_name"], queue["name"]) for queue in listed] == [
        ("local", "default"), ("other", "default"), ("other", "gpu")]
    by_name = {"work_queues": {"name": {"any_": ["gpu"]}}}
    assert [queue["id"] for queue in (await client.post("/work_queues/filter", json=by_name)).json()] == [gpu["id"]]
    assert len((await client.post("/work_queues/filter", json={"limit": 1, "offset": 2})).json()) == 1

    status = (await client.get(f"/work_queues/{gpu['id']}/status")).json()
    assert status == {"healthy": False, "late_runs_count": 0, "last_polled": None,  # never polled
                      "health_check_policy": {"maximum_late_runs": 0, "maximum_seconds_since_last_polled": 60}}
    await client.post("/work_pools/other/get_scheduled_flow_runs", json={"work_queue_names": ["gpu"]})
    polled = (await client.get(f"/work_queues/{gpu['id']}/status")).json()
    assert polled["healthy"] and polled["last_polled"] is not None, polled

    flow = await create_flow(client)
    deployment = (await client.post("/deployments/", json={"name": "d", "flow_id": flow["id"],
                                                          "work_pool_name": "other", "work_queue_name": "gpu"})).json()
    run = await _run(client, deployment, 1)
    late = await client.post(f"/flow_runs/{run['id']}/set_state", json={"state": {"type": "SCHEDULED", "name": "Late"}})
    assert late.status_code == 201, late.text
    late_status = (await client.get(f"/work_queues/{gpu['id']}/status")).json()
    assert (late_status["healthy"], late_status["late_runs_count"]) == (False, 1)

    missing = "00000000-0000-0000-0000-000000000000"
    for response in (await client.get(f"/work_queues/{missing}"), await client.get(f"/work_queues/{missing}/status")):
        assert (response.status_code, response.json()) == (404, {"detail": "work queue not found"})
    assert (await client.get("/work_queues/not-an-id")).status_code == 404


async def test_concurrency_status_of_pools_and_queues(client: httpx.AsyncClient) -> None:
    """The slots runs hold (Pending, Running, Cancelling) per pool and queue, with those runs."""
    await create_pool(client, concurrency_limit=5)
    gpu = await create_queue(client, "local", "gpu", concurrency_limit=2)
    flow = await create_flow(client)
    on_default, on_gpu = await _deployment(client, flow["id"], "a"), await _deployment(client, flow["id"], "b", "gpu")
    first, second, waiting = [await _run(client, on_gpu, minutes) for minutes in (3, 2, 1)]
    await set_state(client, first, "PENDING")
    await set_state(client, first, "RUNNING")
    await set_state(client, second, "PENDING")
    other = await _run(client, on_default, 1)
    await set_state(client, other, "PENDING")

    status = (await client.post("/work_pools/local/concurrency_status", json={"flow_run_limit": 1})).json()
    assert (status["active_slots"], status["concurrency_limit"], status["count"], status["pages"]) == (3, 5, 2, 1)
    default_status, gpu_status = status["queues"]
    assert (default_status["queue_name"], default_status["active_slots"], default_status["concurrency_limit"]) == (
        "default", 1, None)
    assert (gpu_status["queue_id"], gpu_status["active_slots"], gpu_status["flow_run_count"]) == (gpu["id"], 2, 2)
    [listed] = gpu_status["flow_runs"]  # flow_run_limit caps the runs listed, not the count
    assert (listed["id"], listed["state_type"], listed["state_name"]) == (first["id"], "RUNNING", "Running")
    assert listed["time_in_current_state"].startswith("P"), listed  # an ISO 8601 duration
    paged = (await client.post("/work_pools/local/concurrency_status", json={"limit": 1, "page": 2})).json()
    assert ([queue["queue_name"] for queue in paged["queues"]], paged["pages"], paged["page"]) == (["gpu"], 2, 2)

    queue_status = (await client.post(f"/work_queues/{gpu['id']}/concurrency_status", json={})).json()
    assert (queue_status["active_slots"], queue_status["concurrency_limit"], queue_status["count"]) == (2, 2, 2)
    assert [run["id"] for run in queue_status["flow_runs"]] == [first["id"], second["id"]]  # waiting holds none
    page_two = (await client.post(f"/work_queues/{gpu['id']}/concurrency_status", json={"limit": 1, "page": 2})).json()
    assert ([run["id"] for run in page_two["flow_runs"]], page_two["pages"]) == ([second["id"]], 2)
    assert waiting["id"] not in str(status)

    missing = await client.post("/work_pools/nowhere/concurrency_status", json={})
    assert (missing.status_code, missing.json()) == (404, {"detail": "Work pool 'nowhere' not found."})
    no_queue = await client.post(f"/work_queues/{uuid.uuid4()}/concurrency_status", json={})
    assert (no_queue.status_code, no_queue.json()) == (404, {"detail": "Work queue not found."})
    assert (await client.post("/work_pools/local/concurrency_status", json={"page": 0})).status_code == 422
