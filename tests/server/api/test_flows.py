"""`/flows`: upsert by name, reads, updates, deletes with cascade, filter/count/paginate."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.server.api.flow_helpers import create_flow, create_flow_run

pytestmark = pytest.mark.anyio


async def test_create_is_an_upsert_by_name(client: httpx.AsyncClient) -> None:
    created = await client.post("/flows/", json={"name": "etl", "tags": ["a"], "labels": {"team": "data"}})
    assert created.status_code == 201
    flow = created.json()
    assert flow["name"] == "etl" and flow["tags"] == ["a"] and flow["labels"] == {"team": "data"}
    assert {"id", "created", "updated"} <= flow.keys()
    again = await client.post("/flows/", json={"name": "etl", "tags": ["b"]})
    assert again.status_code == 200
    assert again.json() == flow  # unchanged


@pytest.mark.parametrize("name", ["a/b", "a%b", "a&b", "a>b", "a<b"])
async def test_forbidden_characters_in_names(client: httpx.AsyncClient, name: str) -> None:
    response = await client.post("/flows/", json={"name": name})
    assert response.status_code == 422
    assert response.json()["exception_message"] == "Invalid request received."


async def test_read_by_id_and_name(client: httpx.AsyncClient) -> None:
    flow = await create_flow(client, "my flow")
    assert (await client.get(f"/flows/{flow['id']}")).json() == flow
    assert (await client.get("/flows/name/my flow")).json() == flow


async def test_missing_flows(client: httpx.AsyncClient) -> None:
    for path in (f"/flows/{uuid.uuid4()}", "/flows/name/nope"):
        response = await client.get(path)
        assert (response.status_code, response.json()) == (404, {"detail": "Flow not found"})
    response = await client.get("/flows/not-a-uuid")
    assert (response.status_code, response.json()) == (404, {"detail": "Not Found"})
    assert (await client.patch(f"/flows/{uuid.uuid4()}", json={"tags": []})).status_code == 404
    assert (await client.delete(f"/flows/{uuid.uuid4()}")).status_code == 404


async def test_update_tags(client: httpx.AsyncClient) -> None:
    flow = await create_flow(client, tags=["old"])
    response = await client.patch(f"/flows/{flow['id']}", json={"tags": ["new"]})
    assert response.status_code == 204 and response.content == b""
    updated = (await client.get(f"/flows/{flow['id']}")).json()
    assert updated["tags"] == ["new"] and updated["updated"] > flow["updated"]


async def test_delete_takes_the_runs_along(client: httpx.AsyncClient) -> None:
    flow = await create_flow(client)
    run = await create_flow_run(client, flow["id"])
    assert (await client.delete(f"/flows/{flow['id']}")).status_code == 204
    assert (await client.get(f"/flows/{flow['id']}")).status_code == 404
    assert (await client.get(f"/flow_runs/{run['id']}")).status_code == 404
    assert (await client.get("/flow_run_states/", params={"flow_run_id": run["id"]})).json() == []


async def test_filter_sorts_limits_and_offsets(client: httpx.AsyncClient) -> None:
    for name in ("b", "c", "a"):
        await create_flow(client, name)
    names = lambda response: [flow["name"] for flow in response.json()]  # noqa: E731
    assert names(await client.post("/flows/filter", json={})) == ["a", "b", "c"]
    assert names(await client.post("/flows/filter")) == ["a", "b", "c"]  # no body at all
    nulls = {"limit": None, "offset": None, "sort": None, "flows": None, "flow_runs": None, "task_runs": None}
    assert names(await client.post("/flows/filter", json=nulls)) == ["a", "b", "c"]
    assert names(await client.post("/flows/filter", json={"sort": "NAME_DESC"})) == ["c", "b", "a"]
    assert names(await client.post("/flows/filter", json={"sort": "CREATED_DESC"})) == ["a", "c", "b"]
    assert names(await client.post("/flows/filter", json={"limit": 1, "offset": 1})) == ["b"]
    assert names(await client.post("/flows/filter", json={"limit": 0})) == []


@pytest.mark.parametrize("route", ["/flows/filter", "/flows/paginate", "/flow_runs/filter", "/task_runs/filter"])
@pytest.mark.parametrize("limit", [-1, 201])
async def test_limits_outside_0_to_200(client: httpx.AsyncClient, route: str, limit: int) -> None:
    response = await client.post(route, json={"limit": limit})
    assert (response.status_code, response.json()) == (422, {"detail": "Invalid limit: must be between 0 and 200."})


async def test_default_limit_is_200(client: httpx.AsyncClient) -> None:
    for index in range(201):
        await client.post("/flows/", json={"name": f"flow-{index:03}"})
    assert len((await client.post("/flows/filter", json={})).json()) == 200
    assert (await client.post("/flows/count", json={})).json() == 201


async def test_unknown_sort_is_422(client: httpx.AsyncClient) -> None:
    response = await client.post("/flows/filter", json={"sort": "SIDEWAYS"})
    assert response.status_code == 422
    assert response.json()["exception_detail"][0]["loc"] == ["body", "sort"]


async def test_count_and_paginate(client: httpx.AsyncClient) -> None:
    for name in ("a", "b", "c", "d", "e"):
        await create_flow(client, name, tags=["even"] if name in "bd" else [])
    assert (await client.post("/flows/count", json={"flows": {"tags": {"all_": ["even"]}}})).json() == 2
    page = (await client.post("/flows/paginate", json={"limit": 2, "page": 3})).json()
    assert [flow["name"] for flow in page["results"]] == ["e"]
    assert {key: page[key] for key in ("count", "limit", "pages", "page")} == {
        "count": 5, "limit": 2, "pages": 3, "page": 3}
    first = (await client.post("/flows/paginate", json={"page": None})).json()
    assert (first["page"], first["pages"], len(first["results"])) == (1, 1, 5)
    assert (await client.post("/flows/paginate", json={"page": 0})).status_code == 422
