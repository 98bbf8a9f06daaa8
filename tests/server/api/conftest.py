"""A client for the REST API on each database backend: `create_api_app()` over a migrated database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount

from asgi_api.server.app import create_api_app
from asgi_api.server.database import Database
from asgi_api.server.settings import Settings


@pytest.fixture
async def client(database: Database, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    """An httpx client whose base URL is the API root (`/api`), in-process, one per backend."""
    app = create_api_app(settings=Settings.load({"ASGI_API_HOME": str(tmp_path)}))
    app.state.database = database
    server = Starlette(routes=[Mount("/api", app)])  # served under /api, as create_app serves it
    transport = httpx.ASGITransport(app=server, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test/api") as client:
        yield client
