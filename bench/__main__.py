"""`python -m bench [--quick] [--only framework|server]`: requests/s and start-up cost of asgi_api
against its peers (in-process), then of the REST API server over HTTP beside Prefect's own, measured
live in the same run (bench.server).

The exit status is 0 whenever the report could be produced, targets met or not (it is a report);
it is 1 only when an app answers wrongly or fails to start, because then no figure means anything.
"""

from __future__ import annotations

import argparse
import asyncio
import compileall
import dataclasses
import importlib
import platform
import sys
from pathlib import Path

from bench import server
from bench.apps import PEERS, pydantic_routes
from bench.driver import ENDPOINTS, ASGIApp, BenchError, Settings, run_all
from bench.startup import measure

FULL = Settings()  # about 30 s in all on 2 cores, start-up included
QUICK = Settings(warmup=20, rounds=2, requests=200, budget_s=2.0)
STARTUP_RUNS = {False: 5, True: 1}

# (peer, minimum asgi_api/peer requests/s ratio, endpoints the target applies to)
THROUGHPUT_TARGETS: list[tuple[str, float, tuple[str, ...]]] = [
    ("FastAPI", 4.0, ("read", "create")),
    ("Litestar", 1.5, ("health", "read", "create")),
    ("Starlette", 0.75, ("health", "read", "create")),
]
MAX_TIME_RATIO = 0.5  # asgi_api's start-up wall time over FastAPI's, at most
MAX_MEMORY_RATIO = 0.75  # asgi_api's start-up peak RSS over FastAPI's, at most


@dataclasses.dataclass(frozen=True)
class Check:
    """One ratio line of the report; `bound` is None for figures printed without a target."""

    label: str
    ratio: float | None  # None when one side could not be measured
    bound: float | None
    at_least: bool = True

    @property
    def met(self) -> bool:
        if self.ratio is None or self.bound is None:
            return False
        return self.ratio >= self.bound if self.at_least else self.ratio <= self.bound

    def line(self) -> str:
        ratio = "n/a" if self.ratio is None else f"{self.ratio:.2f}x"
        if self.bound is None:
            return f"  {self.label:<38}{ratio:>8}"
        verdict = "PASS" if self.met else "FAIL"
        return f"  {self.label:<38}{ratio:>8}   target {'>=' if self.at_least else '<='} {self.bound:.2f}x  {verdict}"


def load_apps() -> dict[str, ASGIApp]:
    """Import every peer's `app`; a peer that does not import is skipped with a note, not fatal."""
    apps: dict[str, ASGIApp] = {}
    for name, module in PEERS.items():
        try:
            apps[name] = importlib.import_module(module).app
        except Exception as exc:  # asgi_api may be mid-development: report, then go on without it
            print(f"note: skipping {name}: importing {module} failed: {type(exc).__name__}: {exc}")
    return apps


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """numerator/denominator, or None when either side was not measured."""
    if numerator is None or denominator is None:
        return None
    return numerator / denominator


def throughput_report(results: dict[str, dict[str, float]]) -> list[Check]:
    """Print the endpoint x app table and the ratio lines; return the targeted checks."""
    print(f"\n{'requests/s':<12}" + "".join(f"{name:>12}" for name in PEERS))
    for endpoint in ENDPOINTS:
        row = results.get(endpoint.name, {})
        print(
            f"{endpoint.name:<12}" + ("\n" + " " * 12 if len(endpoint.name) > 12 else "")
            + "".join(f"{row[name]:>12,.0f}" if name in row else f"{'-':>12}" for name in PEERS)
        )
    print("\nasgi_api / peer, requests/s")
    checks: list[Check] = []
    for endpoint in ENDPOINTS:
        row = results.get(endpoint.name, {})
        for peer, bound, applies_to in THROUGHPUT_TARGETS:
            if endpoint.peers and peer not in endpoint.peers:
                continue
            name = f"{endpoint.name:<8}" if len(endpoint.name) <= 8 else f"{endpoint.name}: "
            check = Check(
                f"{name}asgi_api/{peer}",
                ratio(row.get("asgi_api"), row.get(peer)),
                bound if endpoint.name in applies_to else None,
            )
            print(check.line())
            if check.bound is not None:
                checks.append(check)
    return checks


def startup_report(have_asgi_api: bool, runs: int) -> list[Check]:
    """Measure and print import-only and import-and-build-the-app costs; return the checks."""
    pairs = [
        ("import", "import asgi_api", "import fastapi"),
        ("app", "import bench.apps.asgi_api_app", "import bench.apps.fastapi_app"),
    ]
    commands = ["pass"] + [code for _, ours, theirs in pairs for code in (ours, theirs)]
    if not have_asgi_api:
        commands = [code for code in commands if "asgi_api" not in code]
    costs = measure(commands, runs)
    print(f"\nstart-up, fresh `python -c`, median of {runs} run(s)    wall ms    CPU ms  peak RSS MB")
    for code, cost in costs.items():
        print(
            f"  {code:<46}{cost.wall_s * 1000:>9.1f}{cost.cpu_s * 1000:>10.1f}{cost.peak_rss / 2**20:>13.1f}"
        )
    print("  (`pass` is the bare interpreter, included in every figure; targets use wall time)")
    print("\nasgi_api / FastAPI, start-up")
    checks: list[Check] = []
    for label, ours, theirs in pairs:
        mine, fastapi = costs.get(ours), costs[theirs]
        time_ratio = None if mine is None else mine.wall_s / fastapi.wall_s
        memory_ratio = None if mine is None else mine.peak_rss / fastapi.peak_rss
        checks.append(Check(f"{label:<8}wall time", time_ratio, MAX_TIME_RATIO, at_least=False))
        checks.append(Check(f"{label:<8}peak memory", memory_ratio, MAX_MEMORY_RATIO, at_least=False))
    for check in checks:
        print(check.line())
    return checks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smoke run with small counts (a few seconds)")
    parser.add_argument(
        "--wall", action="store_true", help="time requests in wall-clock seconds, not CPU seconds"
    )
    parser.add_argument("--only", choices=["framework", "server"], help="run one section (default: both)")
    parser.add_argument("--prefect", action=argparse.BooleanOptionalAction, default=None,
                        help="measure Prefect's own server beside ours (default: yes, but not with --quick)")
    args = parser.parse_args(argv)
    # pip compiles an installed package to bytecode, as it did FastAPI, Litestar and Prefect here; the
    # editable checkout has none (PYTHONDONTWRITEBYTECODE may keep it so), which would bill every
    # fresh interpreter of the start-up and cold-start figures ~0.3 s of compiling asgi_api.
    compileall.compile_dir(Path(__file__).resolve().parents[1] / "asgi_api", quiet=1)
    outcomes: list[bool] = []
    if args.only != "server":
        result = framework(args)
        if result is None:
            return 1
        outcomes += result
    if args.only != "framework":
        try:
            outcomes += server.report(args.quick, not args.quick if args.prefect is None else args.prefect)
        except BenchError as exc:
            print(f"\nbench: FAILED, the server misbehaves, no figures: {exc}", file=sys.stderr)
            return 1
    print(f"\ntargets: {sum(outcomes)}/{len(outcomes)} met")
    return 0


def framework(args: argparse.Namespace) -> list[bool] | None:
    """The in-process section; returns whether each target was met, None when an app misbehaves."""
    settings = dataclasses.replace(QUICK if args.quick else FULL, wall_clock=args.wall)
    print(
        f"asgi_api benchmark{' (--quick)' if args.quick else ''}: Python {platform.python_version()}, "
        f"in-process ASGI, warm-up {settings.warmup}, best of {settings.rounds} rounds x "
        f"{settings.requests} requests per endpoint and app, timed in "
        f"{'wall-clock' if settings.wall_clock else 'CPU (process_time)'} seconds"
    )
    apps = load_apps()
    pydantic_routes.add_to(apps)
    try:
        results = asyncio.run(run_all(apps, settings))
    except BenchError as exc:
        print(f"\nbench: FAILED, an app misbehaves, no figures: {exc}", file=sys.stderr)
        return None
    checks = throughput_report(results)
    checks += startup_report("asgi_api" in apps, STARTUP_RUNS[args.quick])
    if "asgi_api" not in apps:
        print("\nasgi_api was not measured: its targets count as not met")
    return [check.met for check in checks]


if __name__ == "__main__":
    sys.exit(main())
