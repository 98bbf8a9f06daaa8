"""The API's own routes, on each backend: health and version answer without a version check."""

from __future__ import annotations

import httpx
import pytest

pytestmark = pytest.mark.anyio


async def test_health_and_version(client: httpx.AsyncClient) -> None:
    assert (await client.get("/health")).json() is True
    assert (await client.get("/version")).json() == "0.8.4"
