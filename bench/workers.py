"""PostgreSQL with 2 uvicorn workers against 1: how far a second process scales the write mix.

SQLite admits one writing process, so only PostgreSQL (`ASGI_API_TEST_POSTGRES_URL`, the tests'
server, or postgresql://postgres@127.0.0.1:5432/) can take more workers. Each run gets its own
throw-away database, created here and dropped after, and `asgi-api serve --workers N` on it; both
get the same bounded write mix from the same driver, its connections spread evenly over the
workers (bench.spread): flow-run creates, then `set_state` to RUNNING and COMPLETED on every run
made, then batches of 10 logs.
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

from bench.cases import check, create_runs_case, logs_case, set_state_case
from bench.driver import BenchError
from bench.load import Case, Load, Result, hammer
from bench.servers import AsgiApiWorkers
from bench.spread import Spread

__all__ = ["WORKERS", "Scaling", "postgres_url", "scale"]

URL_VARIABLE = "ASGI_API_TEST_POSTGRES_URL"
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/"
WORKERS = (1, 2)


@dataclass(frozen=True)
class Scaling:
    """Write-mix requests/s per worker count."""

    rates: dict[int, float]

    @property
    def ratio(self) -> float:
        return self.rates[WORKERS[-1]] / self.rates[WORKERS[0]]


def postgres_url() -> tuple[str | None, str]:
    """The server's URL when it answers, else None; and where it was looked for (or why not)."""
    url = os.environ.get(URL_VARIABLE) or DEFAULT_URL
    try:
        asyncio.run(_execute(url, "SELECT 1"))
    except (OSError, asyncpg.PostgresError) as exc:  # TimeoutError is an OSError
        return None, f"PostgreSQL at {url} is unreachable ({type(exc).__name__}; set {URL_VARIABLE})"
    return url, url


def scale(url: str, load: Load) -> Scaling:
    """The write mix on a fresh database per worker count, one after the other."""
    return Scaling({workers: _run(url, workers, load) for workers in WORKERS})


def _run(url: str, workers: int, load: Load) -> float:
    name = f"asgi_api_bench_{uuid.uuid4().hex[:12]}"
    asyncio.run(_execute(url, f'CREATE DATABASE "{name}"'))
    try:
        database_url = make_url(url).set(drivername="postgresql+asyncpg", database=name)
        with tempfile.TemporaryDirectory() as home:
            server = AsgiApiWorkers(Path(home), database_url.render_as_string(hide_password=False), workers)
            try:
                server.start()
                return asyncio.run(_write_mix(server, load))
            finally:
                server.stop()
    finally:
        asyncio.run(_execute(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _write_mix(server: AsgiApiWorkers, load: Load) -> float:
    """Requests per second over the whole mix, the connections spread evenly over the workers;
    a wrong answer or a 503 fails the run."""
    flow_id = check(server, "POST", "/flows/", {"name": "bench-flow"}, 201)["id"]  # type: ignore[index]
    assert server.process is not None
    spread = Spread(server.process.pid)
    create = create_runs_case(flow_id)
    results = [await _hammer(server, spread, create, load)]
    run_ids = [json.loads(body)["id"] for body in create.bodies]
    for case in (set_state_case(run_ids), logs_case(run_ids[0])):
        results.append(await _hammer(server, spread, case, load))
    return sum(result.sent for result in results) / sum(result.seconds for result in results)


async def _hammer(server: AsgiApiWorkers, spread: Spread, case: Case, load: Load) -> Result:
    result = await hammer(server.port, case, load, spread.connect)
    if result.wrong or result.unavailable or not result.sent:
        raise BenchError(f"{server.name} {case.label}: {result.wrong} wrong answers and {result.unavailable} 503s "
                         f"of {result.sent}, e.g. {result.example}")
    return result


async def _execute(url: str, sql: str) -> None:
    """`sql` on the server's own database (CREATE and DROP DATABASE cannot run in a transaction)."""
    connection = await asyncpg.connect(make_url(url).set(drivername="postgresql").render_as_string(
        hide_password=False), timeout=5)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()
