"""Late runs: a run still Scheduled some seconds after its start time is marked Late.

The proposal goes through orchestration like any other, so a run that a worker or `serve`
picked up in the meantime is left alone (only Scheduled runs may become Late). Each run is its
own short transaction; any number of server processes may run this at once.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from uuid import UUID

from asgi_api.server.database import Database, utcnow
from asgi_api.server.models.flow_runs import read_late_runs
from asgi_api.server.models.orchestration import set_flow_run_state
from asgi_api.server.schemas.states import StateCreate, StateDetails, StateType
from asgi_api.server.services import Service

__all__ = ["LATE_AFTER", "LateRuns"]

logger = logging.getLogger("asgi_api.server.services.late_runs")

LATE_AFTER = timedelta(seconds=15)  # Prefect's default grace before a run counts as late
_BATCH = 100


class LateRuns(Service):
    interval = 5.0

    def __init__(self, database: Database) -> None:
        self._database = database

    async def run_once(self) -> None:
        async with self._database.transaction(write=False) as session:
            late = await read_late_runs(session, utcnow() - LATE_AFTER, _BATCH)
        for run_id, scheduled_time in late:
            await self._mark_late(run_id, scheduled_time)
        if late:
            logger.info("Marked %d run(s) Late", len(late))

    async def _mark_late(self, run_id: UUID, scheduled_time: datetime) -> None:
        proposal = StateCreate(type=StateType.SCHEDULED, name="Late",
                               state_details=StateDetails(scheduled_time=scheduled_time))
        try:
            async with self._database.transaction(write=True) as session:
                await set_flow_run_state(session, run_id, proposal)
        except Exception:
            logger.exception("Could not mark flow run %s Late; the others go on", run_id)
