"""`make stress` (`python -m bench.stress`): a mixed read/write soak of the REST API server under real
uvicorn, on SQLite and on PostgreSQL, at 64 and at 256 concurrent clients.

Each run lasts `STRESS_SECONDS` (default 60) and prints the answers by class (2xx/4xx/5xx, and
transport errors), p50/p99 latency and requests/s; then it reads back every write the server
acknowledged (flow runs, variables, logs) and reports any that is missing. The exit status is 1 when
a run saw a 5xx, a transport error or a lost write. Not part of `make test`: it loads the machine.
PostgreSQL comes from `ASGI_API_TEST_POSTGRES_URL` (default: postgres on 127.0.0.1); a throw-away
database is created per run and dropped after.
"""

from __future__ import annotations

import asyncio
import collections
import dataclasses
import os
import random
import socket
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import asyncpg
import httpx
from sqlalchemy.engine import make_url

from asgi_api.server.subprocess import SubprocessASGIServer

DURATION = float(os.environ.get("STRESS_SECONDS", "60"))
CLIENT_COUNTS = (64, 256)
POSTGRES_URL = os.environ.get("ASGI_API_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
TIMESTAMP = "2025-01-01T00:00:00+00:00"


@dataclasses.dataclass
class Soak:
    """What one run saw, and what it must find again."""

    statuses: collections.Counter[str] = dataclasses.field(default_factory=collections.Counter)
    latencies: list[float] = dataclasses.field(default_factory=list)
    runs: set[str] = dataclasses.field(default_factory=set)
    variables: set[str] = dataclasses.field(default_factory=set)
    logs: collections.Counter[str] = dataclasses.field(default_factory=collections.Counter)  # run id -> lines

    def answer(self, response: httpx.Response | None, started: float) -> None:
        self.latencies.append(time.perf_counter() - started)
        self.statuses["error" if response is None else f"{response.status_code // 100}xx"] += 1


async def request(client: httpx.AsyncClient, soak: Soak, method: str, path: str,
                  body: Any = None) -> httpx.Response | None:
    started = time.perf_counter()
    try:
        response = await client.request(method, path, json=body)
    except httpx.HTTPError:
        response = None
    soak.answer(response, started)
    return response


async def client_loop(client: httpx.AsyncClient, soak: Soak, number: int, flow_id: str, deadline: float) -> None:
    """About half writes (runs, logs, variables, state changes) and half reads, in a random mix."""
    rng = random.Random(number)
    mine: list[str] = []
    step = 0
    while time.monotonic() < deadline:
        step += 1
        draw = rng.random()
        if draw < 0.25 or not mine:
            body = {"flow_id": flow_id, "name": f"soak-{number}-{step}", "idempotency_key": f"{number}-{step}"}
            response = await request(client, soak, "POST", "/flow_runs/", body)
            if response is not None and response.status_code in (200, 201):
                mine.append(response.json()["id"])
                soak.runs.add(mine[-1])
        elif draw < 0.35:
            run_id = rng.choice(mine)
            lines = [{"name": "soak", "level": 20, "message": f"{number}-{step}-{line}", "timestamp": TIMESTAMP,
                      "flow_run_id": run_id} for line in range(3)]
            response = await request(client, soak, "POST", "/logs/", lines)
            if response is not None and response.status_code == 201:
                soak.logs[run_id] += len(lines)
        elif draw < 0.42:
            name = f"soak_{number}_{step}"
            response = await request(client, soak, "POST", "/variables/", {"name": name, "value": step})
            if response is not None and response.status_code == 201:
                soak.variables.add(name)
        elif draw < 0.50:
            await request(client, soak, "POST", f"/flow_runs/{rng.choice(mine)}/set_state",
                          {"state": {"type": "RUNNING"}, "force": True})
        elif draw < 0.70:
            await request(client, soak, "POST", "/flow_runs/filter", {"limit": 10})
        elif draw < 0.85:
            await request(client, soak, "GET", f"/flow_runs/{rng.choice(mine)}")
        else:
            query = {"limit": 20, "logs": {"flow_run_id": {"any_": mine[-1:]}}}
            await request(client, soak, "POST", "/logs/filter", query)


async def missing_writes(client: httpx.AsyncClient, soak: Soak) -> list[str]:
    """Every acknowledged write that cannot be read back."""
    missing: list[str] = []
    runs = sorted(soak.runs)
    for start in range(0, len(runs), 200):
        chunk = runs[start:start + 200]
        found = (await client.post("/flow_runs/filter", json={"flow_runs": {"id": {"any_": chunk}}})).json()
        missing += [f"flow run {run}" for run in set(chunk) - {run["id"] for run in found}]
    names = sorted(soak.variables)
    for start in range(0, len(names), 200):
        chunk = names[start:start + 200]
        found = (await client.post("/variables/filter", json={"variables": {"name": {"any_": chunk}}})).json()
        missing += [f"variable {name}" for name in set(chunk) - {variable["name"] for variable in found}]
    for run_id, expected in soak.logs.items():
        counted = 0
        while True:
            page = (await client.post("/logs/filter", json={"logs": {"flow_run_id": {"any_": [run_id]}},
                                                            "offset": counted})).json()
            counted += len(page)
            if len(page) < 200:
                break
        if counted < expected:
            missing.append(f"{expected - counted} log lines of flow run {run_id}")
    return missing


async def soak_once(server: SubprocessASGIServer, clients: int) -> tuple[Soak, list[str], float]:
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=server.api_url, timeout=60.0, limits=limits, trust_env=False) as client:
        flow = (await client.post("/flows/", json={"name": f"soak-{uuid.uuid4().hex[:8]}"})).json()
        soak = Soak()
        started = time.monotonic()
        deadline = started + DURATION
        await asyncio.gather(*(client_loop(client, soak, number, flow["id"], deadline) for number in range(clients)))
        elapsed = time.monotonic() - started
        return soak, await missing_writes(client, soak), elapsed


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _admin(statement: str) -> None:
    connection = await asyncpg.connect(POSTGRES_URL, timeout=5)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@contextmanager
def backend(name: str) -> Iterator[dict[str, str]]:
    """The environment of a server on a new, empty database of `name`."""
    with tempfile.TemporaryDirectory(prefix="asgi_api_stress_") as home:
        if name == "sqlite":
            yield {"ASGI_API_HOME": home, "ASGI_API_DATABASE_URL": f"sqlite+aiosqlite:///{home}/asgi_api.db"}
            return
        database = f"asgi_api_stress_{uuid.uuid4().hex[:10]}"
        asyncio.run(_admin(f'CREATE DATABASE "{database}"'))
        url = make_url(POSTGRES_URL).set(drivername="postgresql+asyncpg", database=database)
        try:
            yield {"ASGI_API_HOME": home, "ASGI_API_DATABASE_URL": url.render_as_string(hide_password=False)}
        finally:
            asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))


def main() -> int:
    print(f"{'backend':<10} {'clients':>7} {'requests':>8} {'2xx':>7} {'4xx':>5} {'5xx':>5} {'errors':>6} "
          f"{'p50 ms':>7} {'p99 ms':>7} {'req/s':>7} {'acked writes':>12} {'lost':>5}")
    failed = False
    for name in ("sqlite", "postgresql"):
        for clients in CLIENT_COUNTS:
            with backend(name) as env:
                server = SubprocessASGIServer(free_port(), env={**env, "ASGI_API_UI_ENABLED": "false"})
                server.start()
                try:
                    soak, missing, elapsed = asyncio.run(soak_once(server, clients))
                finally:
                    server.stop()
            quantiles = statistics.quantiles(soak.latencies, n=100) if len(soak.latencies) > 1 else [0.0] * 99
            total = sum(soak.statuses.values())
            writes = len(soak.runs) + len(soak.variables) + sum(soak.logs.values())
            print(f"{name:<10} {clients:>7} {total:>8} {soak.statuses['2xx']:>7} {soak.statuses['4xx']:>5} "
                  f"{soak.statuses['5xx']:>5} {soak.statuses['error']:>6} {quantiles[49] * 1000:>7.1f} "
                  f"{quantiles[98] * 1000:>7.1f} {total / elapsed:>7.0f} {writes:>12} {len(missing):>5}", flush=True)
            for line in missing[:20]:
                print(f"    lost: {line}")
            failed |= bool(soak.statuses["5xx"] or soak.statuses["error"] or missing)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
