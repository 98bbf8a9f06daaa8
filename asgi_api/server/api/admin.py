"""`/admin`: what the server says about itself. Clients read the version before anything else."""

from __future__ import annotations

from typing import Any

from asgi_api.params import Depends
from asgi_api.routing import APIRouter
from asgi_api.server.dependencies import get_settings
from asgi_api.server.settings import Settings

router = APIRouter(prefix="/admin", tags=["Admin"])


@router.get("/version")
async def read_version(settings: Settings = Depends(get_settings)) -> str:
    """The Prefect server version this server stands in for (clients check its major version)."""
    return settings.prefect_server_version


@router.get("/settings")
async def read_settings(settings: Settings = Depends(get_settings)) -> dict[str, Any]:
    """The settings with secrets masked, plus the `server` keys Prefect's UI reads."""
    return {**settings.masked(), "server": {"analytics_enabled": False}}
