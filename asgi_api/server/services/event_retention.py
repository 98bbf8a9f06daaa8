"""Event retention: deletes stored events older than `events_retention_period`."""

from __future__ import annotations

import logging
from datetime import timedelta

from asgi_api.server.database import Database, utcnow
from asgi_api.server.models.event_store import delete_events_before
from asgi_api.server.services import Service

__all__ = ["EventRetention"]

logger = logging.getLogger("asgi_api.server.services.event_retention")


class EventRetention(Service):
    interval = 600.0

    def __init__(self, database: Database, period_seconds: float) -> None:
        self._database = database
        self._period = timedelta(seconds=period_seconds)

    async def run_once(self) -> None:
        async with self._database.transaction(write=True) as session:
            deleted = await delete_events_before(session, utcnow() - self._period)
        if deleted:
            logger.info("Deleted %d event(s) older than the retention period", deleted)
