"""The load generator of the server section: keep-alive HTTP/1.1 clients in this process.

CONNECTIONS connections each send their next request as soon as the last answer is in (what
`wrk -c32` does, the tool the issue's anchor was measured with), bounded by a request count and a
time budget per endpoint. The client is raw asyncio, because an httpx client tops out below the
rates being measured and would report its own speed. Both servers get the very same requests.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bench.driver import BenchError

CONNECTIONS = 32
HOST = "127.0.0.1"


@dataclass(frozen=True)
class Load:
    """How much to send per endpoint: `requests` at most, for `budget_s` at most; cold starts."""

    requests: int = 5000
    budget_s: float = 5.0
    cold_starts: int = 3


@dataclass
class Case:
    """One endpoint under load. `build(i)` is the i-th request's (method, path, JSON body)."""

    label: str
    build: Callable[[int], tuple[str, str, object]]
    status: int  # the answer every request must get (a 503 is counted apart)
    writes: bool = True
    total: int | None = None  # fewer requests than the load allows (set_state: two per run made)
    accept: bytes = b""  # a fragment every answer's body must hold
    keep: bool = False  # keep the bodies answered, to use what was created
    bodies: list[bytes] = field(default_factory=list)


@dataclass(frozen=True)
class Result:
    rate: float  # right answers per second: a refused create is no flow run made
    sent: int
    unavailable: int  # 503s
    wrong: int  # neither the expected answer nor a 503 (only tolerated from the anchor)
    seconds: float
    example: str = ""  # one wrong answer, for the report


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


async def hammer(port: int, case: Case, load: Load,
                 connect: Callable[[int], Awaitable[Connection]] = Connection.open) -> Result:
    """CONNECTIONS clients send `case`'s requests until the count or the time budget runs out;
    `connect` opens their connections (before the clock starts)."""
    total = min(load.requests, case.total if case.total is not None else load.requests)
    requests = [encode(port, *case.build(index)) for index in range(total)]  # encoded before the clock starts
    connections = [await connect(port) for _ in range(CONNECTIONS)]
    statuses: Counter[int] = Counter()
    wrong: list[str] = []
    next_index = dropped = 0
    deadline = time.perf_counter() + load.budget_s

    async def client(slot: int) -> None:
        nonlocal next_index, dropped
        while next_index < total and time.perf_counter() < deadline:
            index, next_index = next_index, next_index + 1
            try:
                status, body = await connections[slot].send(requests[index])
            except BenchError as exc:  # the server dropped the connection: a failure, then a new one
                wrong.append(str(exc))
                dropped += 1
                await connections[slot].close()
                connections[slot] = await connect(port)
                continue
            statuses[status] += 1
            if status == case.status and case.accept in body:
                if case.keep:
                    case.bodies.append(body)
            elif status != 503:
                wrong.append(f"HTTP {status} {body[:300]!r}")

    start = time.perf_counter()
    try:
        await asyncio.gather(*(client(slot) for slot in range(len(connections))))
    finally:
        elapsed = time.perf_counter() - start
        for connection in connections:
            await connection.close()
    sent = sum(statuses.values()) + dropped
    right = sent - statuses[503] - len(wrong)
    return Result(right / elapsed, sent, statuses[503], len(wrong), elapsed, wrong[0] if wrong else "")
