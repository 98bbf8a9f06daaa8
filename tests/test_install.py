"""Installing as a newcomer does: `make install` (what `make serve` runs first) into a fresh venv,
and `asgi-api serve` from the result. A minute or two even with pip's cache warm: the time goes on
index look-ups."""

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

ROOT = Path(__file__).resolve().parents[1]


def _run(*command: str | Path, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(part) for part in command], cwd=cwd, capture_output=True, text=True, timeout=600,
                          stdin=subprocess.DEVNULL, env={**os.environ, "PIP_NO_INPUT": "1"})


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_fresh_install_serves_with_nothing_more_than_it_needs(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    bin_ = venv / "bin"
    # make serve's install step: a line per step, pip's own lines, no setuptools notice.
    first = _run("make", "--no-print-directory", "install", f"VENV={venv}", f"PYTHON={sys.executable}")
    assert first.returncode == 0, first.stdout + first.stderr
    assert "==> Creating the virtual environment" in first.stdout
    assert "==> Installing asgi_api with the server and docs extras" in first.stdout
    assert "Successfully installed" in first.stdout
    assert "!!" not in first.stdout + first.stderr and "Editable install" not in first.stdout + first.stderr
    again = _run("make", "--no-print-directory", "install", f"VENV={venv}")
    assert again.returncode == 0 and "pip" not in again.stdout, again.stdout

    listed = _run(bin_ / "python", "-m", "pip", "list", "--format=json")
    installed = {package["name"].lower() for package in json.loads(listed.stdout)}
    assert {"uvicorn", "databases", "openapi-ui-bundles"} <= installed
    assert not installed & {"playwright", "django", "pytest", "fastapi", "pydantic"}, installed

    port = _free_port()
    with open(tmp_path / "serve.log", "w+b") as log:
        process = subprocess.Popen([bin_ / "asgi-api", "serve", "--port", str(port)], cwd=tmp_path,
                                   env={**os.environ, "ASGI_API_HOME": str(tmp_path / "home")},
                                   stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                log.seek(0)
                assert process.poll() is None and time.monotonic() < deadline, log.read().decode()
                time.sleep(0.1)
            docs = httpx.get(f"{base}/api/docs").text
            assert 'src="/api/docs/assets/swagger-ui-bundle.js"' in docs  # the docs extra's files, no CDN
            assert httpx.get(f"{base}/api/docs/assets/swagger-ui-bundle.js").status_code == 200
            assert httpx.get(f"{base}/api/redoc/assets/redoc.standalone.js").status_code == 200
            assert "<html" in httpx.get(f"{base}/").text.lower()
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=60)

    # Without the server extra, the command says what to install, on one line.
    assert _run(bin_ / "python", "-m", "pip", "uninstall", "--yes", "uvicorn").returncode == 0
    bare = _run(bin_ / "asgi-api", "serve", cwd=tmp_path)
    assert bare.returncode == 1
    assert bare.stderr.count("\n") == 1 and "pip install 'asgi_api[server]'" in bare.stderr, bare.stderr
