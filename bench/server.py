"""The server section of `python -m bench`: the REST API over HTTP, against Prefect 3.6.29's figures.

A real uvicorn process serves `create_app` on SQLite in a temporary directory; this process is the
load generator: CONNECTIONS keep-alive connections, each sending its next request as soon as the
last answer is in (what `wrk -c32` does, the tool the anchor was measured with), bounded by a
request count and a time budget per endpoint. The client is raw asyncio HTTP/1.1, because an
httpx client tops out below the rates being measured and would report its own speed.

Also measured: cold start (process start until `/api/health` answers 200, fresh database and
existing database) and idle memory (the server's resident set after start-up).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.driver import BenchError

ANCHOR = "Prefect 3.6.29"
CONNECTIONS = 32
MIN_RATIO = 3.0  # asgi_api's requests/s over the anchor's, at least
COLD_START_LIMIT_S = 1.0
IDLE_LIMIT_MIB = 70.0
ANCHOR_COLD_START_S = {"fresh": 12.4, "existing": 4.5}
ANCHOR_IDLE_MIB = "188-220"
START_TIMEOUT_S = 30.0
HOST = "127.0.0.1"


@dataclass(frozen=True)
class Load:
    """How much to send per endpoint: `requests` at most, for `budget_s` at most; cold starts."""

    requests: int = 5000
    budget_s: float = 5.0
    cold_starts: int = 3


FULL = Load()
QUICK = Load(requests=200, budget_s=1.0, cold_starts=1)


@dataclass
class Case:
    """One endpoint under load. `build(i)` is the i-th request's (method, path, JSON body)."""

    label: str
    build: Callable[[int], tuple[str, str, object]]
    status: int  # the answer every request must get (a 503 is counted apart)
    anchor: float | None = None  # Prefect's requests/s, where the issue measured it
    writes: bool = True
    total: int | None = None  # fewer requests than the load allows (set_state: two per run made)
    accept: bytes = b""  # a fragment every answer's body must hold
    keep: bool = False  # keep the bodies answered, to use what was created
    bodies: list[bytes] = field(default_factory=list)


@dataclass(frozen=True)
class Result:
    rate: float  # answers per second but 503s: a refused create is no flow run made
    sent: int
    unavailable: int  # 503s


class Connection(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection: a request out, the whole answer in, then the next.

    A bare protocol rather than asyncio streams: it halves the client's cost per request, which
    matters when the client shares a 2-core machine with the server it measures.
    """

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.answer: asyncio.Future[tuple[int, bytes]] | None = None

    @classmethod
    async def open(cls, port: int) -> Connection:
        _, connection = await asyncio.get_running_loop().create_connection(cls, HOST, port)
        return connection

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0 or self.answer is None:
            return
        head = bytes(self.buffer[:end]).lower()
        try:
            length = _content_length(head)
        except BenchError as exc:
            self.answer.set_exception(exc)
            return
        if len(self.buffer) >= end + 4 + length:
            body = bytes(self.buffer[end + 4:end + 4 + length])
            del self.buffer[:end + 4 + length]
            self.answer.set_result((int(head[9:12]), body))

    def connection_lost(self, exc: Exception | None) -> None:
        if self.answer is not None and not self.answer.done():
            self.answer.set_exception(BenchError(f"the server closed the connection: {exc!r}"))

    async def send(self, request: bytes) -> tuple[int, bytes]:
        assert self.transport is not None
        self.answer = asyncio.get_running_loop().create_future()
        self.transport.write(request)
        return await self.answer

    async def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


def _content_length(head: bytes) -> int:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name == b"content-length":
            return int(value)
    raise BenchError(f"an answer without Content-Length: {head!r}")


def encode(port: int, method: str, path: str, body: object) -> bytes:
    content = b"" if body is None else json.dumps(body).encode()
    head = f"{method} {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nContent-Length: {len(content)}\r\n"
    if content:
        head += "Content-Type: application/json\r\n"
    return head.encode() + b"\r\n" + content


async def hammer(port: int, case: Case, load: Load) -> Result:
    """CONNECTIONS clients send `case`'s requests until the count or the time budget runs out."""
    total = min(load.requests, case.total if case.total is not None else load.requests)
    requests = [encode(port, *case.build(index)) for index in range(total)]  # encoded before the clock starts
    connections = [await Connection.open(port) for _ in range(CONNECTIONS)]
    statuses: Counter[int] = Counter()
    wrong: list[str] = []
    next_index = 0
    deadline = time.perf_counter() + load.budget_s

    async def client(connection: Connection) -> None:
        nonlocal next_index
        while next_index < total and time.perf_counter() < deadline:
            index, next_index = next_index, next_index + 1
            status, body = await connection.send(requests[index])
            statuses[status] += 1
            if status == case.status and case.accept in body:
                if case.keep:
                    case.bodies.append(body)
            elif status != 503:
                wrong.append(f"HTTP {status} {body[:300]!r}")

    start = time.perf_counter()
    try:
        await asyncio.gather(*(client(connection) for connection in connections))
    finally:
        elapsed = time.perf_counter() - start
        for connection in connections:
            await connection.close()
    if wrong:
        raise BenchError(f"{case.label}: {len(wrong)} wrong answers, e.g. {wrong[0]}")
    sent = sum(statuses.values())
    return Result((sent - statuses[503]) / elapsed, sent, statuses[503])


class Server:
    """`uvicorn --factory asgi_api.server.app:create_app` on a free port, with its home in `home`."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.port = _free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.log = tempfile.TemporaryFile()

    def start(self) -> float:
        """Starts the server; returns the seconds until `GET /api/health` first answered 200."""
        env = {**os.environ, "ASGI_API_HOME": str(self.home), "ASGI_API_DATABASE_URL": ""}
        command = [sys.executable, "-m", "uvicorn", "--factory", "asgi_api.server.app:create_app",
                   "--host", HOST, "--port", str(self.port), "--log-level", "warning"]
        started = time.perf_counter()
        self.process = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL, stdout=self.log,
                                        stderr=self.log)
        with httpx.Client(trust_env=False, timeout=1.0) as client:
            while time.perf_counter() - started < START_TIMEOUT_S:
                if self.process.poll() is not None:
                    raise BenchError(f"the server exited {self.process.returncode}: {self.output()}")
                try:
                    if client.get(f"{self.api_url}/health").status_code == 200:
                        return time.perf_counter() - started
                except httpx.TransportError:
                    pass
                time.sleep(0.005)
        raise BenchError(f"the server did not answer /api/health in {START_TIMEOUT_S} s: {self.output()}")

    @property
    def api_url(self) -> str:
        return f"http://{HOST}:{self.port}/api"

    def rss_mib(self) -> float:
        assert self.process is not None
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise BenchError("no VmRSS in /proc: cannot measure memory")

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-3000:]

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def cold_starts(runs: int) -> tuple[float, float, float]:
    """Median start-up seconds on a fresh database and on an existing one; idle RSS in MiB."""
    fresh: list[float] = []
    existing: list[float] = []
    idle: list[float] = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as home:
            for times in (fresh, existing):
                server = Server(Path(home))
                try:
                    times.append(server.start())
                    time.sleep(0.5)  # let start-up garbage settle before reading the resident set
                    idle.append(server.rss_mib())
                finally:
                    server.stop()
    return statistics.median(fresh), statistics.median(existing), statistics.median(idle)


def check(server: Server, method: str, path: str, body: object, status: int) -> object:
    """One request through httpx, before any timing: the route must exist and answer correctly."""
    with httpx.Client(base_url=server.api_url, trust_env=False, timeout=10.0) as client:
        response = client.request(method, path, json=body)
    if response.status_code != status:
        raise BenchError(f"{method} /api{path}: HTTP {response.status_code}, expected {status}: {response.text[:300]}")
    return response.json()


def cases(server: Server) -> list[Case]:
    """The endpoints in the order they run, each first checked once; set_state comes after them."""
    flow_id = check(server, "POST", "/flows/", {"name": "bench-flow"}, 201)["id"]  # type: ignore[index]
    run_id = check(server, "POST", "/flow_runs/", {"flow_id": flow_id}, 201)["id"]  # type: ignore[index]
    logs = [{"name": "bench", "level": 20, "message": f"log line {line}", "flow_run_id": run_id,
             "timestamp": "2025-01-01T00:00:00+00:00"} for line in range(10)]
    pending = {"flow_runs": {"state": {"type": {"any_": ["PENDING"]}}}, "limit": 10}
    for method, path, body, status in [("GET", "/health", None, 200),
                                       ("POST", "/flows/", {"name": "bench-flow"}, 200),
                                       ("POST", "/flows/filter",
                                        {"flows": {"name": {"any_": ["bench-flow"]}}, "limit": 10}, 200),
                                       ("POST", "/logs/", logs, 201),
                                       ("POST", "/flow_runs/filter", pending, 200)]:
        check(server, method, path, body, status)
    return [
        Case("GET  /api/health", lambda i: ("GET", "/api/health", None), 200, anchor=1366, writes=False),
        Case("POST /api/flows/ (upsert)", lambda i: ("POST", "/api/flows/", {"name": "bench-flow"}), 200,
             anchor=220),
        Case("POST /api/flows/filter", lambda i: ("POST", "/api/flows/filter", {
            "flows": {"name": {"any_": ["bench-flow"]}}, "limit": 10}), 200, anchor=283, writes=False),
        Case("POST /api/logs/ (10 logs)", lambda i: ("POST", "/api/logs/", logs), 201, anchor=138),
        Case("POST /api/flow_runs/", lambda i: ("POST", "/api/flow_runs/", {
            "flow_id": flow_id, "state": {"type": "PENDING"}}), 201, anchor=4.6, keep=True),
        Case("POST /api/flow_runs/filter", lambda i: ("POST", "/api/flow_runs/filter", pending), 200,
             writes=False),
    ]


def set_state_case(run_ids: list[str]) -> Case:
    """set_state on the runs made under load: all of them to RUNNING, then to COMPLETED, each ACCEPTed."""
    half = len(run_ids)

    def build(index: int) -> tuple[str, str, object]:
        run_id, state = (run_ids[index], "RUNNING") if index < half else (run_ids[index - half], "COMPLETED")
        return "POST", f"/api/flow_runs/{run_id}/set_state", {"state": {"type": state}}

    return Case("POST /api/flow_runs/{id}/set_state", build, 201, total=2 * half, accept=b'"ACCEPT"')


async def measure(server: Server, load: Load) -> list[tuple[Case, Result]]:
    """Every case under load, in order, then set_state on the flow runs the create case made."""
    measured = []
    for case in cases(server):
        measured.append((case, await hammer(server.port, case, load)))
    created = [json.loads(body)["id"] for case, _ in measured if case.keep for body in case.bodies]
    last = set_state_case(created)
    measured.append((last, await hammer(server.port, last, load)))
    return measured


def verdict(met: bool) -> str:
    return "PASS" if met else "FAIL"


def report(quick: bool) -> list[bool]:
    """Runs the server section and prints it; returns whether each target was met.

    Raises `BenchError` when the server fails to start or answers wrongly.
    """
    load = QUICK if quick else FULL
    logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per check request would bury the report
    print(f"\nserver: uvicorn + create_app on SQLite (temporary directory), over HTTP, {CONNECTIONS} keep-alive "
          f"connections, up to {load.requests} requests or {load.budget_s:.0f} s per endpoint")
    fresh, existing, idle = cold_starts(load.cold_starts)
    with tempfile.TemporaryDirectory() as home:
        server = Server(Path(home))
        try:
            server.start()
            measured = asyncio.run(measure(server, load))
            loaded = server.rss_mib()
        finally:
            server.stop()

    outcomes: list[bool] = []
    print(f"\n{'requests/s':<38}{'asgi_api':>10}{ANCHOR:>16}{'ratio':>9}")
    for case, result in measured:
        anchor = f"{case.anchor:,.1f}" if case.anchor is not None else "-"
        line = f"  {case.label:<36}{result.rate:>10,.0f}{anchor:>16}"
        if case.anchor is not None:
            ratio = result.rate / case.anchor
            outcomes.append(ratio >= MIN_RATIO)
            line += f"{ratio:>8.1f}x   target >= {MIN_RATIO:.0f}x  {verdict(outcomes[-1])}"
        print(line)
    writes = [(case, result) for case, result in measured if case.writes]
    unavailable = sum(result.unavailable for _, result in writes)
    outcomes.append(unavailable == 0)
    print(f"  503s from {sum(result.sent for _, result in writes):,} writes at {CONNECTIONS} concurrent writers: "
          f"{unavailable} ({ANCHOR}: 96% of flow run creates)   target 0  {verdict(outcomes[-1])}")

    outcomes.append(fresh < COLD_START_LIMIT_S)
    print(f"\n  cold start, fresh database{fresh:>17.2f} s   {ANCHOR}: {ANCHOR_COLD_START_S['fresh']} s   "
          f"target < {COLD_START_LIMIT_S:.0f} s  {verdict(outcomes[-1])}")
    print(f"  cold start, existing database{existing:>14.2f} s   {ANCHOR}: {ANCHOR_COLD_START_S['existing']} s")
    outcomes.append(idle < IDLE_LIMIT_MIB)
    print(f"  idle memory (RSS after start-up){idle:>9.1f} MiB {ANCHOR}: {ANCHOR_IDLE_MIB} MiB   "
          f"target < {IDLE_LIMIT_MIB:.0f} MiB  {verdict(outcomes[-1])}")
    print(f"  memory after the load (RSS){loaded:>14.1f} MiB")
    return outcomes
