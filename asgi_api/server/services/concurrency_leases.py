"""The lease reclaimer: gives back the slots of concurrency leases their holders stopped renewing.

A task that crashes, or whose process is killed, never releases its slots; its lease expires
(tagged tasks lease for 60 s and renew while they run) and this service frees the slots. Any
number of server processes may run it at once: each expired lease is reclaimed exactly once.
"""

from __future__ import annotations

import logging

from asgi_api.server.database import Database
from asgi_api.server.models.concurrency_leases import reclaim_expired_leases
from asgi_api.server.services import Service

__all__ = ["LeaseReclaimer"]

logger = logging.getLogger("asgi_api.server.services.concurrency_leases")

_BATCH = 100


class LeaseReclaimer(Service):
    interval = 5.0

    def __init__(self, database: Database) -> None:
        self._database = database

    async def run_once(self) -> None:
        """Reclaim in short transactions of up to 100 leases, until none has expired."""
        while True:
            async with self._database.transaction(write=True) as session:
                reclaimed = await reclaim_expired_leases(session, _BATCH)
            if reclaimed:
                logger.info("Reclaimed the slots of %d expired concurrency lease(s)", reclaimed)
            if reclaimed < _BATCH:
                return
