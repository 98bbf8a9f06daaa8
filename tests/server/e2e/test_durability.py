"""A write the server acknowledged with a 2xx survives SIGKILL of the server right after it.

Two ways to kill, on each backend: right after the last of a sequence of acknowledged writes (flow
runs, a state, logs, a variable), and in the middle of a stream of concurrent creates. A new server
on the same database must then return every acknowledged object.
"""

from __future__ import annotations

import asyncio
import os
import signal
import uuid

import httpx
import pytest

from asgi_api.server.subprocess import SubprocessASGIServer
from tests.server.e2e.api import create_flow, read_all
from tests.server.e2e.conftest import StartServer
from tests.server.e2e.retry import RetryingClient

pytestmark = pytest.mark.anyio

SEQUENTIAL = 30
WRITERS = 16
KILL_AFTER = 150  # acknowledged creates before the kill in the concurrent case
STREAM_TIMEOUT = 60.0


def kill(server: SubprocessASGIServer) -> None:
    """SIGKILL: no shutdown, no flush, no lifespan; then reap the child."""
    assert server.server_process is not None
    os.kill(server.server_process.pid, signal.SIGKILL)
    server.stop()


def client(server: SubprocessASGIServer) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=server.api_url, timeout=30.0, trust_env=False)


async def test_sequential_writes_survive(start_server: StartServer) -> None:
    server = start_server()
    variable = f"durable_{uuid.uuid4().hex[:8]}"
    async with client(server) as http:
        api = RetryingClient(http)
        flow_id = await create_flow(api, "durable")
        run_ids = []
        for number in range(SEQUENTIAL):
            run = await api.post("/flow_runs/", json={"flow_id": flow_id, "name": f"durable-{number}"})
            assert run.status_code == 201, run.text
            run_ids.append(run.json()["id"])
        running = await api.post(f"/flow_runs/{run_ids[0]}/set_state", json={"state": {"type": "RUNNING"}})
        assert running.status_code == 201, running.text
        logs = await api.post("/logs/", json=[{"name": "durable", "level": 20, "message": f"line {line}",
                                               "flow_run_id": run_ids[0],
                                               "timestamp": "2025-01-01T00:00:00+00:00"} for line in range(5)])
        assert logs.status_code == 201, logs.text
        created = await api.post("/variables/", json={"name": variable, "value": {"kept": True}})
        assert created.status_code == 201, created.text
    kill(server)

    async with client(start_server()) as http:
        api = RetryingClient(http)
        runs = await read_all(api, "/flow_runs/filter", {"flows": {"id": {"any_": [flow_id]}}})
        assert sorted(run["id"] for run in runs) == sorted(run_ids)
        first = await api.get(f"/flow_runs/{run_ids[0]}")
        assert first.json()["state_type"] == "RUNNING", first.text
        stored_logs = await read_all(api, "/logs/filter", {"logs": {"flow_run_id": {"any_": [run_ids[0]]}}})
        assert sorted(log["message"] for log in stored_logs) == [f"line {line}" for line in range(5)]
        stored = await api.get(f"/variables/name/{variable}")
        assert stored.status_code == 200 and stored.json()["value"] == {"kept": True}, stored.text


async def test_writes_in_flight_at_the_kill(start_server: StartServer) -> None:
    server = start_server()
    acknowledged: list[str] = []
    enough = asyncio.Event()
    async with client(server) as http:
        api = RetryingClient(http)
        flow_id = await create_flow(api, "in-flight")

        async def writer() -> None:
            # Stops at the kill: the connection breaks, and what was not acknowledged does not count.
            while not enough.is_set():
                try:
                    run = await http.post("/flow_runs/", json={"flow_id": flow_id})
                except httpx.TransportError:
                    return
                if run.status_code == 201:
                    acknowledged.append(run.json()["id"])
                    if len(acknowledged) >= KILL_AFTER:
                        kill_now()
                else:
                    assert run.status_code == 503, run.text

        def kill_now() -> None:
            if not enough.is_set():
                enough.set()
                assert server.server_process is not None
                os.kill(server.server_process.pid, signal.SIGKILL)

        await asyncio.wait_for(asyncio.gather(*(writer() for _ in range(WRITERS))), STREAM_TIMEOUT)
    kill(server)
    assert len(acknowledged) >= KILL_AFTER

    async with client(start_server()) as http:
        runs = await read_all(RetryingClient(http), "/flow_runs/filter", {"flows": {"id": {"any_": [flow_id]}}})
    stored = {run["id"] for run in runs}
    lost = set(acknowledged) - stored
    assert not lost, f"{len(lost)} of {len(acknowledged)} acknowledged flow runs are gone after SIGKILL"
