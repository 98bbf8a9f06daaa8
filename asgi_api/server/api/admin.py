"""`/admin`: what the server says about itself. Clients read the version before anything else."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.requests import Request

from asgi_api.routing import APIRouter

if TYPE_CHECKING:  # the server layer builds on the routes, not the other way round
    from asgi_api.server.settings import Settings

router = APIRouter(prefix="/admin", tags=["Admin"])


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


@router.get("/version")
async def read_version(request: Request) -> str:
    """The Prefect server version this server stands in for (clients check its major version)."""
    return _settings(request).prefect_server_version


@router.get("/settings")
async def read_settings(request: Request) -> dict[str, Any]:
    """The settings with secrets masked, plus the `server` keys Prefect's UI reads."""
    return {**_settings(request).masked(), "server": {"analytics_enabled": False}}
