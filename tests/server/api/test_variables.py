"""`/variables` on each backend: create, read, update and delete by id or by name; validation;
duplicates; filters, sorts and counts."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.anyio


async def _create(client: httpx.AsyncClient, name: str, value: Any = "v", tags: list[str] | None = None) -> Any:
    response = await client.post("/variables/", json={"name": name, "value": value, "tags": tags or []})
    assert response.status_code == 201, response.text
    return response.json()


async def test_create_and_read(client: httpx.AsyncClient) -> None:
    created = await _create(client, "my_var-1", {"nested": [1, None, "x"]}, ["a"])
    assert set(created) == {"id", "created", "updated", "name", "value", "tags"}
    assert (created["name"], created["value"], created["tags"]) == ("my_var-1", {"nested": [1, None, "x"]}, ["a"])
    assert (await client.get(f"/variables/{created['id']}")).json() == created
    assert (await client.get("/variables/name/my_var-1")).json() == created


@pytest.mark.parametrize("value", [None, 0, False, "", [], {"a": 1}, 3.5])
async def test_any_json_value(client: httpx.AsyncClient, value: Any) -> None:
    created = await _create(client, "any", value)
    assert (await client.get(f"/variables/{created['id']}")).json()["value"] == value


async def test_duplicate_name(client: httpx.AsyncClient) -> None:
    await _create(client, "x")
    response = await client.post("/variables/", json={"name": "x", "value": 2})
    assert (response.status_code, response.json()) == (409, {"detail": "A variable with the name 'x' already exists."})


@pytest.mark.parametrize("body", [
    {"name": "Upper", "value": 1},
    {"name": "has space", "value": 1},
    {"name": "a" * 256, "value": 1},
    {"name": "ok"},
    {"value": 1},
    {"name": "ok", "value": "x" * 5000},
])
async def test_invalid_variables(client: httpx.AsyncClient, body: dict[str, Any]) -> None:
    response = await client.post("/variables/", json=body)
    assert response.status_code == 422
    assert response.json()["exception_message"] == "Invalid request received."
    assert (await client.post("/variables/count", json={})).json() == 0


async def test_value_limit_is_on_the_serialised_value(client: httpx.AsyncClient) -> None:
    await _create(client, "longest", "x" * 4998)  # 5000 characters with its quotes
    assert (await client.post("/variables/", json={"name": "too-long", "value": "x" * 4999})).status_code == 422


async def test_missing_variables(client: httpx.AsyncClient) -> None:
    missing = str(uuid.uuid4())
    for method, path in [("GET", f"/variables/{missing}"), ("GET", "/variables/name/nope"),
                         ("DELETE", f"/variables/{missing}"), ("DELETE", "/variables/name/nope")]:
        response = await client.request(method, path)
        assert (response.status_code, response.json()) == (404, {"detail": "Variable not found."})
    for path in [f"/variables/{missing}", "/variables/name/nope"]:
        response = await client.patch(path, json={"value": 1})
        assert (response.status_code, response.json()) == (404, {"detail": "Variable not found."})
    assert (await client.get("/variables/not-a-uuid")).status_code == 404


async def test_update_by_id_and_by_name(client: httpx.AsyncClient) -> None:
    created = await _create(client, "var", "old", ["t"])
    assert (await client.patch(f"/variables/{created['id']}", json={"value": None})).status_code == 204
    updated = (await client.get(f"/variables/{created['id']}")).json()
    assert (updated["value"], updated["tags"]) == (None, ["t"])  # only the sent field changed
    assert updated["updated"] > created["updated"]

    assert (await client.patch("/variables/name/var", json={"name": "renamed", "tags": []})).status_code == 204
    renamed = (await client.get(f"/variables/{created['id']}")).json()
    assert (renamed["name"], renamed["value"], renamed["tags"]) == ("renamed", None, [])


async def test_invalid_updates(client: httpx.AsyncClient) -> None:
    created = await _create(client, "var")
    await _create(client, "other")
    for body in [{"name": "Bad Name"}, {"value": "x" * 5000}]:
        response = await client.patch(f"/variables/{created['id']}", json=body)
        assert response.status_code == 422
    assert (await client.patch("/variables/name/var", json={"name": "other"})).status_code == 409
    assert (await client.get(f"/variables/{created['id']}")).json()["name"] == "var"


async def test_delete_by_id_and_by_name(client: httpx.AsyncClient) -> None:
    first, _second = await _create(client, "first"), await _create(client, "second")
    assert (await client.delete(f"/variables/{first['id']}")).status_code == 204
    assert (await client.delete("/variables/name/second")).status_code == 204
    assert (await client.post("/variables/filter", json={})).json() == []


@pytest.fixture
async def variables(client: httpx.AsyncClient) -> dict[str, Any]:
    return {name: await _create(client, name, index, tags) for index, (name, tags) in enumerate([
        ("alpha", ["prod", "db"]), ("beta", ["prod"]), ("gamma_ray", []), ("delta", ["dev", "db"])])}


async def _names(client: httpx.AsyncClient, **body: Any) -> list[str]:
    response = await client.post("/variables/filter", json=body)
    assert response.status_code == 200, response.text
    return [variable["name"] for variable in response.json()]


@pytest.mark.parametrize(("criteria", "expected"), [
    ({"name": {"any_": ["beta", "delta", "nope"]}}, ["beta", "delta"]),
    ({"name": {"like_": "ELT"}}, ["delta"]),
    ({"name": {"like_": "a_r"}}, ["gamma_ray"]),
    ({"name": {"like_": "%"}}, []),
    ({"tags": {"all_": ["prod", "db"]}}, ["alpha"]),
    ({"tags": {"all_": ["db"]}}, ["alpha", "delta"]),
    ({"tags": {"any_": ["dev", "nope"]}}, ["delta"]),
    ({"tags": {"is_null_": True}}, ["gamma_ray"]),
    ({"tags": {"is_null_": False}}, ["alpha", "beta", "delta"]),
    ({"tags": {"all_": ["dev"], "is_null_": True, "operator": "or_"}}, ["delta", "gamma_ray"]),
    ({"name": {"any_": ["alpha"]}, "tags": {"all_": ["dev"]}, "operator": "or_"}, ["alpha", "delta"]),
    ({"name": {"any_": ["alpha"]}, "tags": {"all_": ["dev"]}}, []),
    ({}, ["alpha", "beta", "delta", "gamma_ray"]),
])
async def test_filters(client: httpx.AsyncClient, variables: dict[str, Any], criteria: dict[str, Any],
                       expected: list[str]) -> None:
    assert await _names(client, variables=criteria) == expected
    count = await client.post("/variables/count", json={"variables": criteria})
    assert count.json() == len(expected)


async def test_filter_by_id(client: httpx.AsyncClient, variables: dict[str, Any]) -> None:
    ids = [variables["beta"]["id"], str(uuid.uuid4())]
    assert await _names(client, variables={"id": {"any_": ids}}) == ["beta"]


async def test_sorts_and_paging(client: httpx.AsyncClient, variables: dict[str, Any]) -> None:
    assert await _names(client) == ["alpha", "beta", "delta", "gamma_ray"]
    assert await _names(client, sort="NAME_DESC") == ["gamma_ray", "delta", "beta", "alpha"]
    assert await _names(client, sort="CREATED_DESC") == ["delta", "gamma_ray", "beta", "alpha"]
    await client.patch("/variables/name/beta", json={"value": "touched"})
    assert (await _names(client, sort="UPDATED_DESC"))[0] == "beta"
    assert await _names(client, limit=2, offset=1, sort=None, variables=None) == ["beta", "delta"]
    for limit in (-1, 201):
        response = await client.post("/variables/filter", json={"limit": limit})
        assert (response.status_code, response.json()) == (
            422, {"detail": "Invalid limit: must be between 0 and 200."})


async def test_count_without_a_filter(client: httpx.AsyncClient, variables: dict[str, Any]) -> None:
    assert (await client.post("/variables/count")).json() == 4
    assert (await client.post("/variables/count", json={"variables": None})).json() == 4
