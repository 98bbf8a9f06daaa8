"""`/artifacts` on each backend: the artifact types, versions per key and the latest of each,
updates and deletes that keep the latest version right, filters, sorts, counts, bad input."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest

from tests.server.api.flow_helpers import create_flow, create_flow_run, create_task_run

pytestmark = pytest.mark.anyio


async def _create(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    response = await client.post("/artifacts/", json=fields)
    assert response.status_code == 201, response.text
    return response.json()


async def _post(client: httpx.AsyncClient, path: str, body: dict[str, Any] | None = None) -> Any:
    response = await client.post(path, json=body or {})
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize(("kind", "data"), [
    ("markdown", "# Report\n\n*done*"),
    ("table", json.dumps([{"a": 1, "b": "x"}, {"a": 2, "b": "y"}])),
    ("table", {"a": [1, 2], "b": ["x", "y"]}),
    ("link", "https://example.com/report"),
    ("progress", 42.5),
    ("image", "https://example.com/chart.png"),
    ("result", {"storage_key": "abc", "anything": [1, None]}),
])
async def test_each_type_round_trips(client: httpx.AsyncClient, kind: str, data: Any) -> None:
    run = await create_flow_run(client)
    created = await _create(client, type=kind, data=data, description="*about*", metadata_={"team": "data"},
                            flow_run_id=run["id"])
    assert set(created) == {"id", "created", "updated", "key", "type", "description", "data", "metadata_",
                            "flow_run_id", "task_run_id"}
    assert (created["type"], created["data"], created["key"], created["flow_run_id"]) == (kind, data, None, run["id"])
    assert (await client.get(f"/artifacts/{created['id']}")).json() == created


async def test_versions_of_a_key_and_the_latest(client: httpx.AsyncClient) -> None:
    first = await _create(client, key="sales-report", type="markdown", data="v1")
    second = await _create(client, key="sales-report", type="markdown", data="v2", description="second")
    await _create(client, key="other", type="link", data="https://example.com")
    await _create(client, type="markdown", data="no key")

    latest = (await client.get("/artifacts/sales-report/latest")).json()
    assert (latest["latest_id"], latest["data"], latest["description"], latest["key"]) == (
        second["id"], "v2", "second", "sales-report")
    assert await _post(client, "/artifacts/count") == 4
    assert await _post(client, "/artifacts/latest/count") == 2
    keys = [item["key"] for item in await _post(client, "/artifacts/latest/filter", {"sort": "KEY_ASC"})]
    assert keys == ["other", "sales-report"]

    # Updating the latest version updates the collection; an older version does not.
    assert (await client.patch(f"/artifacts/{second['id']}", json={"data": "v2b"})).status_code == 204
    assert (await client.patch(f"/artifacts/{first['id']}", json={"description": "old"})).status_code == 204
    latest = (await client.get("/artifacts/sales-report/latest")).json()
    assert (latest["data"], latest["description"]) == ("v2b", "second")
    assert (await client.get(f"/artifacts/{first['id']}")).json()["description"] == "old"

    # Deleting the latest version hands the key back to the previous one; deleting that one drops the key.
    assert (await client.delete(f"/artifacts/{second['id']}")).status_code == 204
    latest = (await client.get("/artifacts/sales-report/latest")).json()
    assert (latest["latest_id"], latest["data"], latest["description"]) == (first["id"], "v1", "old")
    assert (await client.delete(f"/artifacts/{first['id']}")).status_code == 204
    missing = await client.get("/artifacts/sales-report/latest")
    assert (missing.status_code, missing.json()) == (404, {"detail": "Artifact not found."})
    assert await _post(client, "/artifacts/latest/count") == 1


async def test_progress_updates(client: httpx.AsyncClient) -> None:
    created = await _create(client, type="progress", data=0)
    for value in (10, 55.5, 100):
        assert (await client.patch(f"/artifacts/{created['id']}", json={"data": value})).status_code == 204
    stored = (await client.get(f"/artifacts/{created['id']}")).json()
    assert stored["data"] == 100 and stored["updated"] >= created["updated"]


async def test_filters_and_sorts(client: httpx.AsyncClient) -> None:
    flow = await create_flow(client, "reports")
    run = await create_flow_run(client, flow["id"], tags=["nightly"])
    other_run = await create_flow_run(client)
    task = await create_task_run(client, run["id"])
    in_task = await _create(client, key="a-one", type="markdown", data="x", flow_run_id=run["id"],
                            task_run_id=task["id"])
    in_run = await _create(client, key="b-two", type="table", data="[]", flow_run_id=run["id"])
    elsewhere = await _create(client, type="link", data="https://x", flow_run_id=other_run["id"])

    async def ids(body: dict[str, Any], path: str = "/artifacts/filter") -> set[str]:
        return {item["id"] for item in await _post(client, path, body)}

    assert await ids({"artifacts": {"flow_run_id": {"any_": [run["id"]]}}}) == {in_task["id"], in_run["id"]}
    assert await ids({"artifacts": {"task_run_id": {"any_": [task["id"]]}}}) == {in_task["id"]}
    assert await ids({"artifacts": {"type": {"any_": ["link"]}}}) == {elsewhere["id"]}
    assert await ids({"artifacts": {"type": {"not_any_": ["link"]}}}) == {in_task["id"], in_run["id"]}
    assert await ids({"artifacts": {"key": {"exists_": False}}}) == {elsewhere["id"]}
    assert await ids({"artifacts": {"key": {"like_": "ONE"}}}) == {in_task["id"]}
    assert await ids({"artifacts": {"key": {"like_": "-t%o"}}}) == {in_run["id"]}  # a SQL wildcard, as in Prefect
    assert await ids({"artifacts": {"operator": "or_", "key": {"any_": ["a-one"]}, "type": {"any_": ["link"]}}}) == {
        in_task["id"], elsewhere["id"]}
    assert await ids({"artifacts": {"id": {"any_": [in_run["id"]]}}}) == {in_run["id"]}
    assert await ids({"flow_runs": {"tags": {"all_": ["nightly"]}}}) == {in_task["id"], in_run["id"]}
    assert await ids({"flows": {"name": {"any_": ["reports"]}}}) == {in_task["id"], in_run["id"]}
    assert await ids({"task_runs": {"id": {"any_": [task["id"]]}}}) == {in_task["id"]}
    assert await ids({"flows": {"name": {"any_": ["nope"]}}}) == set()
    assert await _post(client, "/artifacts/count", {"flow_runs": {"id": {"any_": [run["id"]]}}}) == 2

    latest = "/artifacts/latest/filter"
    assert await ids({"artifacts": {"latest_id": {"any_": [in_run["id"]]}}}, latest) == {
        item["id"] for item in await _post(client, latest, {"artifacts": {"key": {"any_": ["b-two"]}}})}
    assert await _post(client, "/artifacts/latest/count", {"task_runs": {"id": {"any_": [task["id"]]}}}) == 1

    keys = [item["key"] for item in await _post(client, "/artifacts/filter", {"sort": "KEY_DESC", "limit": 2})]
    assert keys == ["b-two", "a-one"]
    newest = await _post(client, "/artifacts/filter", {"sort": "CREATED_DESC", "limit": 1, "offset": 0})
    assert [item["id"] for item in newest] == [elsewhere["id"]]
    by_id = [item["id"] for item in await _post(client, "/artifacts/filter")]
    assert by_id == sorted(by_id, reverse=True)


async def test_metadata_values_are_truncated(client: httpx.AsyncClient) -> None:
    created = await _create(client, metadata_={"long": "x" * 600, "short": "y"})
    assert created["metadata_"] == {"long": "x" * 500 + "...", "short": "y"}


async def test_missing_artifacts(client: httpx.AsyncClient) -> None:
    missing = str(uuid.uuid4())
    for response in (await client.get(f"/artifacts/{missing}"),
                     await client.patch(f"/artifacts/{missing}", json={"data": "x"}),
                     await client.delete(f"/artifacts/{missing}")):
        assert (response.status_code, response.json()) == (404, {"detail": "Artifact not found."})
    assert (await client.get("/artifacts/not-a-uuid")).status_code == 404


@pytest.mark.parametrize("body", [
    {"key": "Has Capitals"},
    {"key": "under_score"},
    {"type": "progress", "data": 101},
    {"type": "progress", "data": "50"},
    {"type": "progress", "data": True},
    {"type": "markdown", "data": {"not": "text"}},
    {"type": "link", "data": 3},
    {"type": "table", "data": 3},
    {"metadata_": {"a": 1}},
    {"flow_run_id": "nope"},
])
async def test_invalid_artifacts(client: httpx.AsyncClient, body: dict[str, Any]) -> None:
    response = await client.post("/artifacts/", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["exception_message"] == "Invalid request received."
    assert await _post(client, "/artifacts/count") == 0


async def test_update_must_fit_the_stored_type(client: httpx.AsyncClient) -> None:
    created = await _create(client, key="p", type="progress", data=5)
    response = await client.patch(f"/artifacts/{created['id']}", json={"data": "half"})
    assert response.status_code == 422
    assert response.json()["exception_detail"][0]["loc"] == ["body", "data"]
    assert (await client.get("/artifacts/p/latest")).json()["data"] == 5


@pytest.mark.parametrize("body", [{"limit": 201}, {"offset": -1}, {"sort": "NAME_ASC"}])
async def test_invalid_filters(client: httpx.AsyncClient, body: dict[str, Any]) -> None:
    assert (await client.post("/artifacts/filter", json=body)).status_code == 422
    assert (await client.post("/artifacts/latest/filter", json=body)).status_code == 422
