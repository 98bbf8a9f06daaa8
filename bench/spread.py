"""Keep-alive connections spread evenly over a server's uvicorn worker processes.

uvicorn's workers share one listening socket, and a worker that wakes up accepts every connection
waiting: 32 connections opened at once all landed on one of 2 workers (seen with `ss`), which
would measure one worker twice. Clients that connect over time (flow runs starting, workers
polling) spread out instead. Here each new connection is looked up in /proc (Linux: the socket's
inode in /proc/net/tcp, then the worker holding it among its file descriptors) and closed and
opened again until it lands on a worker holding the fewest so far.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections import Counter
from pathlib import Path

from bench.driver import BenchError
from bench.load import Connection

__all__ = ["Spread"]

TRIES = 500
ACCEPT_WAIT_S = 2.0  # for a worker to accept a connection the kernel has completed


class Spread:
    """`connect` for `bench.load.hammer`: connections opened across the workers of the server
    process `pid` (uvicorn's supervisor; with one worker, the server itself)."""

    def __init__(self, pid: int) -> None:
        children = [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
        # uvicorn starts its workers through multiprocessing's `spawn_main`; its resource tracker is a child too
        self.workers = [child for child in children if b"spawn_main" in _command_line(child)] or [pid]
        self.held: Counter[int] = Counter(dict.fromkeys(self.workers, 0))

    async def connect(self, port: int) -> Connection:
        for _ in range(TRIES):
            connection = await Connection.open(port)
            worker = await self._worker(connection, port)
            if self.held[worker] == min(self.held.values()):
                self.held[worker] += 1
                return connection
            await connection.close()
        raise BenchError(f"could not spread connections over workers {self.workers} in {TRIES} tries: "
                         f"{dict(self.held)}")

    async def _worker(self, connection: Connection, port: int) -> int:
        assert connection.transport is not None
        client_port = connection.transport.get_extra_info("sockname")[1]
        deadline = time.perf_counter() + ACCEPT_WAIT_S
        while time.perf_counter() < deadline:
            inode = _inode(port, client_port)
            for worker in self.workers:
                if inode is not None and _holds(worker, inode):
                    return worker
            await asyncio.sleep(0.001)
        raise BenchError(f"no worker of {self.workers} accepted the connection from port {client_port}")


def _command_line(pid: int) -> bytes:
    return Path(f"/proc/{pid}/cmdline").read_bytes()


def _inode(server_port: int, client_port: int) -> str | None:
    """The inode of the server's end of the connection from `client_port` (IPv4, as bench.load.HOST)."""
    local, remote = f":{server_port:04X}", f":{client_port:04X}"
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[1].endswith(local) and fields[2].endswith(remote):
            return fields[9]
    return None


def _holds(pid: int, inode: str) -> bool:
    target = f"socket:[{inode}]"
    directory = f"/proc/{pid}/fd"
    for fd in os.listdir(directory):
        try:
            if os.readlink(f"{directory}/{fd}") == target:
                return True
        except FileNotFoundError:  # closed meanwhile
            continue
    return False
