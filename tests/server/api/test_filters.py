"""Every filter operator of `/flows/filter`, `/flow_runs/filter` and `/task_runs/filter` (and their
`/count`s), cross-resource filters and sorts, on both backends, over one small world of runs."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.server.api.flow_helpers import create_flow, create_flow_run, create_task_run, set_state

pytestmark = pytest.mark.anyio

DEPLOYMENT_ID = str(uuid.uuid4())


@pytest.fixture
async def world(client: httpx.AsyncClient) -> dict[str, Any]:
    """Flows alpha/beta/gamma; runs one (alpha, finished), two (beta, running), Other_% (a scheduled
    subflow of task-a); task runs task-a (of one, finished), task-b (of two), orphan (no flow run)."""
    alpha = await create_flow(client, "alpha", tags=["etl", "daily"])
    beta = await create_flow(client, "beta", tags=["etl"])
    await create_flow(client, "gamma")
    one = await create_flow_run(client, alpha["id"], name="run-one", tags=["x", "y"], flow_version="1",
                                idempotency_key="k1", work_queue_name="q", deployment_id=DEPLOYMENT_ID)
    two = await create_flow_run(client, beta["id"], name="run-two", tags=["y"], flow_version="2")
    await set_state(client, one, "RUNNING")
    await set_state(client, two, "RUNNING")
    task_a = await create_task_run(client, one["id"], name="task-a", tags=["x"])
    await create_task_run(client, two["id"], name="task-b")
    await create_task_run(client, None, name="orphan")
    await set_state(client, task_a, "RUNNING", runs="task_runs")
    await set_state(client, task_a, "COMPLETED", runs="task_runs")
    await set_state(client, one, "COMPLETED")
    await create_flow_run(client, beta["id"], name="Other_%", parent_task_run_id=task_a["id"],
                          state={"type": "SCHEDULED", "state_details": {"scheduled_time": "2099-01-01T00:00:00Z"}})
    return {"one": await read(client, "flow_runs", one["id"]), "two": await read(client, "flow_runs", two["id"])}


async def read(client: httpx.AsyncClient, runs: str, run_id: str) -> dict[str, Any]:
    return (await client.get(f"/{runs}/{run_id}")).json()


async def names(client: httpx.AsyncClient, resource: str, body: dict[str, Any]) -> set[str]:
    """The names the filter matches; its `/count` must agree."""
    matched = {item["name"] for item in (await client.post(f"/{resource}/filter", json=body)).json()}
    assert (await client.post(f"/{resource}/count", json=body)).json() == len(matched)
    return matched


FLOW_CASES = [
    ({}, {"alpha", "beta", "gamma"}),
    ({"flows": {"name": {"any_": ["alpha", "gamma"]}}}, {"alpha", "gamma"}),
    ({"flows": {"name": {"like_": "ET"}}}, {"beta"}),
    ({"flows": {"tags": {"all_": ["etl", "daily"]}}}, {"alpha"}),
    ({"flows": {"tags": {"all_": ["etl"]}}}, {"alpha", "beta"}),
    ({"flows": {"tags": {"any_": ["daily", "nope"]}}}, {"alpha"}),
    ({"flows": {"tags": {"is_null_": True}}}, {"gamma"}),
    ({"flows": {"tags": {"is_null_": False}}}, {"alpha", "beta"}),
    ({"flows": {"operator": "or_", "name": {"any_": ["gamma"]}, "tags": {"all_": ["daily"]}}}, {"alpha", "gamma"}),
    ({"flow_runs": {}}, {"alpha", "beta"}),
    ({"flow_runs": {"state": {"type": {"any_": ["RUNNING"]}}}}, {"beta"}),
    ({"task_runs": {"name": {"any_": ["task-a"]}}}, {"alpha"}),
    ({"flow_runs": {"name": {"any_": ["run-two"]}}, "task_runs": {"name": {"any_": ["task-a"]}}}, set()),
]


@pytest.mark.parametrize(("body", "expected"), FLOW_CASES)
async def test_flow_filters(client: httpx.AsyncClient, world: dict[str, Any], body: dict[str, Any],
                            expected: set[str]) -> None:
    assert await names(client, "flows", body) == expected


async def test_flow_id_filters(client: httpx.AsyncClient, world: dict[str, Any]) -> None:
    alpha = world["one"]["flow_id"]
    assert await names(client, "flows", {"flows": {"id": {"any_": [alpha]}}}) == {"alpha"}
    assert await names(client, "flows", {"flows": {"id": {"not_any_": [alpha]}}}) == {"beta", "gamma"}


FLOW_RUN_CASES = [
    ({}, {"run-one", "run-two", "Other_%"}),
    ({"flow_runs": {"name": {"like_": "RUN-"}}}, {"run-one", "run-two"}),
    ({"flow_runs": {"name": {"like_": "_%"}}}, {"Other_%"}),  # wildcards match literally
    ({"flow_runs": {"tags": {"all_": ["x", "y"]}}}, {"run-one"}),
    ({"flow_runs": {"tags": {"any_": ["y"]}}}, {"run-one", "run-two"}),
    ({"flow_runs": {"tags": {"is_null_": True}}}, {"Other_%"}),
    ({"flow_runs": {"tags": {"operator": "or_", "all_": ["x"], "is_null_": True}}}, {"run-one", "Other_%"}),
    ({"flow_runs": {"deployment_id": {"any_": [DEPLOYMENT_ID]}}}, {"run-one"}),
    ({"flow_runs": {"deployment_id": {"is_null_": True}}}, {"run-two", "Other_%"}),
    ({"flow_runs": {"work_queue_name": {"any_": ["q"]}}}, {"run-one"}),
    ({"flow_runs": {"work_queue_name": {"is_null_": False}}}, {"run-one"}),
    ({"flow_runs": {"state": {"type": {"any_": ["COMPLETED", "SCHEDULED"]}}}}, {"run-one", "Other_%"}),
    ({"flow_runs": {"state": {"type": {"not_any_": ["COMPLETED"]}}}}, {"run-two", "Other_%"}),
    ({"flow_runs": {"state": {"name": {"any_": ["Running"]}}}}, {"run-two"}),
    ({"flow_runs": {"state": {"name": {"not_any_": ["Running"]}}}}, {"run-one", "Other_%"}),
    ({"flow_runs": {"state": {"operator": "or_", "type": {"any_": ["RUNNING"]}, "name": {"any_": ["Scheduled"]}}}},
     {"run-two", "Other_%"}),
    ({"flow_runs": {"flow_version": {"any_": ["2"]}}}, {"run-two"}),
    ({"flow_runs": {"start_time": {"is_null_": True}}}, {"Other_%"}),
    ({"flow_runs": {"end_time": {"is_null_": False}}}, {"run-one"}),
    ({"flow_runs": {"expected_start_time": {"after_": "2098-01-01T00:00:00Z"}}}, {"Other_%"}),
    ({"flow_runs": {"expected_start_time": {"before_": "2098-01-01T00:00:00Z"}}}, {"run-one", "run-two"}),
    ({"flow_runs": {"next_scheduled_start_time": {"after_": "2000-01-01T00:00:00Z"}}}, {"Other_%"}),
    ({"flow_runs": {"parent_task_run_id": {"is_null_": False}}}, {"Other_%"}),
    ({"flow_runs": {"idempotency_key": {"any_": ["k1"]}}}, {"run-one"}),
    ({"flow_runs": {"idempotency_key": {"not_any_": ["k1"]}}}, set()),  # NULL keys never match NOT IN
    ({"flow_runs": {"operator": "or_", "flow_version": {"any_": ["1"]}, "name": {"any_": ["run-two"]}}},
     {"run-one", "run-two"}),
    ({"flows": {"name": {"any_": ["beta"]}}}, {"run-two", "Other_%"}),
    ({"task_runs": {"name": {"any_": ["task-b"]}}}, {"run-two"}),
    ({"task_runs": {}}, {"run-one", "run-two"}),
]


@pytest.mark.parametrize(("body", "expected"), FLOW_RUN_CASES)
async def test_flow_run_filters(client: httpx.AsyncClient, world: dict[str, Any], body: dict[str, Any],
                                expected: set[str]) -> None:
    assert await names(client, "flow_runs", body) == expected


async def test_flow_run_id_time_and_parent_filters(client: httpx.AsyncClient, world: dict[str, Any]) -> None:
    one, two = world["one"], world["two"]
    assert await names(client, "flow_runs", {"flow_runs": {"id": {"any_": [one["id"]]}}}) == {"run-one"}
    assert await names(client, "flow_runs", {"flow_runs": {"id": {"not_any_": [one["id"]]}}}) == {"run-two", "Other_%"}
    started = {"flow_runs": {"start_time": {"after_": one["start_time"], "before_": one["start_time"]}}}
    assert await names(client, "flow_runs", started) == {"run-one"}  # bounds are inclusive
    later = {"flow_runs": {"start_time": {"after_": two["start_time"]}}}
    assert await names(client, "flow_runs", later) == {"run-two"}
    ended = {"flow_runs": {"end_time": {"before_": one["end_time"]}}}
    assert await names(client, "flow_runs", ended) == {"run-one"}
    parent = {"flow_runs": {"parent_flow_run_id": {"any_": [one["id"]]}}}
    assert await names(client, "flow_runs", parent) == {"Other_%"}
    task_a = (await client.post("/task_runs/filter", json={"task_runs": {"name": {"any_": ["task-a"]}}})).json()[0]
    by_parent_task = {"flow_runs": {"parent_task_run_id": {"any_": [task_a["id"]]}}}
    assert await names(client, "flow_runs", by_parent_task) == {"Other_%"}


TASK_RUN_CASES = [
    ({}, {"task-a", "task-b", "orphan"}),
    ({"task_runs": {"name": {"like_": "TASK"}}}, {"task-a", "task-b"}),
    ({"task_runs": {"name": {"any_": ["orphan"]}}}, {"orphan"}),
    ({"task_runs": {"tags": {"all_": ["x"]}}}, {"task-a"}),
    ({"task_runs": {"tags": {"is_null_": True}}}, {"task-b", "orphan"}),
    ({"task_runs": {"state": {"type": {"any_": ["COMPLETED"]}}}}, {"task-a"}),
    ({"task_runs": {"state": {"name": {"any_": ["Pending"]}}}}, {"task-b", "orphan"}),
    ({"task_runs": {"start_time": {"is_null_": False}}}, {"task-a"}),
    ({"task_runs": {"end_time": {"is_null_": True}}}, {"task-b", "orphan"}),
    ({"task_runs": {"end_time": {"after_": "2000-01-01T00:00:00Z"}}}, {"task-a"}),
    ({"task_runs": {"subflow_runs": {"exists_": True}}}, {"task-a"}),
    ({"task_runs": {"subflow_runs": {"exists_": False}}}, {"task-b", "orphan"}),
    ({"task_runs": {"flow_run_id": {"is_null_": True}}}, {"orphan"}),
    ({"task_runs": {"operator": "or_", "flow_run_id": {"is_null_": True}, "tags": {"all_": ["x"]}}},
     {"task-a", "orphan"}),
    ({"flow_runs": {"name": {"any_": ["run-two"]}}}, {"task-b"}),
    ({"flows": {"name": {"any_": ["alpha"]}}}, {"task-a"}),
    ({"flows": {"tags": {"all_": ["etl"]}}, "flow_runs": {"state": {"type": {"any_": ["RUNNING"]}}}}, {"task-b"}),
]


@pytest.mark.parametrize(("body", "expected"), TASK_RUN_CASES)
async def test_task_run_filters(client: httpx.AsyncClient, world: dict[str, Any], body: dict[str, Any],
                                expected: set[str]) -> None:
    assert await names(client, "task_runs", body) == expected


async def test_task_run_flow_run_id_filter(client: httpx.AsyncClient, world: dict[str, Any]) -> None:
    body = {"task_runs": {"flow_run_id": {"any_": [world["one"]["id"], world["two"]["id"]]}}}
    assert await names(client, "task_runs", body) == {"task-a", "task-b"}
    task_a = (await client.post("/task_runs/filter", json={"task_runs": {"name": {"any_": ["task-a"]}}})).json()[0]
    assert await names(client, "task_runs", {"task_runs": {"id": {"any_": [task_a["id"]]}}}) == {"task-a"}


FLOW_RUN_SORTS = [
    ("NAME_ASC", ["Other_%", "run-one", "run-two"]),
    ("NAME_DESC", ["run-two", "run-one", "Other_%"]),
    ("START_TIME_ASC", ["run-one", "run-two", "Other_%"]),  # no start: the expected start (2099) counts
    ("START_TIME_DESC", ["Other_%", "run-two", "run-one"]),
    ("EXPECTED_START_TIME_ASC", ["run-one", "run-two", "Other_%"]),
    ("EXPECTED_START_TIME_DESC", ["Other_%", "run-two", "run-one"]),
    ("NEXT_SCHEDULED_START_TIME_ASC", ["Other_%", "run-one", "run-two"]),  # NULLs last, then by id
    ("END_TIME_DESC", ["run-one"]),
]


@pytest.mark.parametrize(("sort", "expected"), FLOW_RUN_SORTS)
async def test_flow_run_sorts(client: httpx.AsyncClient, world: dict[str, Any], sort: str,
                              expected: list[str]) -> None:
    runs = (await client.post("/flow_runs/filter", json={"sort": sort})).json()
    if sort == "NEXT_SCHEDULED_START_TIME_ASC":
        tail = sorted(runs[1:], key=lambda run: run["id"])
        assert runs[0]["name"] == "Other_%" and runs[1:] == tail
    else:
        assert [run["name"] for run in runs][:len(expected)] == expected


async def test_flow_run_default_sort_is_id_desc(client: httpx.AsyncClient, world: dict[str, Any]) -> None:
    runs = (await client.post("/flow_runs/filter", json={"sort": None})).json()
    assert [run["id"] for run in runs] == sorted((run["id"] for run in runs), reverse=True)
    assert (await client.post("/flow_runs/filter", json={"sort": "START_TIME_SIDEWAYS"})).status_code == 422


@pytest.mark.parametrize("sort", ["EXPECTED_START_TIME_ASC", "EXPECTED_START_TIME_DESC", "NAME_DESC",
                                  "NEXT_SCHEDULED_START_TIME_ASC", "END_TIME_DESC"])
async def test_task_run_sorts(client: httpx.AsyncClient, world: dict[str, Any], sort: str) -> None:
    response = await client.post("/task_runs/filter", json={"sort": sort})
    assert response.status_code == 200 and len(response.json()) == 3
    assert (await client.post("/task_runs/filter", json={"sort": "START_TIME_ASC"})).status_code == 422
