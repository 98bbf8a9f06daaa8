"""SubprocessASGIServer: real uvicorn children on 127.0.0.1, one instance per port, started once,
stopped and reaped; start-up failures carry the child's exit code and output."""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from asgi_api.server import subprocess as server_module
from asgi_api.server.subprocess import SubprocessASGIServer

ROOT = Path(__file__).resolve().parents[2]
FACTORY = "tests.server.factory_app:create_app"
# The children import the factories from this checkout, whatever directory pytest runs in.
ENV = {"PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
TIMEOUT = 20.0

MakeServer = Callable[..., SubprocessASGIServer]


@pytest.fixture
def make_server() -> Iterator[MakeServer]:
    """Builds servers (`factory=None`: the default one); every one is stopped when the test ends."""
    made: list[SubprocessASGIServer] = []

    def make(port: int | None = None, factory: str | None = FACTORY,
             env: dict[str, str] | None = None) -> SubprocessASGIServer:
        server = SubprocessASGIServer(port, factory=factory, env={**ENV, **(env or {})})
        made.append(server)
        return server

    try:
        yield make
    finally:
        for server in [*made, *SubprocessASGIServer._instances.values()]:
            server.stop()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def can_listen_on(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
            sock.listen()
        except OSError:
            return False
        return True


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A port another socket listens on for the whole test."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def get(server: SubprocessASGIServer, path: str) -> object:
    response = httpx.get(f"{server.api_url}{path}", timeout=5, trust_env=False)
    assert response.status_code == 200
    return response.json()


def test_start_serves_on_a_free_port_and_stop_reaps_the_child_and_frees_the_port(make_server: MakeServer) -> None:
    server = make_server()
    server.start(timeout=TIMEOUT)
    assert server.running and server.port is not None
    assert server.address == f"http://127.0.0.1:{server.port}" and server.api_url == f"{server.address}/api"
    process = server.server_process
    assert process is not None
    assert get(server, "/health") is True and get(server, "/pid") == process.pid

    server.stop()
    assert process.poll() is not None and server.server_process is None and not server.running
    assert can_listen_on(server.port)
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{server.api_url}/health", timeout=5, trust_env=False)


def test_starting_twice_starts_one_process(make_server: MakeServer) -> None:
    server = make_server()
    server.start(timeout=TIMEOUT)
    process = server.server_process
    server.start(timeout=TIMEOUT)
    assert server.server_process is process and get(server, "/pid") == process.pid


def test_one_instance_per_port() -> None:
    port, other = free_port(), free_port()
    try:
        server = SubprocessASGIServer(port=port, env=ENV)
        assert SubprocessASGIServer(port=port) is server and SubprocessASGIServer(port, env=ENV) is server
        assert SubprocessASGIServer(port=other) is not server
        assert SubprocessASGIServer() is SubprocessASGIServer()
        with pytest.raises(ValueError, match="another env or factory"):
            SubprocessASGIServer(port=port, env={"OTHER": "1"})
        with pytest.raises(ValueError, match="another env or factory"):
            SubprocessASGIServer(port=port, factory="elsewhere:create_app")
        with pytest.raises(RuntimeError, match="no port until it starts"):
            _ = SubprocessASGIServer().address
    finally:
        for server in list(SubprocessASGIServer._instances.values()):
            server.stop()
    assert SubprocessASGIServer._instances == {}


def test_two_servers_on_different_ports_run_side_by_side(make_server: MakeServer) -> None:
    first = make_server(free_port(), env={"FACTORY_APP_NAME": "first"})
    second = make_server(free_port(), env={"FACTORY_APP_NAME": "second"})
    first.start(timeout=TIMEOUT)
    second.start(timeout=TIMEOUT)
    assert first.port != second.port
    assert (get(first, "/name"), get(second, "/name")) == ("first", "second")
    assert get(first, "/pid") != get(second, "/pid")
    first.stop()
    assert second.running and get(second, "/health") is True


def test_context_manager_starts_and_stops(make_server: MakeServer) -> None:
    with make_server() as server:
        process = server.server_process
        assert process is not None and get(server, "/health") is True
        assert SubprocessASGIServer() is server
    assert process.poll() is not None and not server.running
    assert SubprocessASGIServer() is not server  # a stopped server gives up its place


def test_a_factory_that_raises_reports_exit_code_stdout_and_stderr(make_server: MakeServer) -> None:
    server = make_server(factory="tests.server.factory_app:create_failing_app")
    with pytest.raises(RuntimeError) as failure:
        server.start(timeout=TIMEOUT)
    message = str(failure.value)
    assert "exited before answering" in message and "Exit code: 1\n" in message
    assert "factory output on stdout" in message.split("stderr:")[0]
    assert "RuntimeError: factory failed on purpose" in message.split("stderr:")[1]
    assert server.server_process is None and not server.running


def test_a_failing_start_up_is_reported_at_once_not_taken_for_a_port_clash(make_server: MakeServer) -> None:
    server = make_server(factory="tests.server.factory_app:create_app_failing_at_startup")
    began = time.monotonic()
    with pytest.raises(RuntimeError, match="Exit code: 3\n") as failure:
        server.start(timeout=TIMEOUT)
    assert "start-up failed on purpose" in str(failure.value)
    assert time.monotonic() - began < TIMEOUT / 2


def test_an_explicit_port_that_is_taken_fails_with_uvicorns_error(make_server: MakeServer, taken_port: int) -> None:
    server = make_server(taken_port)
    with pytest.raises(RuntimeError, match="Exit code: 3\n") as failure:
        server.start(timeout=TIMEOUT)
    assert "address already in use" in str(failure.value).lower()
    assert server.port == taken_port


def test_a_picked_port_taken_before_the_bind_is_replaced(make_server: MakeServer, taken_port: int,
                                                          monkeypatch: pytest.MonkeyPatch,
                                                          caplog: pytest.LogCaptureFixture) -> None:
    picks = iter([taken_port, free_port()])
    monkeypatch.setattr(server_module, "_free_port", lambda: next(picks))
    server = make_server()
    with caplog.at_level(logging.WARNING, logger="asgi_api.server.subprocess"):
        server.start(timeout=TIMEOUT)
    assert server.port != taken_port and get(server, "/health") is True
    assert f"Port {taken_port} was taken" in caplog.text


def test_a_server_that_never_answers_200_times_out_and_is_stopped(make_server: MakeServer) -> None:
    server = make_server(factory="tests.server.factory_app:create_unhealthy_app")
    began = time.monotonic()
    with pytest.raises(RuntimeError, match="did not answer 200 .* in time \\(last answer: HTTP 503\\)"):
        server.start(timeout=2)
    assert 2 <= time.monotonic() - began < 2 + server_module.STOP_GRACE + 5
    assert server.server_process is None and can_listen_on(server.port)


def test_a_stopped_servers_port_can_be_used_again(make_server: MakeServer) -> None:
    port = free_port()
    first = make_server(port)
    first.start(timeout=TIMEOUT)
    first_pid = get(first, "/pid")
    first.stop()
    second = make_server(port)
    assert second is not first
    second.start(timeout=TIMEOUT)
    assert second.port == port and get(second, "/pid") != first_pid


def test_a_server_that_died_is_started_again(make_server: MakeServer) -> None:
    server = make_server()
    server.start(timeout=TIMEOUT)
    process = server.server_process
    assert process is not None
    process.kill()
    process.wait(timeout=10)
    assert not server.running
    server.start(timeout=TIMEOUT)
    assert server.server_process is not process and get(server, "/health") is True


@pytest.mark.skipif(os.name != "posix", reason="SIGTERM and SIGKILL are POSIX signals")
def test_stop_kills_a_server_that_does_not_end_on_sigterm(make_server: MakeServer,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(server_module, "STOP_GRACE", 0.5)
    server = make_server(factory="tests.server.factory_app:create_app_ignoring_sigterm")
    server.start(timeout=TIMEOUT)
    process = server.server_process
    assert process is not None
    server.stop()
    assert process.returncode == -signal.SIGKILL


def test_servers_left_running_are_stopped_when_the_interpreter_exits(tmp_path: Path) -> None:
    script = tmp_path / "leave_running.py"
    script.write_text(
        "from asgi_api.server.subprocess import SubprocessASGIServer\n"
        f"server = SubprocessASGIServer(factory={FACTORY!r}, env={ENV!r})\n"
        f"server.start(timeout={TIMEOUT})\n"
        "print(server.server_process.pid, server.port)\n"
    )
    finished = subprocess.run([sys.executable, str(script)], check=False, capture_output=True, text=True,
                              timeout=60, cwd=ROOT)
    assert finished.returncode == 0, finished.stderr
    pid, port = map(int, finished.stdout.split())
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        left_running = False
    else:
        left_running = True
        os.kill(pid, signal.SIGKILL)  # the orphaned uvicorn: end it before failing
    assert not left_running, "the server outlived the interpreter that started it"
    assert can_listen_on(port)


def test_the_default_factory_serves_the_asgi_api_server(make_server: MakeServer, tmp_path: Path) -> None:
    server = make_server(factory=None, env={
        "ASGI_API_HOME": str(tmp_path),
        "ASGI_API_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'test.db'}",
        "ASGI_API_UI_ENABLED": "false",
    })
    assert server.factory == "asgi_api.server.app:create_app"
    server.start(timeout=TIMEOUT)
    assert get(server, "/health") is True
