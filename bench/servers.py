"""The servers the server section loads: ours under uvicorn (on SQLite, or on PostgreSQL with
several workers), and Prefect's own.

Each runs as a child process with its home (and so its SQLite database) in a fresh directory, on a
free port of 127.0.0.1, with its output kept for the report should it fail.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench.driver import BenchError
from bench.load import HOST


class Server:
    """A server process answering `GET /api/health`; subclasses say how to start it."""

    name = ""
    start_timeout_s = 30.0

    def __init__(self, home: Path) -> None:
        self.home = home
        self.port = _free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.log = tempfile.TemporaryFile()

    def command(self) -> list[str]:
        raise NotImplementedError

    def environment(self) -> dict[str, str]:
        raise NotImplementedError

    def start(self) -> float:
        """Starts the server; returns the seconds until `GET /api/health` first answered 200."""
        started = time.perf_counter()
        self.process = subprocess.Popen(self.command(), env=self.environment(), stdin=subprocess.DEVNULL,
                                        stdout=self.log, stderr=self.log)
        with httpx.Client(trust_env=False, timeout=1.0) as client:
            while time.perf_counter() - started < self.start_timeout_s:
                if self.process.poll() is not None:
                    raise BenchError(f"{self.name} exited {self.process.returncode}: {self.output()}")
                try:
                    if client.get(f"{self.api_url}/health").status_code == 200:
                        return time.perf_counter() - started
                except httpx.TransportError:
                    pass
                time.sleep(0.005)
        raise BenchError(f"{self.name} did not answer /api/health in {self.start_timeout_s:.0f} s: "
                         f"{self.output()}")

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
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


class AsgiApiServer(Server):
    """`uvicorn --factory asgi_api.server.app:create_app`, with its home in `home`."""

    name = "asgi_api"

    def command(self) -> list[str]:
        return [sys.executable, "-m", "uvicorn", "--factory", "asgi_api.server.app:create_app",
                "--host", HOST, "--port", str(self.port), "--log-level", "warning"]

    def environment(self) -> dict[str, str]:
        return {**os.environ, "ASGI_API_HOME": str(self.home), "ASGI_API_DATABASE_URL": ""}


class AsgiApiWorkers(Server):
    """`asgi-api serve --workers N` on the PostgreSQL database at `database_url` (the CLI is how a
    user runs several workers: uvicorn's supervisor, each worker its own app and connection pool)."""

    start_timeout_s = 60.0

    def __init__(self, home: Path, database_url: str, workers: int) -> None:
        super().__init__(home)
        self.database_url = database_url
        self.workers = workers
        self.name = f"asgi_api, {workers} worker{'s' if workers > 1 else ''}"

    def command(self) -> list[str]:
        return [str(Path(sys.executable).with_name("asgi-api")), "serve", "--workers", str(self.workers),
                "--database-url", self.database_url, "--host", HOST, "--port", str(self.port),
                "--log-level", "warning"]

    def environment(self) -> dict[str, str]:
        return {**os.environ, "ASGI_API_HOME": str(self.home)}


class PrefectServer(Server):
    """`prefect server start` of the venv at `python`: its defaults (SQLite under PREFECT_HOME,
    services and UI on), analytics off; every path it writes to inside `home`."""

    name = "Prefect"
    start_timeout_s = 180.0  # 8-12 s on an idle 2-core machine, far more on a busy one

    def __init__(self, home: Path, python: Path) -> None:
        super().__init__(home)
        self.python = python

    def command(self) -> list[str]:
        return [str(self.python), "-m", "prefect", "server", "start", "--host", HOST, "--port", str(self.port),
                "--log-level", "WARNING", "--analytics-off"]

    def environment(self) -> dict[str, str]:
        own = {name: value for name, value in os.environ.items() if not name.startswith("PREFECT_")}
        return {**own, "PREFECT_HOME": str(self.home),
                "PREFECT_RESULTS_LOCAL_STORAGE_PATH": str(self.home / "storage"),
                "PREFECT_MEMO_STORE_PATH": str(self.home / "memo_store.toml"),
                "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]
