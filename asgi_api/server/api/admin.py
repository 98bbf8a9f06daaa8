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
    """The settings in the shape of Prefect's settings tree (its UI reads `server.analytics_enabled`
    and shows the rest), secrets masked; the server's own flat settings under `asgi_api`."""
    masked = settings.masked()
    services = {name: {"enabled": settings.services_enabled}
                for name in ("scheduler", "late_runs", "pause_expirations", "cancellation_cleanup")}
    return {
        "home": masked["home"],
        "debug_mode": settings.debug,
        "api": {"url": None, "auth_string": masked["api_auth_string"], "key": None},
        "server": {
            "analytics_enabled": False,
            "api": {"host": settings.host, "port": settings.port, "keepalive_timeout": settings.keep_alive_timeout,
                    "csrf_protection_enabled": settings.csrf_enabled, "auth_string": masked["api_auth_string"],
                    "cors_allowed_origins": settings.cors_allowed_origins,
                    "cors_allowed_methods": settings.cors_allowed_methods,
                    "cors_allowed_headers": settings.cors_allowed_headers},
            "database": {"connection_url": masked["database_url"]},
            "services": services,
            "ui": {"enabled": settings.ui_enabled, "api_url": "/api", "serve_base": settings.ui_serve_base,
                   "static_directory": settings.ui_static_dir or None},
        },
        "asgi_api": masked,
    }
