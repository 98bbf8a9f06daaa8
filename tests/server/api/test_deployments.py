"""`/deployments`: the upsert `serve` and `deploy` make, reading by id and by `flow/name`,
filters, schedules and the runs made from a deployment, and the 4xx answers to bad input."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.server.api.flow_helpers import create_flow

pytestmark = pytest.mark.anyio

HOURLY = {"interval": 3600}


async def create_deployment(client: httpx.AsyncClient, flow_id: str, name: str = "nightly",
                            expected_status: int = 201, **fields: Any) -> dict[str, Any]:
    response = await client.post("/deployments/", json={"name": name, "flow_id": flow_id, **fields})
    assert response.status_code == expected_status, response.text
    return response.json()


async def test_create_read_and_upsert(client: httpx.AsyncClient) -> None:
    flow = await create_flow(client, "etl")
    created = await create_deployment(client, flow["id"], parameters={"x": 1}, tags=["a"], entrypoint="etl.py:etl",
                                      schedules=[{"schedule": {"cron": "0 * * * *"}}], labels=None)
    assert (created["name"], created["flow_id"], created["parameters"], created["tags"]) == (
        "nightly", flow["id"], {"x": 1}, ["a"])
    assert (created["paused"], created["status"], created["job_variables"], created["labels"]) == (
        False, "NOT_READY", {}, {})
    assert created["parameter_openapi_schema"] == {"type": "object", "properties": {}}
    [schedule] = created["schedules"]
    assert schedule["schedule"] == {"cron": "0 * * * *", "timezone": None, "day_or": True}
    assert schedule["active"] is True and schedule["deployment_id"] == created["id"]
    assert (await client.get(f"/deployments/{created['id']}")).json() == created
    assert (await client.get("/deployments/name/etl/nightly")).json() == created

    again = await create_deployment(client, flow["id"], expected_status=200, parameters={"x": 2},
                                    schedules=[{"schedule": HOURLY, "active": False}])
    assert again["id"] == created["id"] and again["parameters"] == {"x": 2}
    assert [(s["schedule"]["interval"], s["active"]) for s in again["schedules"]] == [(3600.0, False)]


async def test_missing_deployments_are_404(client: httpx.AsyncClient) -> None:
    missing = uuid.uuid4()
    for response in (await client.get(f"/deployments/{missing}"), await client.get("/deployments/name/no/such"),
                     await client.delete(f"/deployments/{missing}"),
                     await client.post(f"/deployments/{missing}/create_flow_run", json={}),
                     await client.post(f"/deployments/{missing}/pause_deployment")):
        assert response.status_code == 404, response.text
        assert response.json() == {"detail": "Deployment not found"}
    patched = await client.patch(f"/deployments/{missing}", json={"paused": True})
    assert (patched.status_code, patched.json()) == (404, {"detail": "Deployment not found."})


@pytest.mark.parametrize("schedule", [
    {"interval": 0}, {"interval": -5}, {"cron": "not a cron"}, {"cron": "H * * * *"}, {"rrule": "FREQ=SOMETIMES"},
    {"interval": 60, "timezone": "Mars/Olympus"}, {"every": 5}, {"rrule": "FREQ=DAILY;" + "BYHOUR=1;" * 1000},
])
async def test_bad_schedules_are_422_and_nothing_is_written(client: httpx.AsyncClient,
                                                            schedule: dict[str, Any]) -> None:
    flow = await create_flow(client)
    response = await client.post("/deployments/", json={"name": "bad", "flow_id": flow["id"],
                                                         "schedules": [{"schedule": schedule}]})
    assert response.status_code == 422, response.text
    assert (await client.post("/deployments/count", json={})).json() == 0
    deployment = await create_deployment(client, flow["id"])
    added = await client.post(f"/deployments/{deployment['id']}/schedules", json=[{"schedule": schedule}])
    assert added.status_code == 422, added.text
    assert (await client.get(f"/deployments/{deployment['id']}/schedules")).json() == []


async def test_bad_fields_are_4xx(client: httpx.AsyncClient) -> None:
    flow = await create_flow(client)
    body = {"name": "d", "flow_id": flow["id"]}
    assert (await client.post("/deployments/", json={**body, "name": "a/b"})).status_code == 422
    assert (await client.post("/deployments/", json={**body, "job_variables": ["not", "a", "dict"]})).status_code == 422
    assert (await client.post("/deployments/", json={**body, "concurrency_limit": 0})).status_code == 422
    too_many = {"schedule": HOURLY, "max_scheduled_runs": 51}
    assert (await client.post("/deployments/", json={**body, "schedules": [too_many]})).status_code == 422
    pool = await client.post("/deployments/", json={**body, "work_pool_name": "nowhere"})
    assert (pool.status_code, pool.json()) == (404, {"detail": 'Work pool "nowhere" not found.'})
    unknown_flow = await client.post("/deployments/", json={**body, "flow_id": str(uuid.uuid4())})
    assert unknown_flow.status_code == 404
    assert (await client.post("/deployments/count", json={})).json() == 0


async def test_filter_count_paginate(client: httpx.AsyncClient) -> None:
    etl, report = await create_flow(client, "etl"), await create_flow(client, "report")
    await create_deployment(client, etl["id"], "alpha", tags=["prod"])
    await create_deployment(client, etl["id"], "beta", paused=True)
    await create_deployment(client, report["id"], "gamma", tags=["prod"])

    async def names(body: dict[str, Any]) -> list[str]:
        response = await client.post("/deployments/filter", json=body)
        assert response.status_code == 200, response.text
        return [deployment["name"] for deployment in response.json()]

    assert await names({}) == ["alpha", "beta", "gamma"]
    assert await names({"sort": "NAME_DESC", "limit": 2}) == ["gamma", "beta"]
    assert await names({"deployments": {"tags": {"all_": ["prod"]}}}) == ["alpha", "gamma"]
    assert await names({"deployments": {"paused": {"eq_": True}}}) == ["beta"]
    assert await names({"deployments": {"flow_or_deployment_name": {"like_": "REP"}}}) == ["gamma"]
    assert await names({"flows": {"name": {"any_": ["etl"]}}}) == ["alpha", "beta"]
    assert (await client.post("/deployments/count", json={"deployments": {"name": {"like_": "a"}}})).json() == 3
    page = (await client.post("/deployments/paginate", json={"limit": 2, "page": 2})).json()
    assert ([d["name"] for d in page["results"]], page["count"], page["pages"]) == (["gamma"], 3, 2)
    assert (await client.post("/deployments/filter", json={"limit": 201})).status_code == 422


async def test_runs_from_a_deployment(client: httpx.AsyncClient) -> None:
    flow = await create_flow(client, "etl", labels={"team": "data"})
    deployment = await create_deployment(client, flow["id"], parameters={"x": 1, "y": 2}, tags=["prod"],
                                         version="v3", labels={"env": "prod"})
    response = await client.post(f"/deployments/{deployment['id']}/create_flow_run",
                                 json={"parameters": {"y": 5}, "tags": ["adhoc"], "idempotency_key": "k",
                                       "job_variables": {"env": {"A": "1"}}})
    assert response.status_code == 201, response.text
    run = response.json()
    assert (run["deployment_id"], run["flow_id"], run["deployment_version"]) == (deployment["id"], flow["id"], "v3")
    assert run["parameters"] == {"x": 1, "y": 5} and sorted(run["tags"]) == ["adhoc", "prod"]
    assert run["job_variables"] == {"env": {"A": "1"}} and run["work_queue_name"] == "default"
    assert run["labels"] == {"team": "data", "prefect.flow.id": flow["id"], "env": "prod",
                             "prefect.deployment.id": deployment["id"]}
    assert run["state"]["type"] == "SCHEDULED" and run["state_name"] == "Scheduled"
    repeat = await client.post(f"/deployments/{deployment['id']}/create_flow_run", json={"idempotency_key": "k"})
    assert (repeat.status_code, repeat.json()["id"]) == (200, run["id"])

    later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    await client.post(f"/deployments/{deployment['id']}/create_flow_run",
                      json={"state": {"type": "SCHEDULED", "state_details": {"scheduled_time": later}}})
    due = await client.post("/deployments/get_scheduled_flow_runs", json={"deployment_ids": [deployment["id"]]})
    assert due.status_code == 200, due.text
    assert [r["id"] for r in due.json()] == [run["id"]]
    polled = (await client.get(f"/deployments/{deployment['id']}")).json()
    assert polled["status"] == "READY" and polled["last_polled"] is not None


async def test_schedule_makes_idempotent_runs(client: httpx.AsyncClient) -> None:
    flow = await create_flow(client)
    deployment = await create_deployment(client, flow["id"], tags=["prod"],
                                         schedules=[{"schedule": {"interval": 60}, "parameters": {"p": 1}}])
    start = datetime(2030, 1, 1, tzinfo=UTC).isoformat()
    for _ in range(2):  # the second call finds every run already there
        response = await client.post(f"/deployments/{deployment['id']}/schedule",
                                     json={"start_time": start, "max_runs": 5})
        assert response.status_code == 201, response.text
    runs = (await client.post("/flow_runs/filter", json={"sort": "EXPECTED_START_TIME_ASC"})).json()
    assert [r["expected_start_time"][:19] for r in runs] == [f"2030-01-01T00:0{m}:00" for m in range(5)]
    assert all(r["auto_scheduled"] and r["tags"] == ["auto-scheduled", "prod"] for r in runs)
    assert all(r["parameters"] == {"p": 1} and r["state_name"] == "Scheduled" for r in runs)

    # Replacing the schedules drops the scheduler's runs that have not started.
    await client.patch(f"/deployments/{deployment['id']}", json={"schedules": [{"schedule": {"cron": "0 0 * * *"}}]})
    assert (await client.post("/flow_runs/count", json={})).json() == 0


async def test_schedule_routes(client: httpx.AsyncClient) -> None:
    flow = await create_flow(client)
    deployment = await create_deployment(client, flow["id"])
    path = f"/deployments/{deployment['id']}/schedules"
    response = await client.post(path, json=[{"schedule": {"rrule": "FREQ=DAILY"}, "slug": "daily"},
                                             {"schedule": HOURLY, "active": False}])
    assert response.status_code == 201, response.text
    daily, hourly = response.json()
    assert daily["schedule"] == {"rrule": "FREQ=DAILY", "timezone": "UTC"} and hourly["active"] is False
    assert (await client.patch(f"{path}/{hourly['id']}", json={"active": True})).status_code == 204
    assert [s["active"] for s in (await client.get(path)).json()] == [True, True]
    assert (await client.delete(f"{path}/{daily['id']}")).status_code == 204
    assert [s["id"] for s in (await client.get(path)).json()] == [hourly["id"]]
    assert (await client.delete(f"{path}/{daily['id']}")).status_code == 404


async def test_pause_resume_delete(client: httpx.AsyncClient) -> None:
    flow = await create_flow(client)
    deployment = await create_deployment(client, flow["id"], schedules=[{"schedule": HOURLY}])
    path = f"/deployments/{deployment['id']}"
    await client.post(f"{path}/schedule", json={})
    assert (await client.post("/flow_runs/count", json={})).json() == 3
    assert (await client.post(f"{path}/pause_deployment")).status_code == 204
    assert (await client.get(path)).json()["paused"] is True
    assert (await client.post("/flow_runs/count", json={})).json() == 0  # unstarted scheduled runs dropped
    await client.post(f"{path}/schedule", json={})
    assert (await client.post("/flow_runs/count", json={})).json() == 0  # a paused deployment makes none
    assert (await client.post(f"{path}/resume_deployment")).status_code == 204
    assert (await client.get(path)).json()["paused"] is False
    assert (await client.patch(path, json={"description": "hi", "tags": ["x"]})).status_code == 204
    assert {k: (await client.get(path)).json()[k] for k in ("description", "tags")} == {"description": "hi",
                                                                                         "tags": ["x"]}
    assert (await client.delete(path)).status_code == 204
    assert (await client.get(path)).status_code == 404


SCHEMA = {"type": "object", "properties": {"name": {"type": "string"}, "n": {"type": "integer", "default": 1},
                                           "note": {"type": "string"}}, "required": ["name"]}


async def test_parameters_are_checked_against_the_schema(client: httpx.AsyncClient) -> None:
    """Prefect's 409s when `enforce_parameter_schema` is on (the default); no run is made."""
    flow = await create_flow(client)
    deployment = await create_deployment(client, flow["id"], parameter_openapi_schema=SCHEMA)
    run_url = f"/deployments/{deployment['id']}/create_flow_run"
    for parameters, reason in (
            ({}, "Validation failed. Failure reason: 'name' is a required property"),
            ({"name": 1}, "Validation failed for field 'name'. Failure reason: 1 is not of type 'string'"),
            ({"name": "x", "n": "2"}, "Validation failed for field 'n'. Failure reason: '2' is not of type 'integer'")):
        response = await client.post(run_url, json={"parameters": parameters})
        assert (response.status_code, response.json()) == (409, {"detail": f"Error creating flow run: {reason}"})
    assert (await client.post("/flow_runs/count")).json() == 0
    ok = await client.post(run_url, json={"parameters": {"name": "x", "note": None}})  # optional: None allowed
    assert ok.status_code == 201, ok.text
    unchecked = await client.post(run_url, json={"parameters": {"name": 1}, "enforce_parameter_schema": False})
    assert unchecked.status_code == 201, unchecked.text

    url = f"/deployments/{deployment['id']}"
    defaults = await client.patch(url, json={"parameters": {"n": 3}})  # defaults may leave required ones out
    assert defaults.status_code == 204, defaults.text
    bad = await client.patch(url, json={"parameters": {"n": "three"}})
    assert (bad.status_code, bad.json()["detail"]) == (409, "Error updating deployment: Validation failed for field "
                                                            "'n'. Failure reason: 'three' is not of type 'integer'")
    narrower = {**SCHEMA, "properties": {**SCHEMA["properties"], "n": {"type": "string"}}}
    assert (await client.patch(url, json={"parameter_openapi_schema": narrower})).status_code == 409  # n=3 kept
    assert (await client.get(url)).json()["parameters"] == {"n": 3}
    assert (await client.patch(url, json={"parameters": {"n": "three"},
                                          "enforce_parameter_schema": False})).status_code == 204
    assert (await client.post(run_url, json={"parameters": {"name": 1}})).status_code == 201  # no longer enforced

    circular = {"type": "object", "properties": {"a": {"$ref": "#/definitions/A"}},
                "definitions": {"A": {"$ref": "#/definitions/A"}}}
    looping = await create_deployment(client, flow["id"], "looping", parameter_openapi_schema=circular)
    response = await client.post(f"/deployments/{looping['id']}/create_flow_run", json={"parameters": {"a": 1}})
    assert (response.status_code, response.json()) == (
        422, {"detail": "Invalid schema: Unable to validate schema with circular references."})
