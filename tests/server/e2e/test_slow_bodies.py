"""Clients that send headers and then (almost) no body do not starve the server.

200 connections -- twice SQLite's default request limit -- each announce a body and send a byte of
it; under real uvicorn, the health check, reads and writes are still answered, and each slow
client gets 408 with a JSON body once the body timeout has passed.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import httpx
import pytest

from asgi_api.server.subprocess import SubprocessASGIServer
from tests.server.e2e.conftest import START_TIMEOUT, free_port

pytestmark = pytest.mark.anyio

SLOW_CLIENTS = 200
BODY_TIMEOUT = 4  # seconds: long enough for the requests below to be answered while all slow clients wait


@pytest.fixture
def slow_body_server(server_env: dict[str, str]) -> Iterator[SubprocessASGIServer]:
    server = SubprocessASGIServer(free_port(), env={**server_env, "ASGI_API_REQUEST_BODY_TIMEOUT": str(BODY_TIMEOUT)})
    try:
        server.start(timeout=START_TIMEOUT)
        yield server
    finally:
        server.stop()


async def open_slow_client(port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"POST /api/flows/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                 b"Content-Length: 100\r\n\r\n{")
    await writer.drain()
    return reader, writer


async def read_response(reader: asyncio.StreamReader) -> tuple[int, dict[str, str], bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").strip().split("\r\n")
    headers = {name.lower(): value.strip() for name, value in (line.split(":", 1) for line in header_lines)}
    body = await reader.readexactly(int(headers["content-length"]))
    return int(status_line.split()[1]), headers, body


async def test_slow_bodies_hold_no_place_and_get_408(slow_body_server: SubprocessASGIServer) -> None:
    assert slow_body_server.port is not None
    slow = [await open_slow_client(slow_body_server.port) for _ in range(SLOW_CLIENTS)]
    try:
        async with httpx.AsyncClient(base_url=slow_body_server.api_url, timeout=5.0, trust_env=False) as client:
            health = await client.get("/health")
            assert (health.status_code, health.json()) == (200, True)
            created = await client.post("/flows/", json={"name": "answered-while-slow-clients-wait"})
            assert created.status_code == 201, created.text
            read = await client.post("/flows/filter", json={})
            assert [flow["name"] for flow in read.json()] == ["answered-while-slow-clients-wait"]
        for reader, _ in slow:
            status, headers, body = await asyncio.wait_for(read_response(reader), timeout=BODY_TIMEOUT + 30)
            assert status == 408
            assert headers["content-type"] == "application/json"
            assert json.loads(body) == {"detail": "Request Timeout"}
    finally:
        for _, writer in slow:
            writer.close()
