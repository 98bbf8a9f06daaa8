"""Pause expirations: a paused run nobody resumed before its `pause_timeout` fails.

The flow's own process gives up waiting at the timeout, but a suspended run has no process left,
and a crashed one none either; without this service they would stay Paused forever. The proposal
goes through orchestration, so a run resumed in the meantime is left alone.
"""

from __future__ import annotations

import logging
from uuid import UUID

from asgi_api.server.database import Database, utcnow
from asgi_api.server.models.flow_runs import read_expired_pauses
from asgi_api.server.models.orchestration import set_flow_run_state
from asgi_api.server.schemas.states import StateCreate, StateType
from asgi_api.server.services import Service

__all__ = ["PauseExpirations"]

logger = logging.getLogger("asgi_api.server.services.pause_expirations")

_BATCH = 200


class PauseExpirations(Service):
    interval = 5.0

    def __init__(self, database: Database) -> None:
        self._database = database

    async def run_once(self) -> None:
        async with self._database.transaction(write=False) as session:
            expired = await read_expired_pauses(session, utcnow(), _BATCH)
        for run_id in expired:
            await self._fail(run_id)
        if expired:
            logger.info("Failed %d paused run(s) past their timeout", len(expired))

    async def _fail(self, run_id: UUID) -> None:
        proposal = StateCreate(type=StateType.FAILED, message="The flow was paused and never resumed.")
        try:
            async with self._database.transaction(write=True) as session:
                await set_flow_run_state(session, run_id, proposal)
        except Exception:
            logger.exception("Could not fail the expired pause of flow run %s; the others go on", run_id)
