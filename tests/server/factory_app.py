"""App factories that tests/server/test_subprocess.py runs under uvicorn in a child process."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from starlette.types import Lifespan

from asgi_api import API, HTTPException


def create_app(lifespan: Lifespan[API] | None = None) -> API:
    """`/api/health` -> true, `/api/pid` -> the process id, `/api/name` -> `$FACTORY_APP_NAME`."""
    api = API()

    @api.get("/health")
    async def health() -> bool:
        return True

    @api.get("/pid")
    async def pid() -> int:
        return os.getpid()

    @api.get("/name")
    async def name() -> str:
        return os.environ.get("FACTORY_APP_NAME", "")

    app = API(lifespan=lifespan)
    app.mount("/api", api)
    return app


def create_failing_app() -> API:
    print("factory output on stdout", flush=True)
    raise RuntimeError("factory failed on purpose")


def create_app_failing_at_startup() -> API:
    @asynccontextmanager
    async def lifespan(app: API) -> AsyncIterator[None]:
        raise RuntimeError("start-up failed on purpose")
        yield

    return API(lifespan=lifespan)


def create_unhealthy_app() -> API:
    app = API()

    @app.get("/api/health")
    async def health() -> bool:
        raise HTTPException(503, "not ready")

    return app


def create_app_ignoring_sigterm() -> API:
    """Its shutdown never finishes: uvicorn waits for it, so only SIGKILL ends the process."""

    @asynccontextmanager
    async def lifespan(app: API) -> AsyncIterator[None]:
        yield
        await anyio.sleep_forever()

    return create_app(lifespan)
