"""Events on each backend: `/events/in` (auth frame, then one event per frame) and `POST /events`,
and the task runs recorded from task-run state events - out of order, replayed, or malformed."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest
import sqlalchemy as sa
from starlette.applications import Starlette
from starlette.routing import Mount

from asgi_api.server.app import create_api_app
from asgi_api.server.database import Database, tables, utcnow
from asgi_api.server.models.event_store import store_events
from asgi_api.server.models.events import task_run_change
from asgi_api.server.models.task_run_recorder import record_task_run_changes
from asgi_api.server.schemas.events import Event
from asgi_api.server.settings import Settings

pytestmark = pytest.mark.anyio

START = datetime(2025, 1, 1, tzinfo=timezone.utc)


class Socket:
    """One WebSocket connection driven through an ASGI app in-process, on the test's event loop."""

    def __init__(self, to_app: asyncio.Queue[dict[str, Any]], from_app: asyncio.Queue[dict[str, Any]]) -> None:
        self.to_app, self.from_app = to_app, from_app

    async def send(self, payload: Any) -> None:
        text = payload if isinstance(payload, str) else msgspec.json.encode(payload).decode()
        await self.to_app.put({"type": "websocket.receive", "text": text})

    async def receive(self) -> dict[str, Any]:
        return await asyncio.wait_for(self.from_app.get(), 10)


@asynccontextmanager
async def connect(app: Any, subprotocols: tuple[str, ...] = ("prefect",)) -> AsyncIterator[Socket]:
    """Open `/api/events/in`; leaving the block disconnects and waits until every frame is handled."""
    to_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    from_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    scope = {"type": "websocket", "asgi": {"version": "3.0"}, "scheme": "ws", "path": "/api/events/in",
             "raw_path": b"/api/events/in", "root_path": "", "query_string": b"", "headers": [(b"host", b"test")],
             "subprotocols": list(subprotocols), "server": ("test", 80), "client": ("127.0.0.1", 1)}
    await to_app.put({"type": "websocket.connect"})
    task = asyncio.create_task(app(scope, to_app.get, from_app.put))
    try:
        yield Socket(to_app, from_app)
    finally:
        await to_app.put({"type": "websocket.disconnect", "code": 1000})
        await asyncio.wait_for(task, 60)  # a bound against hangs: a burst takes long on a busy machine


def _app(database: Database, tmp_path: Path, **environment: str) -> Starlette:
    api = create_api_app(settings=Settings.load({"ASGI_API_HOME": str(tmp_path), **environment}))
    api.state.database = database
    return Starlette(routes=[Mount("/api", api)])


@pytest.fixture
async def flow_run_id(database: Database) -> uuid.UUID:
    """A flow run for the task runs to belong to (inserted directly: flow runs are not this module's)."""
    now, flow_id, run_id = utcnow(), uuid.uuid4(), uuid.uuid4()
    async with database.transaction(write=True) as session:
        await session.execute(sa.insert(tables.flow).values(id=flow_id, created=now, updated=now, name="f", tags=[]))
        await session.execute(sa.insert(tables.flow_run).values(
            id=run_id, created=now, updated=now, name="r", flow_id=flow_id, parameters={}, context={},
            empirical_policy={}, tags=[]))
    return run_id


def task_event(task_run_id: uuid.UUID, flow_run_id: uuid.UUID | None, state: str, second: int,
               event_id: uuid.UUID | None = None, **task_run: Any) -> dict[str, Any]:
    """A task-run state event shaped as Prefect's client emits it."""
    state_type = {"Pending": "PENDING", "Running": "RUNNING", "Completed": "COMPLETED", "Failed": "FAILED"}[state]
    occurred = (START + timedelta(seconds=second)).isoformat()
    related = [] if flow_run_id is None else [
        {"prefect.resource.id": f"prefect.flow-run.{flow_run_id}", "prefect.resource.role": "flow-run"}]
    return {
        "id": str(event_id or uuid.uuid4()), "occurred": occurred, "event": f"prefect.task-run.{state}",
        "resource": {"prefect.resource.id": f"prefect.task-run.{task_run_id}", "prefect.resource.name": "t-1"},
        "related": related,
        "payload": {
            "intended": {"from": None, "to": state_type},
            "validated_state": {"type": state_type, "name": state, "message": None, "data": None,
                                "state_details": {"cache_key": "k"}},
            "task_run": {"name": "t-1", "task_key": "t-abc", "dynamic_key": "0", "tags": ["x"],
                         "empirical_policy": {"retries": 0, "retry_delay": 0}, "task_inputs": {},
                         "run_count": 1 if state != "Pending" else 0, "total_run_time": 0.5, **task_run},
        },
        "follows": None,
    }


async def _task_run(database: Database, task_run_id: uuid.UUID) -> dict[str, Any] | None:
    async with database.transaction() as session:
        return await session.fetch_one(sa.select(tables.task_run).where(tables.task_run.c.id == task_run_id))


async def _states(database: Database, task_run_id: uuid.UUID) -> list[dict[str, Any]]:
    state = tables.task_run_state
    async with database.transaction() as session:
        return await session.fetch_all(sa.select(state).where(state.c.task_run_id == task_run_id)
                                       .order_by(state.c.timestamp))


async def test_auth_then_events(database: Database, tmp_path: Path, flow_run_id: uuid.UUID) -> None:
    task_run_id = uuid.uuid4()
    async with connect(_app(database, tmp_path)) as socket:
        assert (await socket.receive()) == {"type": "websocket.accept", "subprotocol": "prefect", "headers": []}
        await socket.send({"type": "auth", "token": None})
        assert (await socket.receive())["text"] == '{"type":"auth_success"}'
        for second, state in enumerate(["Pending", "Running", "Completed"]):
            await socket.send(task_event(task_run_id, flow_run_id, state, second))

    run = await _task_run(database, task_run_id)
    assert run is not None
    assert (run["name"], run["flow_run_id"], run["task_key"], run["dynamic_key"]) == ("t-1", flow_run_id, "t-abc", "0")
    assert (run["state_type"], run["state_name"], run["run_count"], run["tags"]) == ("COMPLETED", "Completed", 1, ["x"])
    states = await _states(database, task_run_id)
    assert [state["name"] for state in states] == ["Pending", "Running", "Completed"]
    assert run["state_id"] == states[-1]["id"]
    assert states[0]["timestamp"] == START
    details = states[-1]["state_details"]
    assert (details["task_run_id"], details["flow_run_id"], details["cache_key"]) == (
        str(task_run_id), str(flow_run_id), "k")


async def test_auth_token_must_match_the_auth_string(database: Database, tmp_path: Path) -> None:
    app = _app(database, tmp_path, ASGI_API_API_AUTH_STRING="admin:pa55")
    for first_frame in [{"type": "auth", "token": "wrong"}, {"type": "auth", "token": None},
                        task_event(uuid.uuid4(), None, "Pending", 0)]:
        async with connect(app) as socket:
            await socket.receive()  # accepted
            await socket.send(first_frame)
            closed = await socket.receive()
            assert (closed["type"], closed["code"]) == ("websocket.close", 1008)

    async with connect(app) as socket:
        await socket.receive()
        await socket.send({"type": "auth", "token": "admin:pa55"})
        assert (await socket.receive())["text"] == '{"type":"auth_success"}'


async def test_a_socket_silent_past_the_auth_timeout_is_closed_1008(database: Database, tmp_path: Path) -> None:
    for environ in ({}, {"ASGI_API_API_AUTH_STRING": "admin:pa55"}):
        app = _app(database, tmp_path, ASGI_API_WEBSOCKET_AUTH_TIMEOUT="0.2", **environ)
        async with connect(app) as socket:
            await socket.receive()  # accepted
            closed = await socket.receive()  # nothing sent
            assert (closed["type"], closed["code"], closed["reason"]) == ("websocket.close", 1008, "Auth timeout")


async def test_clients_without_auth_frame_or_subprotocol(database: Database, tmp_path: Path) -> None:
    task_run_id = uuid.uuid4()
    async with connect(_app(database, tmp_path), subprotocols=()) as socket:
        assert (await socket.receive())["subprotocol"] is None
        await socket.send(task_event(task_run_id, None, "Running", 1))
    run = await _task_run(database, task_run_id)
    assert run is not None and run["flow_run_id"] is None and run["state_name"] == "Running"


async def test_out_of_order_events_never_move_a_run_back(database: Database, tmp_path: Path,
                                                         flow_run_id: uuid.UUID) -> None:
    task_run_id = uuid.uuid4()
    async with connect(_app(database, tmp_path)) as socket:
        await socket.receive()
        await socket.send({"type": "auth", "token": None})
        await socket.send(task_event(task_run_id, flow_run_id, "Completed", 3, end_time=(START + timedelta(seconds=3))
                                     .isoformat()))
        await socket.send(task_event(task_run_id, flow_run_id, "Pending", 1))
        await socket.send(task_event(task_run_id, flow_run_id, "Running", 2))
    run = await _task_run(database, task_run_id)
    assert run is not None
    assert (run["state_type"], run["end_time"]) == ("COMPLETED", START + timedelta(seconds=3))
    assert [state["name"] for state in await _states(database, task_run_id)] == ["Pending", "Running", "Completed"]


async def test_replayed_events_are_stored_once(database: Database, tmp_path: Path, flow_run_id: uuid.UUID) -> None:
    task_run_id, running_id = uuid.uuid4(), uuid.uuid4()
    events = [task_event(task_run_id, flow_run_id, "Pending", 1),
              task_event(task_run_id, flow_run_id, "Running", 2, event_id=running_id)]
    async with connect(_app(database, tmp_path)) as socket:
        await socket.receive()
        await socket.send({"type": "auth", "token": None})
        for event in events + events:  # a reconnecting client resends unconfirmed events
            await socket.send(event)
    states = await _states(database, task_run_id)
    assert [state["name"] for state in states] == ["Pending", "Running"]
    run = await _task_run(database, task_run_id)
    assert run is not None and run["state_id"] == running_id


async def test_a_burst_from_many_sockets_is_recorded_whole(database: Database, tmp_path: Path,
                                                          flow_run_id: uuid.UUID) -> None:
    """Thousands of events sent without pause, then the clients leave: every one is recorded (the
    server reads ahead and records batches, and drains what it read before closing)."""
    app = _app(database, tmp_path)
    runs = {socket: [uuid.uuid4() for _ in range(40)] for socket in range(4)}

    async def client(task_run_ids: list[uuid.UUID]) -> None:
        async with connect(app) as socket:
            await socket.receive()
            await socket.send({"type": "auth", "token": None})
            for number, task_run_id in enumerate(task_run_ids):
                for second, state in enumerate(["Pending", "Running", "Completed"]):
                    await socket.send(task_event(task_run_id, flow_run_id, state, second,
                                                 dynamic_key=str(number), task_key=f"t-{task_run_id}"))

    await asyncio.gather(*(client(task_run_ids) for task_run_ids in runs.values()))
    async with database.transaction() as session:
        stored = {row["id"]: row["state_name"] for row in await session.fetch_all(
            sa.select(tables.task_run.c.id, tables.task_run.c.state_name))}
        states = await session.fetch_val(sa.select(sa.func.count()).select_from(tables.task_run_state))
    assert stored == {task_run_id: "Completed" for task_run_ids in runs.values() for task_run_id in task_run_ids}
    assert states == 3 * len(stored)


async def test_bad_frames_are_skipped(database: Database, tmp_path: Path, flow_run_id: uuid.UUID) -> None:
    task_run_id = uuid.uuid4()
    missing_task_key = task_event(uuid.uuid4(), flow_run_id, "Running", 1)
    del missing_task_key["payload"]["task_run"]["task_key"]
    no_state = task_event(uuid.uuid4(), flow_run_id, "Running", 1)
    del no_state["payload"]["validated_state"]
    unknown_flow_run = task_event(uuid.uuid4(), uuid.uuid4(), "Running", 1)
    async with connect(_app(database, tmp_path)) as socket:
        await socket.receive()
        await socket.send({"type": "auth", "token": None})
        for frame in ["not json", '{"id": "x"}', missing_task_key, no_state, unknown_flow_run,
                      {"id": str(uuid.uuid4()), "occurred": START.isoformat(), "event": "prefect.flow-run.Running",
                       "resource": {"prefect.resource.id": "prefect.flow-run.x"}},
                      task_event(task_run_id, flow_run_id, "Running", 2)]:
            await socket.send(frame)
    async with database.transaction() as session:
        runs = await session.fetch_all(sa.select(tables.task_run.c.id))
        states = await session.fetch_all(sa.select(tables.task_run_state.c.id))
    assert [row["id"] for row in runs] == [task_run_id] and len(states) == 1


async def test_post_events(client: httpx.AsyncClient, database: Database, flow_run_id: uuid.UUID) -> None:
    task_run_id = uuid.uuid4()
    events = [task_event(task_run_id, flow_run_id, "Completed", 3), task_event(task_run_id, flow_run_id, "Running", 2),
              {"id": str(uuid.uuid4()), "occurred": START.isoformat(), "event": "custom.thing",
               "resource": {"prefect.resource.id": "my.resource"}}]
    response = await client.post("/events", json=events)
    assert (response.status_code, response.content) == (204, b"")
    run = await _task_run(database, task_run_id)
    assert run is not None and run["state_name"] == "Completed"
    assert [state["name"] for state in await _states(database, task_run_id)] == ["Running", "Completed"]
    assert (await client.post("/events", json=events)).status_code == 204  # replayed: nothing new
    assert len(await _states(database, task_run_id)) == 2


async def test_post_events_rejects_bad_batches_whole(client: httpx.AsyncClient, database: Database,
                                                     flow_run_id: uuid.UUID) -> None:
    good = task_event(uuid.uuid4(), flow_run_id, "Running", 1)
    no_state = task_event(uuid.uuid4(), flow_run_id, "Running", 1)
    del no_state["payload"]["validated_state"]
    for body in [[good, no_state], [good, {"id": "nope"}], [good, {**good, "resource": {}}]]:
        assert (await client.post("/events", json=body)).status_code == 422
    assert (await client.post("/events", content=b"not json")).status_code == 422
    async with database.transaction() as session:
        assert await session.fetch_all(sa.select(tables.task_run.c.id)) == []


async def _rows(database: Database) -> dict[str, list[dict[str, Any]]]:
    """Every stored task run, state and event, without the columns that say when it was written."""
    written = {"created", "updated", "received"}
    async with database.transaction() as session:
        return {table.name: sorted(({key: value for key, value in row.items() if key not in written}
                                    for row in await session.fetch_all(sa.select(table))), key=lambda row: row["id"])
                for table in (tables.task_run, tables.task_run_state, tables.event)}


async def _record_events(database: Database, events: list[dict[str, Any]], batch: bool) -> None:
    """Record as `/events/in` does: the whole list in one transaction, or event by event."""
    decoded = [msgspec.convert(event, Event, strict=False) for event in events]
    for chunk in [decoded] if batch else [[event] for event in decoded]:
        async with database.transaction(write=True) as session:
            await store_events(session, chunk)
            await record_task_run_changes(session, [change for event in chunk
                                                    if (change := task_run_change(event)) is not None])


async def test_a_batch_records_task_runs_as_event_by_event_recording_does(database: Database,
                                                                            flow_run_id: uuid.UUID) -> None:
    """Many task runs, their events shuffled and some replayed, recorded in one batch: the same rows as
    recording each event on its own in `occurred` order (runs created, moved forward, found by natural
    key, history only for late states, nothing for an unknown flow run)."""
    rng = random.Random(16)
    runs = [uuid.uuid4() for _ in range(40)]
    events = []
    for number, task_run_id in enumerate(runs):
        flow = None if number % 10 == 0 else flow_run_id
        last = "Failed" if number % 3 else "Completed"
        events += [task_event(task_run_id, flow, state, number + second, task_key=f"t-{number % 7}",
                              dynamic_key=str(number), name=f"run-{number}-{state}")
                   for second, state in enumerate(["Pending", "Running", last])]
    events += [task_event(uuid.uuid4(), flow_run_id, "Running", 90, task_key="t-1", dynamic_key="1"),  # a run's key
               task_event(uuid.uuid4(), flow_run_id, "Pending", 0, task_key="t-2", dynamic_key="2"),  # older
               task_event(runs[4], flow_run_id, "Running", 6, task_key="t-4", dynamic_key="4"),  # a tie
               task_event(uuid.uuid4(), uuid.uuid4(), "Running", 5)]  # an unknown flow run
    events += rng.sample(events, 15)  # replayed
    rng.shuffle(events)
    stored_before, rest = events[:20], events[20:]  # some runs are stored before the batch comes

    await _record_events(database, stored_before, batch=False)
    await _record_events(database, rest, batch=True)
    batched = await _rows(database)
    async with database.transaction(write=True) as session:
        for table in (tables.task_run_state, tables.task_run, tables.event):
            await session.execute(sa.delete(table))
    await _record_events(database, stored_before, batch=False)
    await _record_events(database, sorted(rest, key=lambda event: event["occurred"]), batch=False)
    one_by_one = await _rows(database)

    assert batched == one_by_one
    states = {run["dynamic_key"]: run["state_name"] for run in batched["task_run"]}
    assert len(states) == 40  # events of another id with a stored natural key joined that run
    assert (states["1"], states["2"], states["3"]) == ("Running", "Failed", "Completed")
    assert len(batched["event"]) == len({event["id"] for event in events})


async def test_a_conflicting_event_costs_only_itself(database: Database, tmp_path: Path, flow_run_id: uuid.UUID,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    """A batch holding an event the database refuses (it would give a run another run's natural key)
    and a malformed one: the batch is recorded event by event, and every other event is kept."""
    app = _app(database, tmp_path)
    first, second = uuid.uuid4(), uuid.uuid4()
    async with connect(app) as socket:
        await socket.receive()
        await socket.send({"type": "auth", "token": None})
        for task_run_id, dynamic_key in [(first, "0"), (second, "1")]:
            await socket.send(task_event(task_run_id, flow_run_id, "Running", 1, task_key="t-c",
                                         dynamic_key=dynamic_key))
    others = [uuid.uuid4() for _ in range(30)]
    conflicting = task_event(second, flow_run_id, "Completed", 5, task_key="t-c", dynamic_key="0")
    frames: list[Any] = [task_event(task_run_id, flow_run_id, state, second, dynamic_key=str(number))
                         for number, task_run_id in enumerate(others)
                         for second, state in enumerate(["Pending", "Running", "Completed"])]
    frames[40:40] = [conflicting, "not json"]
    async with connect(app) as socket:
        await socket.receive()
        await socket.send({"type": "auth", "token": None})
        for frame in frames:
            await socket.send(frame)

    async with database.transaction() as session:
        runs = {row["id"]: (row["state_name"], row["dynamic_key"]) for row in await session.fetch_all(
            sa.select(tables.task_run.c.id, tables.task_run.c.state_name, tables.task_run.c.dynamic_key))}
        stored = {row["id"] for row in await session.fetch_all(sa.select(tables.event.c.id))}
    assert runs == {first: ("Running", "0"), second: ("Running", "1"),
                    **{task_run_id: ("Completed", str(number)) for number, task_run_id in enumerate(others)}}
    assert len(stored) == 2 + 3 * len(others) and uuid.UUID(conflicting["id"]) not in stored
    assert f"Could not record event {conflicting['id']}" in caplog.text
