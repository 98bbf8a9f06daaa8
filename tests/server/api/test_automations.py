"""`/automations`: stored faithfully on each backend, and the calls `serve` and the CLI make."""

from __future__ import annotations

import httpx
import pytest

pytestmark = pytest.mark.anyio


async def test_no_automations(client: httpx.AsyncClient) -> None:
    resource = "prefect.deployment.7b0d4bb4-7fe0-4cd2-9b50-9b7bd6e0b4a1"
    deleted = await client.delete(f"/automations/owned-by/{resource}")
    assert (deleted.status_code, deleted.content) == (202, b"null")
    related = await client.get(f"/automations/related-to/{resource}")
    assert (related.status_code, related.json()) == (200, [])
    assert (await client.post("/automations/filter", json={})).json() == []
    assert (await client.post("/automations/count", json={})).json() == 0


TRIGGER = {"type": "event", "match": {"prefect.resource.id": "prefect.flow-run.*"},
           "expect": ["prefect.flow-run.Failed"], "posture": "Reactive", "threshold": 1, "within": 0}


def _automation(name: str, **fields: object) -> dict[str, object]:
    return {"name": name, "trigger": TRIGGER, "actions": [{"type": "do-nothing"}], **fields}


async def test_stored_faithfully(client: httpx.AsyncClient) -> None:
    deployment = "7b0d4bb4-7fe0-4cd2-9b50-9b7bd6e0b4a1"
    run_it = {"type": "run-deployment", "source": "selected", "deployment_id": deployment, "parameters": None}
    created = await client.post("/automations/", json=_automation("b-notify", description="on failure",
                                                                    tags=["ops"], actions=[run_it]))
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["trigger"], body["actions"], body["tags"], body["enabled"]) == (TRIGGER, [run_it], ["ops"], True)
    assert (await client.get(f"/automations/{body['id']}")).json() == body
    owner = {"owner_resource": "prefect.deployment.x"}
    owned = (await client.post("/automations/", json=_automation("a-owned", **owner))).json()

    names = [item["name"] for item in (await client.post("/automations/filter", json={})).json()]
    assert names == ["a-owned", "b-notify"] and (await client.post("/automations/count", json={})).json() == 2
    by_name = (await client.post("/automations/filter", json={"automations": {"name": {"any_": ["b-notify"]}}})).json()
    assert [item["id"] for item in by_name] == [body["id"]]
    tagged = (await client.post("/automations/filter", json={"automations": {"tags": {"all_": ["ops"]}}})).json()
    assert [item["name"] for item in tagged] == ["b-notify"]
    related = (await client.get(f"/automations/related-to/prefect.deployment.{deployment}")).json()
    assert [item["name"] for item in related] == ["b-notify"]

    assert (await client.patch(f"/automations/{body['id']}", json={"enabled": False})).status_code == 204
    assert (await client.get(f"/automations/{body['id']}")).json()["enabled"] is False
    replaced = await client.put(f"/automations/{body['id']}", json=_automation("b-renamed", actions=[]))
    assert replaced.status_code == 204
    assert (await client.get(f"/automations/{body['id']}")).json()["name"] == "b-renamed"

    assert (await client.delete("/automations/owned-by/prefect.deployment.x")).status_code == 202
    assert (await client.get(f"/automations/{owned['id']}")).status_code == 404
    assert (await client.delete(f"/automations/{body['id']}")).status_code == 204
    missing = await client.get(f"/automations/{body['id']}")
    assert (missing.status_code, missing.json()) == (404, {"detail": "Automation not found"})


@pytest.mark.parametrize("body", [
    {"name": "x", "actions": []},
    {"name": "x", "trigger": {"type": "telepathy"}, "actions": []},
    {"name": "x", "trigger": TRIGGER, "actions": [{"no": "type"}]},
    {"trigger": TRIGGER, "actions": []},
])
async def test_invalid_automations(client: httpx.AsyncClient, body: dict[str, object]) -> None:
    assert (await client.post("/automations/", json=body)).status_code == 422
    assert (await client.post("/automations/count", json={})).json() == 0
