"""End to end: the demo app under a real uvicorn process, spoken to over HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def server() -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "examples.demo:app", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"uvicorn did not start: {process.stdout.read().decode() if process.stdout else ''}")
            time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_demo_app_over_http(server: str) -> None:
    with httpx.Client(base_url=server) as client:
        created = client.post("/items/", json={"name": "lamp", "price": 9.5})
        assert created.status_code == 201
        item = created.json()
        assert item == {"name": "lamp", "price": 9.5, "tags": [], "id": item["id"]}
        assert client.get(f"/items/{item['id']}").json() == item
        assert client.get("/items/999").json() == {"detail": "Item not found"}
        bad = client.post("/items/", content=b'{"name": "lamp", "price": "cheap"}',
                          headers={"content-type": "application/json"})
        assert bad.status_code == 422
        assert bad.json()["detail"][0]["loc"] == ["body", "price"]
        assert client.get("/items/?limit=0").status_code == 422
        not_allowed = client.delete("/items/")
        assert not_allowed.status_code == 405
        assert not_allowed.headers["allow"] == "GET, POST"  # FastAPI names only the first route's: POST
