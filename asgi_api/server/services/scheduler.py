"""The scheduler: makes the runs deployment schedules ask for, ahead of time.

Every few seconds it looks for deployments with an active schedule that have too few runs ahead
(fewer than 3, or none an hour out) and makes them, in one short transaction per deployment. Runs
are keyed on (schedule, time), so ticks that overlap, in one process or several, never make a run
twice; on PostgreSQL a per-deployment advisory lock also keeps two processes from doing the same
deployment's work. A deployment whose schedule fails is logged and skipped; the others go on.
"""

from __future__ import annotations

import logging
from uuid import UUID

import anyio

from asgi_api.server.database import Database, utcnow
from asgi_api.server.models import deployments as models
from asgi_api.server.services import Service

__all__ = ["Scheduler"]

logger = logging.getLogger("asgi_api.server.services.scheduler")

_BATCH = 100  # deployments looked at per tick
_TICK_TIMEOUT = 60.0  # seconds one tick may take; the rest waits for the next


class Scheduler(Service):
    interval = 5.0

    def __init__(self, database: Database) -> None:
        self._database = database

    async def run_once(self) -> None:
        with anyio.move_on_after(_TICK_TIMEOUT) as scope:
            async with self._database.transaction(write=False) as session:
                deployment_ids = await models.deployments_to_schedule(session, utcnow(), _BATCH)
            made = 0
            for deployment_id in deployment_ids:
                made += await self._schedule(deployment_id)
            if made:
                logger.info("Scheduled %d run(s) of %d deployment(s)", made, len(deployment_ids))
        if scope.cancelled_caught:
            logger.warning("A scheduler tick took over %s s; the rest waits for the next tick", _TICK_TIMEOUT)

    async def _schedule(self, deployment_id: UUID) -> int:
        try:
            async with self._database.transaction(write=True) as session:
                if not await models.claim_for_scheduling(session, deployment_id):
                    return 0
                start = utcnow()
                return await models.schedule_runs(session, deployment_id, start=start,
                                                  end=start + models.MAX_TIME, min_time=models.MIN_TIME,
                                                  min_runs=models.MIN_RUNS, max_runs=models.MAX_RUNS)
        except Exception:
            logger.exception("Could not schedule runs of deployment %s; the others go on", deployment_id)
            return 0
