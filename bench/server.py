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
import dataclasses
import datetime
import json
import logging
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench import chart, workers
from bench.cases import CREATE_RUNS, cases, set_state_case
from bench.driver import BenchError
from bench.events_in import SOCKETS, EventsLoad, EventsResult, stream_events
from bench.load import CONNECTIONS, Load, Result, hammer
from bench.servers import AsgiApiServer, PrefectServer, Server

PREFECT_VERSION = "3.6.29"
ANCHOR = f"Prefect {PREFECT_VERSION}"
MIN_RATIO = 10.0  # asgi_api's requests/s over Prefect's, at least, on every endpoint
MIN_FLOW_RUNS_PER_S = 2000.0
COLD_START_LIMIT_S = 0.5
IDLE_LIMIT_MIB = 60.0
MIN_EVENTS_PER_S = 5000.0
MIN_WORKERS_RATIO = 1.6  # the write mix on PostgreSQL, 2 workers over 1
EVENTS_ROW = "WS   /api/events/in (events/s)"
RESULTS = Path(__file__).resolve().parent / "results"

FULL = Load()
QUICK = Load(requests=200, budget_s=1.0, cold_starts=1)
EVENTS = {False: EventsLoad(), True: EventsLoad(task_runs=100, timeout_s=30.0)}  # by `quick`
WORKERS_LOAD = {False: Load(requests=2000, budget_s=10.0), True: Load(requests=100, budget_s=2.0)}


@dataclasses.dataclass
class Measured:
    """One server's figures: requests/s per case label, start-up and memory."""

    name: str
    results: dict[str, Result]
    fresh_s: float
    existing_s: float
    idle_mib: float
    loaded_mib: float
    events: EventsResult | None  # None when the anchor's events could not be measured


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


def measure(make: Callable[[Path], Server], load: Load, events: EventsLoad, strict: bool) -> Measured:
    """Cold starts, then on one server the HTTP load and after it the events stream.
    `strict`: any failure of the events stream stops the run; else it leaves the figure out."""
    fresh, existing, idle = cold_starts(make, load.cold_starts)
    with tempfile.TemporaryDirectory() as home:
        server = make(Path(home))
        try:
            server.start()
            results = asyncio.run(load_all(server, load, strict))
            loaded = server.rss_mib()
            try:
                streamed: EventsResult | None = stream_events(server.api_url, events)
            except Exception as exc:
                if strict:
                    raise BenchError(f"{server.name} /api/events/in: {exc!r}") from exc
                print(f"  ({server.name}'s events could not be measured: {exc!r})")
                streamed = None
        finally:
            server.stop()
    return Measured(server.name, results, fresh, existing, idle, loaded, streamed)


def postgres_scaling(quick: bool) -> workers.Scaling | None:
    """The write mix on PostgreSQL at 1 and 2 workers, or None (with a note) without PostgreSQL."""
    url, where = workers.postgres_url()
    if url is None:
        print(f"  (the workers' scaling was not measured: {where})")
        return None
    return workers.scale(url, WORKERS_LOAD[quick])


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
    events = EVENTS[quick]
    ours = measure(AsgiApiServer, load, events, strict=True)
    theirs = None
    if make_prefect is not None:
        try:
            theirs = measure(make_prefect, load, events, strict=False)
        except BenchError as exc:
            print(f"  ({ANCHOR} failed, its figures are left out: {str(exc)[:800]})")
    scaling = postgres_scaling(quick)
    outcomes = print_report(ours, theirs)
    outcomes += print_extra(ours, theirs, scaling)
    if not quick:
        write_results(ours, theirs, scaling, load, load_before)
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


def print_extra(ours: Measured, theirs: Measured | None, scaling: workers.Scaling | None) -> list[bool]:
    """The events stream of both servers and the PostgreSQL workers' scaling; whether each target was met."""
    assert ours.events is not None  # measured strictly
    sent = ours.events
    print(f"\n  task-run events through /api/events/in, {sent.events:,} ({sent.task_runs:,} task runs) on {SOCKETS} "
          "sockets,\n  timed until every event is stored and every task run recorded COMPLETED (REST counts):")
    events_met = sent.complete and sent.rate >= MIN_EVENTS_PER_S
    anchor = "" if theirs is None else f"   {ANCHOR}: " + ("not measured" if theirs.events is None else
                                                         f"{theirs.events.rate:,.0f}{_missing(theirs.events)}")
    ratio = "" if theirs is None or not theirs.events else f" ({sent.rate / theirs.events.rate:.1f}x)"
    print(f"  events/s, asgi_api{sent.rate:>24,.0f}   target >= {MIN_EVENTS_PER_S:,.0f}  {verdict(events_met)}"
          f"{_missing(sent)}{anchor}{ratio}")
    print("\n  PostgreSQL write mix (flow-run creates, set_state, 10 logs), requests/s by uvicorn workers: "
          + ("not measured" if scaling is None else
             ", ".join(f"{count}: {rate:,.0f}" for count, rate in scaling.rates.items())))
    ratio = "n/a" if scaling is None else f"{scaling.ratio:.2f}x"
    workers_met = scaling is not None and scaling.ratio >= MIN_WORKERS_RATIO
    print(f"  {workers.WORKERS[-1]} workers / {workers.WORKERS[0]} worker{ratio:>23}   "
          f"target >= {MIN_WORKERS_RATIO:.1f}x  {verdict(workers_met)}")
    return [events_met, workers_met]


def _missing(events: EventsResult) -> str:
    if events.complete:
        return ""
    return (f" (after {events.seconds:.0f} s only {events.stored:,} of {events.events:,} events stored, "
            f"{events.completed:,} of {events.task_runs:,} task runs recorded)")


def write_results(ours: Measured, theirs: Measured | None, scaling: workers.Scaling | None, load: Load,
                  load_before: tuple[float, ...]) -> None:
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
            "events_in": None if measured.events is None else {
                **dataclasses.asdict(measured.events), "sockets": SOCKETS,
                "events_per_s": round(measured.events.rate, 1), "target_events_per_s": MIN_EVENTS_PER_S},
        } for measured in (ours, theirs) if measured is not None},
        "anchor": ANCHOR if theirs is not None else None,
        "postgres_workers": None if scaling is None else {
            "write_mix_requests_per_s": {str(count): round(rate, 1) for count, rate in scaling.rates.items()},
            "requests": WORKERS_LOAD[False].requests, "ratio": round(scaling.ratio, 2),
            "target_ratio": MIN_WORKERS_RATIO},
    }
    path = RESULTS / f"{now.date().isoformat()}.json"
    path.write_text(json.dumps(document, indent=2) + "\n")
    rows = [(label, {"asgi_api": result.rate, **({"Prefect": theirs.results[label].rate}
                                                 if theirs is not None and label in theirs.results else {})})
            for label, result in ours.results.items()]
    rows.append((EVENTS_ROW, {measured.name: measured.events.rate for measured in (ours, theirs)
                              if measured is not None and measured.events is not None}))
    chart.draw(RESULTS / "server.svg", f"asgi_api vs {ANCHOR}, SQLite, {CONNECTIONS} connections, "
               f"{now.date().isoformat()}", rows)
    print(f"\n  wrote {path.relative_to(RESULTS.parent.parent)} and bench/results/server.svg")
