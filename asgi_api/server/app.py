"""The app factories: `create_api_app` (the REST API) and `create_app` (API + UI + lifespan).

`uvicorn --factory asgi_api.server.app:create_app` is how the server runs; settings come from the
environment (`Settings.load()`), and one app is built per settings value.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware

from asgi_api import __version__
from asgi_api.applications import API
from asgi_api.middleware.request_body import RequestBodyMiddleware
from asgi_api.middleware.request_limit import RequestLimitMiddleware
from asgi_api.openapi.schema import get_openapi
from asgi_api.params import Depends, DependsMarker
from asgi_api.server import services
from asgi_api.server.api import API_ROUTERS
from asgi_api.server.api.nul_characters import reject_nul_characters
from asgi_api.server.database import Database, open_database
from asgi_api.server.handlers import exception_handlers
from asgi_api.server.middleware.auth import BasicAuthMiddleware
from asgi_api.server.middleware.csrf import CsrfMiddleware
from asgi_api.server.middleware.security_headers import FOREIGN_UI_POLICY, STRICT_POLICY, SecurityHeadersMiddleware
from asgi_api.server.models.csrf import is_valid_token
from asgi_api.server.openapi import document_server_errors
from asgi_api.server.services.cancellation_cleanup import CancellationCleanup
from asgi_api.server.services.concurrency_leases import LeaseReclaimer
from asgi_api.server.services.event_retention import EventRetention
from asgi_api.server.services.late_runs import LateRuns
from asgi_api.server.services.pause_expirations import PauseExpirations
from asgi_api.server.services.scheduler import Scheduler
from asgi_api.server.settings import Settings, ui_directory
from asgi_api.server.ui import normalise_base_path, prepare_ui_directory
from asgi_api.server.versions import API_VERSION, enforce_minimum_version
from asgi_api.staticfiles import SPAStaticFiles

logger = logging.getLogger("asgi_api.server")

API_TITLE = "asgi_api REST API"
_APP_CACHE: dict[tuple[Settings, bool], API] = {}


def create_api_app(
    dependencies: Sequence[DependsMarker] | None = None,
    health_check_path: str = "/health",
    version_check_path: str = "/version",
    api_app_kwargs: dict[str, Any] | None = None,
    *,
    settings: Settings | None = None,
) -> API:
    """The REST API: health and version routes, every router of `asgi_api.server.api`, GZip, auth, and
    the server's exception handlers (`api_app_kwargs` may replace them).

    `dependencies` apply to every router, together with the API-version check. With an
    `api_auth_string` set, every request but the health probes needs HTTP Basic credentials.
    """
    settings = settings or Settings.load()
    # Strict bodies: the API takes what its OpenAPI document allows, not `0` for `false` or a number
    # for a datetime (Prefect's pydantic models, in lax mode, do; Prefect's clients never send them).
    options = {"title": API_TITLE, "version": API_VERSION, "strict_body": True,
               "exception_handlers": exception_handlers(settings.log_retryable_errors, postgres=not settings.is_sqlite),
               **(api_app_kwargs or {})}
    api_app = API(**options)
    api_app.add_middleware(GZipMiddleware)
    if settings.csrf_enabled:  # inside auth: an unauthenticated write gets 401, not 403

        async def csrf_token_is_valid(token: str, client: str) -> bool:
            return await is_valid_token(api_app.state.database, token, client)

        api_app.add_middleware(CsrfMiddleware, is_valid=csrf_token_is_valid)
    if settings.api_auth_string:
        api_app.add_middleware(BasicAuthMiddleware, auth_string=settings.api_auth_string)

    @api_app.get(health_check_path, tags=["Root"])
    async def health_check() -> bool:
        return True

    # Probes may use HEAD; as its own route it stays out of the document, which would otherwise hold
    # two operations with one operation id.
    api_app.add_api_route(health_check_path, health_check, methods=["HEAD"], include_in_schema=False)

    @api_app.get(version_check_path, tags=["Root"])
    async def server_version() -> str:
        return API_VERSION

    shared = [*(dependencies or []), Depends(enforce_minimum_version), Depends(reject_nul_characters)]
    for router in API_ROUTERS:
        api_app.include_router(router, dependencies=shared)
    api_app.state.settings = settings
    framework_openapi = api_app.openapi

    def openapi() -> dict[str, Any]:
        fresh = api_app.openapi_schema is None
        document = framework_openapi()
        return document_server_errors(document, api_app.routes) if fresh else document

    api_app.openapi = openapi  # type: ignore[method-assign]
    return api_app


def create_app(settings: Settings | None = None, ephemeral: bool = False, ignore_cache: bool = False) -> API:
    """The server: the API at `/api`, the UI at `ui_serve_base`, background services in the lifespan.

    Cached per (settings, ephemeral) unless `ignore_cache`. `ephemeral=True` (an in-process server
    for tests or one-off runs) serves no UI and runs no services; `settings.ui_enabled` and
    `settings.services_enabled` turn off either alone.
    """
    settings = settings or Settings.load()
    key = (settings, ephemeral)
    if not ignore_cache and key in _APP_CACHE:
        return _APP_CACHE[key]

    api_app = create_api_app(settings=settings)

    @asynccontextmanager
    async def lifespan(app: API) -> AsyncIterator[None]:
        async with open_database(settings.database_url) as database:  # migrated once, here
            api_app.state.database = database
            run_services = settings.services_enabled and not ephemeral
            async with services.running(background_services(settings, database) if run_services else []):
                yield

    app = API(title=API_TITLE, version=API_VERSION, lifespan=lifespan, debug=settings.debug,
              openapi_url=None, docs_url=None, redoc_url=None)
    if settings.is_sqlite:
        # One SQLite writer at a time: many concurrent requests only queue up on the database lock.
        app.add_middleware(RequestLimitMiddleware, limit=settings.request_limit)
    # Outside the limit: a client slow to send its body waits here without holding a place (408).
    app.add_middleware(RequestBodyMiddleware, max_size=settings.max_body_bytes, timeout=settings.request_body_timeout)
    app.add_middleware(CORSMiddleware, allow_origins=_split(settings.cors_allowed_origins),
                       allow_methods=_split(settings.cors_allowed_methods),
                       allow_headers=_split(settings.cors_allowed_headers))
    docs_pages = [f"/api{url}" for url in (api_app.docs_url, api_app.redoc_url) if url]
    foreign_ui = settings.ui_enabled and settings.ui != "asgi_api"
    app.add_middleware(SecurityHeadersMiddleware, docs_paths=docs_pages,
                       policy=FOREIGN_UI_POLICY if foreign_ui else STRICT_POLICY)
    app.mount("/api", api_app, name="api")
    if settings.ui_enabled and not ephemeral:
        _serve_ui(app, settings)
    app.state.settings = settings

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = document_server_errors(get_openapi(title=API_TITLE, version=API_VERSION, routes=api_app.routes),
                                              api_app.routes)
            document["paths"] = {f"/api{path}": operations for path, operations in document["paths"].items()}
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    _APP_CACHE[key] = app
    logger.debug("Created asgi_api %s app for %s", __version__, settings.masked())
    return app


def _serve_ui(app: API, settings: Settings) -> None:
    """The UI at `ui_serve_base`: a copy of the UI build `settings.ui` names (by default
    `asgi_api/server/static/`) made for that base path, served as a single-page app, and
    `ui-settings` telling it where the API is and how to authenticate. Prefect's own UI build
    reads the same `ui-settings` and carries the same placeholder, so it is served the same way."""
    source = ui_directory(settings.ui)
    if source is None:
        logger.warning("No UI in %s: serving the API only", settings.ui)
        return
    base = normalise_base_path(settings.ui_serve_base)
    directory = prepare_ui_directory(source, settings.ui_static_dir or Path(settings.home) / "ui",
                                     settings.ui_serve_base, f"{__version__}+{_fingerprint(source)}")

    @app.get(f"{base}/ui-settings", include_in_schema=False)
    async def ui_settings() -> dict[str, Any]:
        return {"api_url": "/api", "csrf_enabled": settings.csrf_enabled,
                "auth": "BASIC" if settings.api_auth_string else None, "flags": []}

    app.mount(base or "/", SPAStaticFiles(directory=directory), name="ui")


def _fingerprint(directory: Path) -> str:
    """A digest of the UI's files, so that an edited UI is copied again under the same version."""
    digest = hashlib.sha256()
    for path in sorted(directory.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(directory).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def background_services(settings: Settings, database: Database) -> list[services.Service]:
    """The services a full server runs beside the API, on its database."""
    return [LeaseReclaimer(database), Scheduler(database), LateRuns(database), PauseExpirations(database),
            CancellationCleanup(database), EventRetention(database, settings.events_retention_period)]


def _split(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]
