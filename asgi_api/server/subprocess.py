"""`SubprocessASGIServer`: the server under a real uvicorn in a child process, one per port.

Made for end-to-end tests and one-off runs: `with SubprocessASGIServer() as server:` gives a server
on a free local port that answers at `server.api_url` and is gone when the block ends.
"""

from __future__ import annotations

import atexit
import logging
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from typing import IO, ClassVar

import httpx

logger = logging.getLogger("asgi_api.server.subprocess")

DEFAULT_FACTORY = "asgi_api.server.app:create_app"
STARTUP_TIMEOUT = 30.0  # seconds `start()` waits for the health check by default
STOP_GRACE = 5.0  # seconds between SIGTERM and SIGKILL in `stop()`
_UVICORN_STARTUP_FAILURE = 3  # uvicorn's exit code when binding the port or the app's start-up fails


class SubprocessASGIServer:
    """uvicorn serving an app factory (`module:function`) on 127.0.0.1 in a child process.

    There is one instance per `port`: asking for a port again returns the same server, and
    `SubprocessASGIServer()` (no port) is the process's shared server on a free port picked when it
    starts. `env` is added to this process's environment for the child: point a server at its own
    database with e.g. `ASGI_API_DATABASE_URL` and `ASGI_API_HOME`.

    The child's stdout and stderr go to temporary files: quoted when start-up fails, logged when
    the server stops. `stop()` also runs at interpreter exit, so no child outlives its parent's
    normal exit.
    """

    _instances: ClassVar[dict[int | None, SubprocessASGIServer]] = {}
    _instances_lock: ClassVar[threading.Lock] = threading.Lock()

    port: int | None
    env: dict[str, str]
    factory: str
    server_process: subprocess.Popen[bytes] | None

    def __new__(cls, port: int | None = None, *, env: dict[str, str] | None = None,
                factory: str | None = None) -> SubprocessASGIServer:
        with cls._instances_lock:
            server = cls._instances.get(port)
            if server is None:
                server = super().__new__(cls)
                server._setup(port, dict(env or {}), factory or DEFAULT_FACTORY)
                cls._instances[port] = server
            elif (env is not None and env != server.env) or (factory is not None and factory != server.factory):
                # Handing back the existing server would silently ignore the new arguments.
                raise ValueError(f"The server for port {port} already exists with another env or factory; "
                                 "stop it first or use another port")
        return server

    def _setup(self, port: int | None, env: dict[str, str], factory: str) -> None:
        self._key = port
        self._port_picked = port is None
        self.port = port
        self.env = env
        self.factory = factory
        self.server_process = None
        self._output: tuple[IO[bytes], IO[bytes]] | None = None
        self._lock = threading.Lock()

    @property
    def address(self) -> str:
        if self.port is None:
            raise RuntimeError("The server has no port until it starts")
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.address}/api"

    @property
    def running(self) -> bool:
        return self.server_process is not None and self.server_process.poll() is None

    def start(self, timeout: float | None = None) -> None:
        """Start the server and return once `GET {api_url}/health` answers 200; no-op if it runs.

        If the port was picked here and another process takes it before uvicorn binds it, the
        server starts again on a new free port. Raises `RuntimeError` with the child's exit code,
        stdout and stderr when it does not come up within `timeout` seconds (default 30).
        """
        with self._lock:
            if self.running:
                return
            if self.server_process is not None:
                logger.warning("The server on %s had exited by itself; starting it again", self.address)
                self._halt_and_log()
            with self._instances_lock:
                self._instances.setdefault(self._key, self)
            if self.port is None:
                self.port = _free_port()
            deadline = time.monotonic() + (STARTUP_TIMEOUT if timeout is None else timeout)
            logger.info("Starting %s on %s", self.factory, self.address)
            self._spawn()
            try:
                self._wait_until_healthy(deadline)
            except BaseException:
                self._halt()
                raise

    def stop(self) -> None:
        """Stop the child (SIGTERM, then SIGKILL after 5 s), reap it and free its port."""
        with self._lock:
            if self.server_process is not None:
                logger.info("Stopping the server on %s", self.address)
                self._halt_and_log()
            with self._instances_lock:
                if self._instances.get(self._key) is self:
                    del self._instances[self._key]

    def __enter__(self) -> SubprocessASGIServer:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _spawn(self) -> None:
        command = [sys.executable, "-m", "uvicorn", "--factory", self.factory, "--host", "127.0.0.1",
                   "--port", str(self.port), "--log-level", "error"]
        # Files, not pipes: nobody reads a running server's output, and a full pipe would block it.
        self._output = (tempfile.TemporaryFile(), tempfile.TemporaryFile())
        self.server_process = subprocess.Popen(command, env={**os.environ, **self.env}, stdin=subprocess.DEVNULL,
                                               stdout=self._output[0], stderr=self._output[1])
        atexit.register(self.stop)

    def _wait_until_healthy(self, deadline: float) -> None:
        assert self.server_process is not None and self.port is not None, "spawned on a port"
        answer = "no try yet"
        # trust_env=False: the server is local, a proxy configured in the environment must not get the request.
        with httpx.Client(trust_env=False) as client:
            while True:
                health_url = f"{self.api_url}/health"  # the port changes when it was taken
                code = self.server_process.poll()
                if code == _UVICORN_STARTUP_FAILURE and self._port_picked and not _port_is_free(self.port):
                    logger.warning("Port %s was taken before the server could bind it; picking another", self.port)
                    self._halt()
                    self.port = _free_port()
                    self._spawn()
                    continue
                if code is not None:
                    raise self._failure(f"exited before answering GET {health_url}")
                try:
                    # At most 1 s a try: whatever else listens on a taken port may never answer.
                    response = client.get(health_url, timeout=min(max(deadline - time.monotonic(), 0.01), 1.0))
                except httpx.TransportError as exc:
                    answer = f"last try: {type(exc).__name__}"
                else:
                    if response.status_code == 200 and self.server_process.poll() is None:
                        return
                    answer = f"last answer: HTTP {response.status_code}"
                if time.monotonic() >= deadline:
                    raise self._failure(f"did not answer 200 to GET {health_url} in time ({answer}); stopped it")
                time.sleep(0.05)

    def _failure(self, what: str) -> RuntimeError:
        """Stops the child and describes its end: `what` happened, exit code, stdout, stderr."""
        code, stdout, stderr = self._halt()
        return RuntimeError(f"The server {self.factory} on {self.address} {what}.\n"
                            f"Exit code: {code}\nstdout:\n{stdout}\nstderr:\n{stderr}")

    def _halt_and_log(self) -> None:
        code, stdout, stderr = self._halt()
        if stdout:
            logger.info("The server on %s wrote to stdout:\n%s", self.address, stdout)
        if stderr:
            logger.warning("The server on %s (exit code %s) wrote to stderr:\n%s", self.address, code, stderr)

    def _halt(self) -> tuple[int | None, str, str]:
        """Ends and reaps the child, if any; returns its exit code and output."""
        process, self.server_process = self.server_process, None
        code = None
        if process is not None:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(STOP_GRACE)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            code = process.returncode
        atexit.unregister(self.stop)
        stdout = stderr = ""
        if self._output is not None:
            stdout, stderr = (_read_and_close(file) for file in self._output)
            self._output = None
        return code, stdout, stderr


def _read_and_close(file: IO[bytes]) -> str:
    with file:
        file.seek(0)
        return file.read().decode(errors="replace")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _port_is_free(port: int) -> bool:
    """Whether uvicorn could bind `port`: asyncio servers reuse addresses on POSIX, so test that way."""
    with socket.socket() as sock:
        if os.name == "posix":
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True
