"""The `asgi-api` command: version, openapi, settings errors, and a served process shutting down."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

COMMAND = [sys.executable, "-m", "asgi_api.server.cli"]


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*COMMAND, *args], capture_output=True, text=True, timeout=60,
                          env={**os.environ, **(env or {})})


def test_version() -> None:
    import asgi_api

    assert run("version").stdout.strip() == asgi_api.__version__


def test_openapi_prints_the_api_schema(tmp_path: Path) -> None:
    result = run("openapi", env={"ASGI_API_HOME": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert "/api/health" in json.loads(result.stdout)["paths"]


def test_invalid_settings_stop_start_up_with_the_variable_named(tmp_path: Path) -> None:
    result = run("serve", env={"ASGI_API_HOME": str(tmp_path), "ASGI_API_REQUEST_LIMIT": "none"})
    assert result.returncode == 2
    assert "ASGI_API_REQUEST_LIMIT" in result.stderr


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_serve_answers_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    process = subprocess.Popen([*COMMAND, "serve", "--port", str(port), "--log-level", "info"],
                               env={**os.environ, "ASGI_API_HOME": str(tmp_path)},
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                response = httpx.get(f"{base}/api/health", timeout=1)
                break
            except httpx.TransportError:
                assert process.poll() is None and time.monotonic() < deadline, process.communicate()[1]
                time.sleep(0.05)
        assert response.json() is True
        assert httpx.get(f"{base}/api/docs").status_code == 200
        assert httpx.get(f"{base}/api/openapi.json").json()["paths"]["/health"]
        process.send_signal(signal.SIGTERM)
        _, log = process.communicate(timeout=30)
        # uvicorn shuts down gracefully, then re-raises the signal so the exit status says SIGTERM.
        assert process.returncode in (0, -signal.SIGTERM)
        assert "Application shutdown complete" in log and "Finished server process" in log
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
