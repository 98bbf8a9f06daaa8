"""Events/s through `WebSocket /api/events/in`, counted only once every event is stored and every
task run it describes is recorded.

Prefect 3 reports a task's life only as events: each `@task` run emits `prefect.task-run.Pending`,
`.Running` and `.Completed`, which its client streams over `/api/events/in`, one socket per client
process. Here SOCKETS clients (one flow run each, as SOCKETS flow runs side by side) stream the
events of their tasks, shaped as Prefect 3.6's client sends them, encoded before the clock starts.
The clock stops when the REST API counts every task run COMPLETED (`/api/task_runs/count`) and
every event stored (`/api/events/filter`'s total): events/s is what a flow's tasks can report
through the server, not how fast a socket takes frames.
"""

from __future__ import annotations

import asyncio
import datetime
import json
import time
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect

from bench.driver import BenchError

__all__ = ["EventsLoad", "EventsResult", "stream_events"]

SOCKETS = 4
STATES = (("PENDING", "Pending"), ("RUNNING", "Running"), ("COMPLETED", "Completed"))
POLL_S = 0.05


@dataclass(frozen=True)
class EventsLoad:
    """How many task runs (three events each) in all, and how long to wait for them to be stored."""

    task_runs: int = 1000
    timeout_s: float = 120.0

    @property
    def events(self) -> int:
        return self.task_runs * len(STATES)


@dataclass(frozen=True)
class EventsResult:
    events: int  # sent
    stored: int  # events the server stored, when the wait ended
    task_runs: int  # sent
    completed: int  # task runs recorded with their last state, when the wait ended
    seconds: float  # from the first event sent until both counts were complete (or the timeout)

    @property
    def complete(self) -> bool:
        return self.stored == self.events and self.completed == self.task_runs

    @property
    def rate(self) -> float:
        """Events stored per second, their task runs recorded."""
        return self.stored / self.seconds


def stream_events(api_url: str, load: EventsLoad) -> EventsResult:
    """Create SOCKETS flow runs, stream their tasks' events, and wait until all are recorded."""
    with httpx.Client(base_url=api_url, trust_env=False, timeout=30.0) as client:
        flow_id = _post(client, "/flows/", {"name": "bench-events-flow"})["id"]
        flow_runs = [_post(client, "/flow_runs/", {"flow_id": flow_id, "name": f"bench-events-{index}",
                                                   "state": {"type": "RUNNING"}})["id"]
                     for index in range(SOCKETS)]
        start = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=10)
        streams = [_frames(flow_id, run_id, load.task_runs // SOCKETS + (index < load.task_runs % SOCKETS), start)
                   for index, run_id in enumerate(flow_runs)]
        window = {"since": start.isoformat(), "until": (start + datetime.timedelta(minutes=5)).isoformat()}
        return asyncio.run(_measure(api_url, client, streams, flow_runs, window, load))


async def _measure(api_url: str, client: httpx.Client, streams: list[list[str]], flow_runs: list[str],
                   window: dict[str, str], load: EventsLoad) -> EventsResult:
    url = api_url.replace("http://", "ws://", 1) + "/events/in"
    sockets = [await _open(url) for _ in streams]
    try:
        started = time.perf_counter()
        await asyncio.gather(*(_send(socket, frames) for socket, frames in zip(sockets, streams, strict=True)))
        deadline = started + load.timeout_s
        completed = stored = 0
        while True:  # the counts are cheap next to the recording: polled from this thread
            completed = _completed(client, flow_runs)
            if completed == load.task_runs:
                stored = _stored(client, window)
            if stored == load.events or time.perf_counter() > deadline:
                break
            await asyncio.sleep(POLL_S)
        seconds = time.perf_counter() - started
    finally:
        for socket in sockets:
            await socket.close()
    if completed < load.task_runs:
        stored = _stored(client, window)
    return EventsResult(load.events, stored, load.task_runs, completed, seconds)


async def _open(url: str) -> ClientConnection:
    """A socket authenticated as Prefect's client does: an auth frame, answered `auth_success`."""
    socket = await connect(url, subprotocols=["prefect"], max_queue=None)  # type: ignore[list-item]
    await socket.send(json.dumps({"type": "auth", "token": None}))
    answer = json.loads(await socket.recv())
    if answer.get("type") != "auth_success":
        raise BenchError(f"/api/events/in refused the auth frame: {answer}")
    return socket


async def _send(socket: ClientConnection, frames: list[str]) -> None:
    for frame in frames:
        await socket.send(frame)


def _post(client: httpx.Client, path: str, body: object) -> Any:
    response = client.post(path, json=body)
    if response.status_code not in (200, 201):
        raise BenchError(f"POST /api{path}: HTTP {response.status_code}: {response.text[:300]}")
    return response.json()


def _completed(client: httpx.Client, flow_runs: list[str]) -> int:
    body = {"flow_runs": {"id": {"any_": flow_runs}}, "task_runs": {"state": {"type": {"any_": ["COMPLETED"]}}}}
    return int(_post(client, "/task_runs/count", body))


def _stored(client: httpx.Client, window: dict[str, str]) -> int:
    body = {"filter": {"occurred": window, "event": {"prefix": ["prefect.task-run."]}}, "limit": 1}
    return int(_post(client, "/events/filter", body)["total"])


def _frames(flow_id: object, flow_run_id: object, task_runs: int, start: datetime.datetime) -> list[str]:
    """The events of one flow run's `task_runs` tasks, each Pending, Running, Completed in turn
    (a microsecond apart), each event but the first following the one before, as Prefect's engine sends them."""
    related = [
        {"prefect.resource.id": f"prefect.flow-run.{flow_run_id}", "prefect.resource.role": "flow-run",
         "prefect.resource.name": "bench-events"},
        {"prefect.resource.id": f"prefect.flow.{flow_id}", "prefect.resource.role": "flow",
         "prefect.resource.name": "bench-events-flow"},
    ]
    frames = []
    for task in range(task_runs):
        task_run_id, previous, follows = uuid.uuid4(), None, None
        for step, (state_type, name) in enumerate(STATES):
            occurred = (start + datetime.timedelta(microseconds=task * len(STATES) + step)).isoformat()
            event_id = str(uuid.uuid4())
            frames.append(json.dumps({
                "id": event_id, "occurred": occurred, "event": f"prefect.task-run.{name}",
                "resource": {"prefect.resource.id": f"prefect.task-run.{task_run_id}",
                             "prefect.resource.name": f"add-{task}", "prefect.run-count": str(min(step, 1)),
                             "prefect.state-message": "", "prefect.state-name": name,
                             "prefect.state-timestamp": occurred, "prefect.state-type": state_type,
                             "prefect.orchestration": "client"},
                "related": related,
                "payload": {
                    "intended": {"from": previous and previous[0], "to": state_type},
                    "initial_state": previous and {"type": previous[0], "name": previous[1], "message": "",
                                                   "state_details": {}},
                    "validated_state": {"type": state_type, "name": name, "message": "", "state_details": {},
                                        "data": None},
                    "task_run": {"name": f"add-{task}", "task_key": "add-5a1b2c3d", "dynamic_key": str(task),
                                 "empirical_policy": {"max_retries": 0, "retry_delay_seconds": 0.0, "retries": 0,
                                                      "retry_delay": 0},
                                 "tags": [], "labels": {}, "task_inputs": {"x": [], "y": []},
                                 "run_count": min(step, 1), "flow_run_run_count": 1,
                                 "expected_start_time": start.isoformat(),
                                 **({"start_time": occurred} if step else {}),
                                 **({"end_time": occurred} if step == 2 else {}),
                                 "total_run_time": 0.0},
                },
                "follows": follows,
            }))
            previous, follows = (state_type, name), event_id
    return frames
