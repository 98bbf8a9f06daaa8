"""What a cancelled flow run leaves behind: its task runs and subflow runs that have not finished.

Cancelling a flow stops its process, but the task runs it had started never report an end, and its
subflow runs (each a flow run of its own, perhaps in another process) run on. The cancellation
cleanup service asks these queries and cancels what they find.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa

from asgi_api.server.database import Session, tables
from asgi_api.server.schemas.states import TERMINAL_STATE_TYPES, StateType

__all__ = ["read_orphaned_subflow_runs", "read_orphaned_task_runs"]

_flow_run, _task_run = tables.flow_run.c, tables.task_run.c
_unfinished = [StateType.PENDING.value, StateType.SCHEDULED.value, StateType.RUNNING.value, StateType.PAUSED.value,
               StateType.CANCELLING.value]


def _cancelled_since(since: datetime) -> sa.Select[tuple[uuid.UUID]]:
    return sa.select(_flow_run.id).where(_flow_run.state_type == StateType.CANCELLED.value,
                                         _flow_run.end_time >= since)


async def read_orphaned_task_runs(session: Session, cancelled_since: datetime, limit: int) -> list[uuid.UUID]:
    """Unfinished task runs of flow runs cancelled since `cancelled_since`."""
    terminal = [state_type.value for state_type in TERMINAL_STATE_TYPES]
    unfinished = sa.or_(_task_run.state_type.is_(None), _task_run.state_type.not_in(terminal))
    query = (sa.select(_task_run.id).where(_task_run.flow_run_id.in_(_cancelled_since(cancelled_since)), unfinished)
             .order_by(_task_run.id).limit(limit))
    return [row["id"] for row in await session.fetch_all(query)]


async def read_orphaned_subflow_runs(session: Session, cancelled_since: datetime,
                                     limit: int) -> list[tuple[uuid.UUID, bool]]:
    """Unfinished subflow runs whose parent flow run was cancelled since `cancelled_since`, each
    with whether it has a deployment (then a process of its own may need stopping)."""
    parents = sa.select(_task_run.id).where(_task_run.flow_run_id.in_(_cancelled_since(cancelled_since)))
    query = (sa.select(_flow_run.id, _flow_run.deployment_id)
             .where(_flow_run.state_type.in_(_unfinished), _flow_run.parent_task_run_id.in_(parents))
             .order_by(_flow_run.id).limit(limit))
    return [(row["id"], row["deployment_id"] is not None) for row in await session.fetch_all(query)]
