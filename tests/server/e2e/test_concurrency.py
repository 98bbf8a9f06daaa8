"""Hundreds of concurrent writes at real servers: nothing lost, no error but a retried 503.

Each of RUNS units creates a flow run, moves it to RUNNING, posts a batch of logs and completes it
(four writes, so 800 in all), with at most IN_FLIGHT requests open at once. The targets: one
uvicorn process on SQLite (whose writes the server serialises, so no 503 at all), and `asgi-api
serve --workers 2` on PostgreSQL (two processes sharing one database). Afterwards every
acknowledged write is read back through the API's `/count` and `/filter` routes.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from asgi_api.server.subprocess import SubprocessASGIServer
from tests.server.e2e.api import create_flow, read_all
from tests.server.e2e.conftest import START_TIMEOUT, free_port
from tests.server.e2e.retry import RetryingClient

pytestmark = pytest.mark.anyio

RUNS = 200
LOGS_PER_BATCH = 10
IN_FLIGHT = 64
TEST_TIMEOUT = 120.0  # seconds for all the writes
STOP_GRACE = 15.0


@pytest.fixture
def sqlite_api(tmp_path: Path) -> Iterator[str]:
    home = tmp_path / "home"
    env = {"ASGI_API_HOME": str(home), "ASGI_API_DATABASE_URL": f"sqlite+aiosqlite:///{home / 'asgi_api.db'}"}
    with SubprocessASGIServer(free_port(), env=env) as server:
        yield server.api_url


@pytest.fixture
def postgres_workers_api(postgres_url: str, tmp_path: Path) -> Iterator[str]:
    """`asgi-api serve --workers 2` on this session's PostgreSQL database (its rows cleared)."""
    port = free_port()
    env = {**os.environ, "ASGI_API_HOME": str(tmp_path / "home"), "ASGI_API_DATABASE_URL": postgres_url}
    with open(tmp_path / "server.log", "wb") as log:
        # Its own session: the uvicorn supervisor and its workers form one group to stop together.
        process = subprocess.Popen([sys.executable, "-m", "asgi_api.server.cli", "serve", "--workers", "2",
                                    "--port", str(port), "--log-level", "warning"], env=env,
                                   stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True)
        try:
            api_url = f"http://127.0.0.1:{port}/api"
            _wait_for_health(api_url, process, tmp_path / "server.log")
            assert len(_children(process.pid)) >= 2, "uvicorn did not start 2 workers"
            yield api_url
        finally:
            _stop_group(process)
            print(f"asgi-api serve output:\n{(tmp_path / 'server.log').read_text()[-5000:]}")  # shown on failure


def _wait_for_health(api_url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    with httpx.Client(trust_env=False, timeout=1.0) as client:
        while time.monotonic() < deadline:
            assert process.poll() is None, f"asgi-api serve exited {process.returncode}:\n{log.read_text()}"
            try:
                if client.get(f"{api_url}/health").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
    raise AssertionError(f"asgi-api serve did not answer /health in {START_TIMEOUT} s:\n{log.read_text()}")


def _children(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/task/{pid}/children").read_text().split()


def _stop_group(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the supervisor (it stops its workers), then SIGKILL the group it leads if need be."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(STOP_GRACE)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(process.pid, signal.SIGKILL)  # the group is this test's own child's
    except ProcessLookupError:
        pass
    process.wait(STOP_GRACE)


async def write_storm(api_url: str) -> Counter[int]:
    """Fires the writes, checks that every acknowledged one is stored; returns the retried statuses."""
    limits = httpx.Limits(max_connections=IN_FLIGHT, max_keepalive_connections=IN_FLIGHT)
    async with httpx.AsyncClient(base_url=api_url, limits=limits, timeout=30.0, trust_env=False) as client:
        api = RetryingClient(client)
        flow_id = await create_flow(api, f"storm-{uuid.uuid4().hex[:8]}")
        gate = asyncio.Semaphore(IN_FLIGHT)

        async def post(path: str, body: object) -> httpx.Response:
            async with gate:
                return await api.post(path, json=body)

        async def set_state(run_id: str, state: str) -> None:
            answer = await post(f"/flow_runs/{run_id}/set_state", {
                "state": {"type": state, "state_details": {"transition_id": str(uuid.uuid4())}}})
            result = answer.json()
            # REJECT with the proposed state: a retry of a transition that was stored (same transition_id).
            assert answer.status_code in (200, 201) and (result["status"] == "ACCEPT" or (
                result["status"] == "REJECT" and result["state"]["type"] == state)), answer.text

        async def unit(number: int) -> tuple[str, list[str]]:
            run = await post("/flow_runs/", {"flow_id": flow_id, "name": f"storm-{number}",
                                             "idempotency_key": uuid.uuid4().hex, "state": {"type": "PENDING"}})
            assert run.status_code == 201, run.text
            run_id: str = run.json()["id"]
            await set_state(run_id, "RUNNING")
            messages = [f"run {number} line {line} {uuid.uuid4().hex}" for line in range(LOGS_PER_BATCH)]
            logs = await post("/logs/", [{"name": "storm", "level": 20, "message": message, "flow_run_id": run_id,
                                          "timestamp": "2025-01-01T00:00:00+00:00"} for message in messages])
            assert logs.status_code == 201, logs.text
            await set_state(run_id, "COMPLETED")
            return run_id, messages

        written = await asyncio.wait_for(asyncio.gather(*(unit(number) for number in range(RUNS))), TEST_TIMEOUT)
        retried = api.retried.copy()
        print(f"{RUNS * 4 + 1} writes to {api_url}; retried statuses: {dict(retried) or 'none'}; "
              f"broken connections: {dict(api.broken) or 'none'}")
        run_ids = {run_id for run_id, _ in written}
        messages = {message for _, batch in written for message in batch}

        by_flow = {"flows": {"id": {"any_": [flow_id]}}}
        count = await api.post("/flow_runs/count", json=by_flow)
        assert count.status_code == 200 and count.json() == RUNS, count.text
        completed = await api.post("/flow_runs/count", json={
            **by_flow, "flow_runs": {"state": {"type": {"any_": ["COMPLETED"]}}}})
        assert completed.status_code == 200 and completed.json() == RUNS, completed.text

        runs = await read_all(api, "/flow_runs/filter", by_flow)
        assert {run["id"] for run in runs} == run_ids
        assert all(run["state_type"] == "COMPLETED" and run["run_count"] == 1 for run in runs)

        async def history(run_id: str) -> list[str]:
            async with gate:
                states = await api.get("/flow_run_states/", params={"flow_run_id": run_id})
            assert states.status_code == 200, states.text
            return [state["type"] for state in states.json()]

        histories = await asyncio.gather(*(history(run_id) for run_id in run_ids))
        assert all(types == ["PENDING", "RUNNING", "COMPLETED"] for types in histories), histories

        logs = await read_all(api, "/logs/filter", {"logs": {"flow_run_id": {"any_": sorted(run_ids)}}})
        assert len(logs) == len(messages)  # no batch stored twice
        assert {log["message"] for log in logs} == messages
        return retried


async def test_sqlite_single_process(sqlite_api: str) -> None:
    retried = await write_storm(sqlite_api)
    # The server queues SQLite writes itself: lock contention must never surface as a 503.
    assert not retried, f"retryable answers from one process on SQLite: {dict(retried)}"


async def test_postgresql_two_workers(postgres_workers_api: str) -> None:
    await write_storm(postgres_workers_api)
