"""Shared test helpers: driving an ASGI app in-process and recording what it sends."""

from __future__ import annotations

from typing import Any

import pytest


class Recorder:
    """Drives one request through an ASGI app and records every message it sends, in order."""

    def __init__(self, events: list[Any]) -> None:
        self.events = events

    async def __call__(self, app: Any, method: str, path: str, body: bytes = b"", query: bytes = b"",
                       headers: list[tuple[bytes, bytes]] | None = None) -> dict[str, Any]:
        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
            "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": query, "root_path": "",
            "headers": [(b"host", b"test"), *(headers or [])], "server": ("test", 80), "client": ("127.0.0.1", 1),
        }
        sent = False

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        result: dict[str, Any] = {"body": b""}

        async def send(message: dict[str, Any]) -> None:
            self.events.append(message["type"])
            if message["type"] == "http.response.start":
                result["status"] = message["status"]
            else:
                result["body"] += message.get("body", b"")

        await app(scope, receive, send)
        return result


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
