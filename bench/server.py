"""The server section of `python -m bench`: the REST API over HTTP, beside Prefect 3.6.29's own server.

Both servers run as real uvicorn processes on fresh SQLite databases and are loaded one after the
other, alone, by the same driver (bench.load) with the same requests; the report gives each one's
requests/s and the ratio. Prefect's server runs from `.venv-prefect/<version>-server`, built on
first use (minutes, once); with `--no-prefect`, `--quick`, or when that venv cannot be built, only
asgi_api is measured and the ratio targets count as not met.

Also measured: cold start (process start until `/api/health` answers 200, fresh database and
existing database) and idle memory (the server's resident set after start-up). A full run writes
`bench/results/<date>.json` and the chart `bench/results/server.svg`.
"""

from __future__ import annotations

import asyncio
import datetime
import json
import logging
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench import chart
from bench.driver import BenchError
from bench.load import CONNECTIONS, Case, Load, Result, hammer
from bench.servers import AsgiApiServer, PrefectServer, Server

PREFECT_VERSION = "3.6.29"
ANCHOR = f"Prefect {PREFECT_VERSION}"
MIN_RATIO = 10.0  # asgi_api's requests/s over Prefect's, at least, on every endpoint
MIN_FLOW_RUNS_PER_S = 2000.0
COLD_START_LIMIT_S = 0.5
IDLE_LIMIT_MIB = 60.0
RESULTS = Path(__file__).resolve().parent / "results"
CREATE_RUNS = "POST /api/flow_runs/"
CHECK_TRIES = 20

FULL = Load()
QUICK = Load(requests=200, budget_s=1.0, cold_starts=1)


@dataclass
class Measured:
    """One server's figures: requests/s per case label, start-up and memory."""

    name: str
    results: dict[str, Result]
    fresh_s: float
    existing_s: float
    idle_mib: float
    loaded_mib: float


def cold_starts(make: Callable[[Path], Server], runs: int) -> tuple[float, float, float]:
    """Median start-up seconds on a fresh database and on an existing one; idle RSS in MiB."""
    fresh: list[float] = []
    existing: list[float] = []
    idle: list[float] = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as home:
            for times in (fresh, existing):
                server = make(Path(home))
                try:
                    times.append(server.start())
                    time.sleep(0.5)  # let start-up garbage settle before reading the resident set
                    idle.append(server.rss_mib())
                finally:
                    server.stop()
    return statistics.median(fresh), statistics.median(existing), statistics.median(idle)


def check(server: Server, method: str, path: str, body: object, status: int) -> object:
    """One request through httpx, before any timing: the route must exist and answer correctly.
    A 503 is tried again a few times (Prefect's services hold its SQLite file after start-up)."""
    with httpx.Client(base_url=server.api_url, trust_env=False, timeout=30.0) as client:
        for _ in range(CHECK_TRIES):
            response = client.request(method, path, json=body)
            if response.status_code != 503:
                break
            time.sleep(0.5)
    if response.status_code != status:
        raise BenchError(f"{server.name} {method} /api{path}: HTTP {response.status_code}, expected {status}: "
                         f"{response.text[:300]}")
    return response.json()


def has_route(server: Server, path: str) -> bool:
    """Whether `server` serves `path` at all (an endpoint still being built is left out, not failed)."""
    with httpx.Client(base_url=server.api_url, trust_env=False, timeout=30.0) as client:
        return client.post(path, json={}).status_code not in (404, 405)


def cases(server: Server) -> list[Case]:
    """The endpoints in the order they run, each first checked once; set_state comes after them."""
    flow_id = check(server, "POST", "/flows/", {"name": "bench-flow"}, 201)["id"]  # type: ignore[index]
    run_id = check(server, "POST", "/flow_runs/", {"flow_id": flow_id}, 201)["id"]  # type: ignore[index]
    logs = [{"name": "bench", "level": 20, "message": f"log line {line}", "flow_run_id": run_id,
             "timestamp": "2025-01-01T00:00:00+00:00"} for line in range(10)]
    pending = {"flow_runs": {"state": {"type": {"any_": ["PENDING"]}}}, "limit": 10}
    flows = {"flows": {"name": {"any_": ["bench-flow"]}}, "limit": 10}
    for method, path, body, status in [("GET", "/health", None, 200), ("POST", "/flows/", {"name": "bench-flow"}, 200),
                                       ("POST", "/flows/filter", flows, 200), ("POST", "/logs/", logs, 201),
                                       ("POST", "/flow_runs/filter", pending, 200),
                                       ("POST", "/task_runs/", _task_run(run_id, -1), 201)]:
        check(server, method, path, body, status)
    measured = [
        Case("GET  /api/health", lambda i: ("GET", "/api/health", None), 200, writes=False),
        Case("POST /api/flows/ (upsert)", lambda i: ("POST", "/api/flows/", {"name": "bench-flow"}), 200),
        Case("POST /api/flows/filter", lambda i: ("POST", "/api/flows/filter", flows), 200, writes=False),
        Case("POST /api/logs/ (10 logs)", lambda i: ("POST", "/api/logs/", logs), 201),
        Case(CREATE_RUNS, lambda i: ("POST", "/api/flow_runs/", {
            "flow_id": flow_id, "state": {"type": "PENDING"}}), 201, keep=True),
        Case("POST /api/flow_runs/filter", lambda i: ("POST", "/api/flow_runs/filter", pending), 200,
             writes=False),
        Case("POST /api/task_runs/", lambda i: ("POST", "/api/task_runs/", _task_run(run_id, i)), 201),
    ]
    if has_route(server, "/deployments/get_scheduled_flow_runs"):
        measured.append(_scheduled_runs_case(server, flow_id))
    return measured


def _task_run(flow_run_id: str, index: int) -> dict[str, object]:
    return {"flow_run_id": flow_run_id, "task_key": "bench-task", "dynamic_key": str(index)}


def _scheduled_runs_case(server: Server, flow_id: str) -> Case:
    """A worker's poll: a deployment with 10 runs due, asked for them again and again."""
    deployment = check(server, "POST", "/deployments/", {"name": "bench-deployment", "flow_id": flow_id}, 201)
    deployment_id = deployment["id"]  # type: ignore[index]
    due = {"type": "SCHEDULED", "state_details": {"scheduled_time": "2025-01-01T00:00:00+00:00"}}
    for _ in range(10):
        check(server, "POST", "/flow_runs/", {"flow_id": flow_id, "deployment_id": deployment_id, "state": due}, 201)
    body = {"deployment_ids": [deployment_id], "limit": 10}
    check(server, "POST", "/deployments/get_scheduled_flow_runs", body, 200)
    return Case("POST /api/deployments/get_scheduled_flow_runs",
                lambda i: ("POST", "/api/deployments/get_scheduled_flow_runs", body), 200, accept=b"SCHEDULED")


def set_state_case(run_ids: list[str]) -> Case:
    """set_state on the runs made under load: all of them to RUNNING, then to COMPLETED, each ACCEPTed."""
    half = len(run_ids)

    def build(index: int) -> tuple[str, str, object]:
        run_id, state = (run_ids[index], "RUNNING") if index < half else (run_ids[index - half], "COMPLETED")
        return "POST", f"/api/flow_runs/{run_id}/set_state", {"state": {"type": state}}

    return Case("POST /api/flow_runs/{id}/set_state", build, 201, total=2 * half, accept=b'"ACCEPT"')


async def load_all(server: Server, load: Load, strict: bool) -> dict[str, Result]:
    """Every case under load, in order, then set_state on the flow runs the create case made.
    `strict`: a wrong answer (not the expected one, not a 503) stops the run; else it is counted."""
    results: dict[str, Result] = {}
    made: list[str] = []
    for case in [*cases(server), None]:
        if case is None:
            case = set_state_case(made)
        result = await hammer(server.port, case, load)
        if strict and result.wrong:
            raise BenchError(f"{server.name} {case.label}: {result.wrong} wrong answers, e.g. {result.example}")
        results[case.label] = result
        made += [json.loads(body)["id"] for body in case.bodies]
    return results


def measure(make: Callable[[Path], Server], load: Load, strict: bool) -> Measured:
    fresh, existing, idle = cold_starts(make, load.cold_starts)
    with tempfile.TemporaryDirectory() as home:
        server = make(Path(home))
        try:
            server.start()
            results = asyncio.run(load_all(server, load, strict))
            loaded = server.rss_mib()
        finally:
            server.stop()
    return Measured(server.name, results, fresh, existing, idle, loaded)


def prefect_server(prefect: bool) -> Callable[[Path], Server] | None:
    """How to start Prefect's server, or None (with a note why) when it is not measured."""
    if not prefect:
        print(f"  ({ANCHOR} not measured: --no-prefect or --quick)")
        return None
    from tests.server.e2e.prefect_venv import PrefectVenvError, prefect_server_python

    print(f"  building or reusing {ANCHOR}'s server venv (minutes on the first run)...", flush=True)
    try:
        python = prefect_server_python(PREFECT_VERSION)
    except PrefectVenvError as exc:
        print(f"  ({ANCHOR} not measured: its venv could not be built: {str(exc)[:500]})")
        return None
    return lambda home: PrefectServer(home, python)


def verdict(met: bool) -> str:
    return "PASS" if met else "FAIL"


def report(quick: bool, prefect: bool) -> list[bool]:
    """Runs the server section and prints it; returns whether each target was met.

    Raises `BenchError` when asgi_api's server fails to start or answers wrongly; Prefect failing
    only leaves its column empty.
    """
    load = QUICK if quick else FULL
    logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per check request would bury the report
    print(f"\nserver: uvicorn on SQLite (fresh temporary directory), over HTTP, {CONNECTIONS} keep-alive "
          f"connections, up to {load.requests} requests or {load.budget_s:.0f} s per endpoint, each server alone")
    load_before = os.getloadavg()
    make_prefect = prefect_server(prefect)
    ours = measure(AsgiApiServer, load, strict=True)
    theirs = None
    if make_prefect is not None:
        try:
            theirs = measure(make_prefect, load, strict=False)
        except BenchError as exc:
            print(f"  ({ANCHOR} failed, its figures are left out: {str(exc)[:800]})")
    outcomes = print_report(ours, theirs)
    if not quick:
        write_results(ours, theirs, load, load_before)
    return outcomes


def print_report(ours: Measured, theirs: Measured | None) -> list[bool]:
    outcomes: list[bool] = []
    print(f"\n{'requests/s':<48}{'asgi_api':>10}{ANCHOR:>16}{'ratio':>9}")
    for label, result in ours.results.items():
        anchor = None if theirs is None else theirs.results.get(label)
        line = f"  {label:<46}{result.rate:>10,.0f}{'-' if anchor is None else f'{anchor.rate:,.0f}':>16}"
        ratio = None if anchor is None or anchor.rate == 0 else result.rate / anchor.rate
        outcomes.append(ratio is not None and ratio >= MIN_RATIO)
        line += f"{'-' if ratio is None else f'{ratio:.1f}x':>9}   target >= {MIN_RATIO:.0f}x  {verdict(outcomes[-1])}"
        if anchor is not None and (anchor.unavailable or anchor.wrong):
            line += f"   ({ANCHOR}: {anchor.unavailable} 503s, {anchor.wrong} other failures of {anchor.sent})"
        print(line)
    created = ours.results[CREATE_RUNS].rate
    outcomes.append(created >= MIN_FLOW_RUNS_PER_S)
    print(f"  flow runs created per second at {CONNECTIONS} clients: {created:,.0f}   "
          f"target >= {MIN_FLOW_RUNS_PER_S:,.0f}  {verdict(outcomes[-1])}")
    writes = [result for label, result in ours.results.items() if label != "GET  /api/health"]
    unavailable = sum(result.unavailable for result in writes)
    outcomes.append(unavailable == 0)
    print(f"  503s from {sum(result.sent for result in writes):,} requests at {CONNECTIONS} concurrent clients: "
          f"{unavailable}   target 0  {verdict(outcomes[-1])}")

    def anchor(figure: str) -> str:
        return "" if theirs is None else f"{ANCHOR}: {figure}"

    outcomes.append(ours.fresh_s < COLD_START_LIMIT_S)
    print(f"\n  cold start, fresh database{ours.fresh_s:>17.2f} s    target < {COLD_START_LIMIT_S} s  "
          f"{verdict(outcomes[-1])}   {anchor(f'{theirs.fresh_s:.2f} s' if theirs else '')}")
    print(f"  cold start, existing database{ours.existing_s:>14.2f} s    "
          f"{anchor(f'{theirs.existing_s:.2f} s' if theirs else '')}")
    outcomes.append(ours.idle_mib < IDLE_LIMIT_MIB)
    print(f"  idle memory (RSS after start-up){ours.idle_mib:>9.1f} MiB  target < {IDLE_LIMIT_MIB:.0f} MiB  "
          f"{verdict(outcomes[-1])}   {anchor(f'{theirs.idle_mib:.1f} MiB' if theirs else '')}")
    print(f"  memory after the load (RSS){ours.loaded_mib:>14.1f} MiB  "
          f"{anchor(f'{theirs.loaded_mib:.1f} MiB' if theirs else '')}")
    return outcomes


def write_results(ours: Measured, theirs: Measured | None, load: Load, load_before: tuple[float, ...]) -> None:
    """`bench/results/<date>.json` (every figure) and `bench/results/server.svg` (the chart)."""
    RESULTS.mkdir(exist_ok=True)
    now = datetime.datetime.now(datetime.timezone.utc)
    document = {
        "date": now.isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "load_average_before": load_before[0], "load_average_after": os.getloadavg()[0]},
        "load": {"connections": CONNECTIONS, "requests": load.requests, "budget_s": load.budget_s},
        "servers": {measured.name: {
            "requests_per_s": {label: round(result.rate, 1) for label, result in measured.results.items()},
            "unavailable": {label: result.unavailable for label, result in measured.results.items()},
            "wrong": {label: result.wrong for label, result in measured.results.items()},
            "cold_start_fresh_s": round(measured.fresh_s, 3), "cold_start_existing_s": round(measured.existing_s, 3),
            "idle_mib": round(measured.idle_mib, 1), "loaded_mib": round(measured.loaded_mib, 1),
        } for measured in (ours, theirs) if measured is not None},
        "anchor": ANCHOR if theirs is not None else None,
    }
    path = RESULTS / f"{now.date().isoformat()}.json"
    path.write_text(json.dumps(document, indent=2) + "\n")
    rows = [(label, {"asgi_api": result.rate, **({"Prefect": theirs.results[label].rate}
                                                 if theirs is not None and label in theirs.results else {})})
            for label, result in ours.results.items()]
    chart.draw(RESULTS / "server.svg", f"asgi_api vs {ANCHOR}, SQLite, {CONNECTIONS} connections, "
               f"{now.date().isoformat()}", rows)
    print(f"\n  wrote {path.relative_to(RESULTS.parent.parent)} and bench/results/server.svg")
