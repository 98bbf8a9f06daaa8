"""Background services: periodic work that runs beside the API for the app's lifetime.

A failing service is logged and retried at its next interval; it never takes the server down.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio

logger = logging.getLogger("asgi_api.server.services")


class Service:
    """Subclass and implement `run_once`; it is called every `interval` seconds."""

    interval: float = 60.0

    @property
    def name(self) -> str:
        return type(self).__name__

    async def run_once(self) -> None:
        raise NotImplementedError

    async def run_forever(self) -> None:
        while True:
            try:
                await self.run_once()
            except Exception:
                logger.exception("Service %s failed; it runs again in %s s", self.name, self.interval)
            await anyio.sleep(self.interval)


@asynccontextmanager
async def running(services: list[Service]) -> AsyncIterator[None]:
    """Run `services` in the background while the block runs; cancel them when it ends."""
    async with anyio.create_task_group() as group:
        for service in services:
            logger.debug("Starting service %s", service.name)
            group.start_soon(service.run_forever, name=service.name)
        try:
            yield
        finally:
            group.cancel_scope.cancel()
