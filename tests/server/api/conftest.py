"""A client for the REST API on each database backend: `create_api_app()` over a migrated database."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount

from asgi_api import API
from asgi_api.server.app import create_api_app
from asgi_api.server.database import Database
from asgi_api.server.settings import Settings


@pytest.fixture(scope="session")
def _api_app(tmp_path_factory: pytest.TempPathFactory) -> API:
    """One REST API app for the session: building one (every route's reflection) takes a good part
    of a second, and nothing in it belongs to a test but the database `client` puts on its state."""
    return create_api_app(settings=Settings.load({"ASGI_API_HOME": str(tmp_path_factory.mktemp("home"))}))


@pytest.fixture
async def client(_api_app: API, database: Database) -> AsyncIterator[httpx.AsyncClient]:
    """An httpx client whose base URL is the API root (`/api`), in-process, one per backend."""
    _api_app.state.database = database
    server = Starlette(routes=[Mount("/api", _api_app)])  # served under /api, as create_app serves it
    transport = httpx.ASGITransport(app=server, raise_app_exceptions=False)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://test/api") as client:
            yield client
    finally:
        del _api_app.state.database  # closed when the test ends: no later test may reach it
