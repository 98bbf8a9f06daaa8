"""`/admin`: the Prefect server version clients check first, and the masked settings."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from asgi_api.server.app import create_api_app
from asgi_api.server.settings import Settings

pytestmark = pytest.mark.anyio


async def test_version_is_a_prefect_3_version(client: httpx.AsyncClient) -> None:
    response = await client.get("/admin/version")
    assert response.status_code == 200
    major, minor, _patch = response.json().split(".")
    assert (int(major), int(minor)) >= (3, 9)


async def test_settings_are_masked_and_say_analytics_are_off(client: httpx.AsyncClient) -> None:
    response = await client.get("/admin/settings")
    assert response.status_code == 200
    body = response.json()  # Prefect's settings tree: its UI reads server.analytics_enabled
    assert body["server"]["analytics_enabled"] is False
    assert body["server"]["api"]["csrf_protection_enabled"] is False
    assert body["server"]["services"]["scheduler"] == {"enabled": True}
    assert body["server"]["ui"]["api_url"] == "/api"
    assert body["asgi_api"]["csrf_enabled"] is False  # the server's own settings, flat


async def _admin_get(tmp_path: Path, path: str, **environment: str) -> httpx.Response:
    settings = Settings.load({"ASGI_API_HOME": str(tmp_path), **environment})
    transport = httpx.ASGITransport(app=create_api_app(settings=settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.get(path, auth=("user", "pa55word"))


async def test_version_is_configurable(tmp_path: Path) -> None:
    response = await _admin_get(tmp_path, "/admin/version", ASGI_API_PREFECT_SERVER_VERSION="3.4.0")
    assert response.json() == "3.4.0"


async def test_secrets_never_leave_the_server(tmp_path: Path) -> None:
    response = await _admin_get(tmp_path, "/admin/settings", ASGI_API_API_AUTH_STRING="user:pa55word",
                                ASGI_API_DATABASE_URL="postgresql+asyncpg://me:hunter2@db/prefect")
    assert response.status_code == 200
    assert "pa55word" not in response.text and "hunter2" not in response.text
    body = response.json()
    assert body["api"]["auth_string"] == body["server"]["api"]["auth_string"] == "********"
    assert body["server"]["database"]["connection_url"] == "postgresql+asyncpg://me:********@db/prefect"
