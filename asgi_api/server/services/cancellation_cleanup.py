"""Cancellation cleanup: the task runs and subflow runs of a cancelled flow run are cancelled too.

Task runs are cancelled outright (their process is gone). A subflow run with a deployment of its
own becomes Cancelling, so that whatever runs it stops it; one without becomes Cancelled. Flow
runs cancelled in the last day are looked at; each change is its own short transaction.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from uuid import UUID

from asgi_api.server.database import Database, utcnow
from asgi_api.server.models.cancellation import read_orphaned_subflow_runs, read_orphaned_task_runs
from asgi_api.server.models.orchestration import set_flow_run_state, set_task_run_state
from asgi_api.server.schemas.states import StateCreate, StateType
from asgi_api.server.services import Service

__all__ = ["CancellationCleanup"]

logger = logging.getLogger("asgi_api.server.services.cancellation_cleanup")

MESSAGE = "The parent flow run was cancelled."
_LOOK_BACK = timedelta(days=1)
_BATCH = 200


class CancellationCleanup(Service):
    interval = 5.0

    def __init__(self, database: Database) -> None:
        self._database = database

    async def run_once(self) -> None:
        since = utcnow() - _LOOK_BACK
        async with self._database.transaction(write=False) as session:
            task_runs = await read_orphaned_task_runs(session, since, _BATCH)
            subflow_runs = await read_orphaned_subflow_runs(session, since, _BATCH)
        for task_run_id in task_runs:
            await self._cancel(task_run_id, StateCreate(type=StateType.CANCELLED, message=MESSAGE), task=True)
        for flow_run_id, deployed in subflow_runs:
            state_type = StateType.CANCELLING if deployed else StateType.CANCELLED
            await self._cancel(flow_run_id, StateCreate(type=state_type, message=MESSAGE), task=False)
        if task_runs or subflow_runs:
            logger.info("Cancelled %d task run(s) and %d subflow run(s) of cancelled flow runs",
                        len(task_runs), len(subflow_runs))

    async def _cancel(self, run_id: UUID, proposal: StateCreate, *, task: bool) -> None:
        try:
            async with self._database.transaction(write=True) as session:
                if task:
                    await set_task_run_state(session, run_id, proposal, force=True)
                else:
                    await set_flow_run_state(session, run_id, proposal)
        except Exception:
            logger.exception("Could not cancel run %s of a cancelled flow run; the others go on", run_id)
