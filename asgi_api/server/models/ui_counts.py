"""Per-object counts Prefect's UI asks for in one call per list page: task runs per flow run,
deployments and the next scheduled run per flow."""

from __future__ import annotations

import uuid

import msgspec
import sqlalchemy as sa

from asgi_api.server.database import Session, tables
from asgi_api.server.schemas.dashboards import SimpleNextFlowRun
from asgi_api.server.schemas.states import StateType

__all__ = ["count_deployments", "count_task_runs", "next_runs"]

_task_run = tables.task_run.c
_flow_run = tables.flow_run.c
_deployment = tables.deployment.c


async def count_task_runs(session: Session, flow_run_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    """Each flow run's task runs, not counting those that stand for a subflow run (as Prefect)."""
    subflow = sa.select(_flow_run.id).where(_flow_run.parent_task_run_id == _task_run.id).exists()
    query = (sa.select(_task_run.flow_run_id, sa.func.count().label("count"))
             .where(_task_run.flow_run_id.in_(flow_run_ids), sa.not_(subflow)).group_by(_task_run.flow_run_id))
    return _per_id(flow_run_ids, {row["flow_run_id"]: row["count"] for row in await session.fetch_all(query)})


async def count_deployments(session: Session, flow_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    query = (sa.select(_deployment.flow_id, sa.func.count().label("count"))
             .where(_deployment.flow_id.in_(flow_ids)).group_by(_deployment.flow_id))
    return _per_id(flow_ids, {row["flow_id"]: row["count"] for row in await session.fetch_all(query)})


async def next_runs(session: Session, flow_ids: list[uuid.UUID]) -> dict[uuid.UUID, SimpleNextFlowRun | None]:
    """Each flow's scheduled run due first, or None."""
    query = (sa.select(_flow_run.id, _flow_run.flow_id, _flow_run.name, _flow_run.state_name, _flow_run.state_type,
                       _flow_run.next_scheduled_start_time)
             .where(_flow_run.flow_id.in_(flow_ids), _flow_run.state_type == StateType.SCHEDULED.value,
                    _flow_run.next_scheduled_start_time.is_not(None))
             .order_by(_flow_run.next_scheduled_start_time.desc(), _flow_run.id.desc()))
    # Latest first, so that each flow's earliest run is the one left in the dict.
    first = {row["flow_id"]: msgspec.convert(row, SimpleNextFlowRun) for row in await session.fetch_all(query)}
    return {flow_id: first.get(flow_id) for flow_id in flow_ids}


def _per_id(ids: list[uuid.UUID], counts: dict[uuid.UUID, int]) -> dict[uuid.UUID, int]:
    return {object_id: counts.get(object_id, 0) for object_id in ids}
