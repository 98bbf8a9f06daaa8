"""Stored events on each backend: `POST /events` keeps them, `/events/filter` pages through them
with Prefect's filters, `/events/count-by/{countable}` counts them; retention deletes old ones."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from asgi_api.server.database import Database, utcnow
from asgi_api.server.services.event_retention import EventRetention
from tests.server.api.flow_helpers import create_flow, create_flow_run, set_state

pytestmark = pytest.mark.anyio


def _event(name: str, resource: str, occurred: datetime, related: list[dict[str, str]] | None = None,
           **resource_labels: str) -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "occurred": occurred.isoformat(), "event": name,
            "resource": {"prefect.resource.id": resource, **resource_labels}, "related": related or [],
            "payload": {"n": 1}}


async def _send(client: httpx.AsyncClient, *events: dict[str, Any]) -> None:
    response = await client.post("/events", json=list(events))
    assert response.status_code == 204, response.text


async def _filter(client: httpx.AsyncClient, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post("/events/filter", json=body)
    assert response.status_code == 200, response.text
    return response.json()


async def test_emitted_events_are_found(client: httpx.AsyncClient) -> None:
    now = utcnow()
    run = f"prefect.flow-run.{uuid.uuid4()}"
    first = _event("my.app.started", "my.app.worker-1", now - timedelta(minutes=2),
                   related=[{"prefect.resource.id": run, "prefect.resource.role": "flow-run"}])
    second = _event("my.app.finished", "my.app.worker-1", now - timedelta(minutes=1), **{
        "prefect.resource.name": "Worker one"})
    other = _event("other.thing", "other.resource", now - timedelta(seconds=30))
    await _send(client, first, second, other)
    await _send(client, first)  # a resent event is stored once

    page = await _filter(client, {})
    assert [event["id"] for event in page["events"]] == [other["id"], second["id"], first["id"]]  # newest first
    assert page["total"] == 3 and page["next_page"] is None
    stored = page["events"][2]
    assert (stored["event"], stored["resource"], stored["related"], stored["payload"]) == (
        first["event"], first["resource"], first["related"], {"n": 1})
    assert stored["received"] >= stored["occurred"]

    async def ids(body: dict[str, Any]) -> list[str]:
        return [event["id"] for event in (await _filter(client, {"filter": body}))["events"]]

    assert await ids({"event": {"prefix": ["my.app."]}, "order": "ASC"}) == [first["id"], second["id"]]
    assert await ids({"event": {"name": ["other.thing"]}}) == [other["id"]]
    assert await ids({"event": {"exclude_prefix": ["my."]}}) == [other["id"]]
    assert await ids({"resource": {"id": ["other.resource"]}}) == [other["id"]]
    assert await ids({"resource": {"id_prefix": ["my.app"]}, "order": "ASC"}) == [first["id"], second["id"]]
    assert await ids({"related": {"id": [run]}}) == [first["id"]]
    assert await ids({"any_resource": {"id": [run]}}) == [first["id"]]
    assert await ids({"any_resource": {"id_prefix": ["prefect.flow-run."]}}) == [first["id"]]
    assert await ids({"any_resource": {"id": ["other.resource"]}}) == [other["id"]]
    assert await ids({"id": {"id": [second["id"]]}}) == [second["id"]]
    window = {"since": (now - timedelta(seconds=90)).isoformat(), "until": (now - timedelta(seconds=45)).isoformat()}
    assert await ids({"occurred": window}) == [second["id"]]
    # Empty lists filter nothing, as in Prefect (its UI's event feed sends them).
    empty = {"any_resource": {"id": [], "id_prefix": []}, "resource": {"id": [], "id_prefix": []},
             "event": {"prefix": [], "name": [], "exclude_prefix": [], "exclude_name": []}, "related": {"id": []},
             "id": {"id": []}}
    assert len(await ids(empty)) == 3
    count = await client.post("/events/count-by/event", json={"filter": empty})
    assert sum(item["count"] for item in count.json()) == 3, count.text


async def test_flow_run_state_changes_are_events(client: httpx.AsyncClient) -> None:
    """Each flow-run state the server stores is a `prefect.flow-run.<State>` event, as Prefect's
    server emits them: the event id is the state id."""
    flow = await create_flow(client, "etl")
    run = await create_flow_run(client, flow["id"], name="witty-otter", tags=["prod"])
    await set_state(client, run, "RUNNING")
    await set_state(client, run, "COMPLETED")
    page = await _filter(client, {"filter": {"event": {"prefix": ["prefect.flow-run."]}, "order": "ASC"}})
    assert [event["event"] for event in page["events"]] == [
        "prefect.flow-run.Pending", "prefect.flow-run.Running", "prefect.flow-run.Completed"]
    states = (await client.get("/flow_run_states/", params={"flow_run_id": run["id"]})).json()
    assert [event["id"] for event in page["events"]] == [state["id"] for state in states]
    completed = page["events"][-1]
    assert {key: completed["resource"][key] for key in ("prefect.resource.id", "prefect.resource.name",
                                                        "prefect.state-type", "prefect.run-count")} == {
        "prefect.resource.id": f"prefect.flow-run.{run['id']}", "prefect.resource.name": "witty-otter",
        "prefect.state-type": "COMPLETED", "prefect.run-count": "1"}
    related = {item["prefect.resource.role"]: item["prefect.resource.id"] for item in completed["related"]}
    assert related == {"flow": f"prefect.flow.{flow['id']}", "tag": "prefect.tag.prod"}
    by_run = await _filter(client, {"filter": {"any_resource": {"id": [f"prefect.flow-run.{run['id']}"]}}})
    assert by_run["total"] == 3


async def test_pages(client: httpx.AsyncClient) -> None:
    now = utcnow()
    sent = [_event("tick", "clock", now - timedelta(seconds=seconds)) for seconds in range(1, 8)]
    await _send(client, *sent)
    page = await _filter(client, {"limit": 3, "filter": {"order": "ASC"}})
    seen = [event["id"] for event in page["events"]]
    while page["next_page"]:
        url = urlsplit(page["next_page"])
        assert url.path == "/api/events/filter/next"
        response = await client.get("/events/filter/next", params=dict([url.query.split("=", 1)]))
        assert response.status_code == 200, response.text
        page = response.json()
        assert page["total"] == 7
        seen += [event["id"] for event in page["events"]]
    assert seen == [event["id"] for event in reversed(sent)]
    bad = await client.get("/events/filter/next", params={"page-token": "not-a-token"})
    assert bad.status_code == 403


async def test_count_by(client: httpx.AsyncClient) -> None:
    start = utcnow().replace(minute=0, second=0, microsecond=0) - timedelta(hours=3)
    await _send(client, _event("a", "r.one", start + timedelta(minutes=5), **{"prefect.resource.name": "One"}),
                _event("a", "r.two", start + timedelta(minutes=65)),
                _event("b", "r.one", start + timedelta(minutes=70)))
    window = {"occurred": {"since": start.isoformat(), "until": (start + timedelta(hours=3)).isoformat()}}

    async def count(countable: str, **body: Any) -> list[dict[str, Any]]:
        response = await client.post(f"/events/count-by/{countable}", json={"filter": window, **body})
        assert response.status_code == 200, response.text
        return response.json()

    assert [(item["value"], item["count"]) for item in await count("event")] == [("a", 2), ("b", 1)]
    assert [(item["value"], item["label"], item["count"]) for item in await count("resource")] == [
        ("r.one", "One", 2), ("r.two", "r.two", 1)]
    hours = await count("time", time_unit="hour", time_interval=1)
    assert [item["count"] for item in hours] == [1, 2, 0, 0]
    assert hours[1]["start_time"].startswith((start + timedelta(hours=1)).isoformat()[:19])
    assert [item["count"] for item in await count("day")] == [3]


@pytest.mark.parametrize(("path", "body"), [
    ("/events/filter", {"filter": {"occurred": {"since": "2025-02-01T00:00:00Z", "until": "2025-01-01T00:00:00Z"}}}),
    ("/events/filter", {"limit": 51}),
    ("/events/filter", {"filter": {"occurred": {"since": "yesterday"}}}),
    ("/events/count-by/time", {"filter": {}, "time_unit": "second"}),
    ("/events/count-by/time", {"filter": {}, "time_interval": 0}),
    ("/events/count-by/nothing", {"filter": {}}),
])
async def test_bad_queries(client: httpx.AsyncClient, path: str, body: dict[str, Any]) -> None:
    assert (await client.post(path, json=body)).status_code == 422


async def test_retention(client: httpx.AsyncClient, database: Database) -> None:
    now = utcnow()
    old, recent = _event("old", "r", now - timedelta(days=8)), _event("new", "r", now - timedelta(days=1))
    await _send(client, old, recent)
    await EventRetention(database, period_seconds=7 * 86400).run_once()
    assert [event["id"] for event in (await _filter(client, {}))["events"]] == [recent["id"]]
