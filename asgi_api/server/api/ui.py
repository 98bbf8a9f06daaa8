"""`/ui/...`: the reads behind the charts of Prefect's UI dashboard."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated
from uuid import UUID

import msgspec

from asgi_api.exceptions import HTTPException
from asgi_api.params import Body, Depends
from asgi_api.routing import APIRouter
from asgi_api.server.api.limits import Offset
from asgi_api.server.database import Session, utcnow
from asgi_api.server.dependencies import read_session
from asgi_api.server.models import dashboards, ui_counts
from asgi_api.server.schemas.dashboards import SimpleFlowRun, SimpleNextFlowRun, TaskRunCount
from asgi_api.server.schemas.filters import FlowFilter, FlowRunFilter, TaskRunFilter
from asgi_api.server.schemas.sorting import FlowRunSort

router = APIRouter(prefix="/ui", tags=["UI"])

Ids = Annotated[list[UUID], msgspec.Meta(max_length=200)]
"""The ids of one page of a list (Prefect's limit)."""


@router.post("/flow_runs/history")
async def read_flow_run_history(
    sort: FlowRunSort | None = Body(None),
    limit: Annotated[int, msgspec.Meta(ge=0, le=1000)] | None = Body(None),
    offset: Offset | None = Body(None),
    flows: FlowFilter | None = Body(None),
    flow_runs: FlowRunFilter | None = Body(None),
    task_runs: TaskRunFilter | None = Body(None),
    session: Session = Depends(read_session),
) -> list[SimpleFlowRun]:
    """One point per flow run: when it started, how long it ran, how late it was. A null `sort`,
    `limit` or `offset` (Prefect's UI sends `"limit": null`) takes the default."""
    return await dashboards.flow_run_points(session, (flows, flow_runs, task_runs),
                                            sort or FlowRunSort.EXPECTED_START_TIME_DESC,
                                            1000 if limit is None else limit, offset or 0)


@router.post("/task_runs/dashboard/counts")
async def read_dashboard_task_run_counts(
    task_runs: TaskRunFilter,
    flows: FlowFilter | None = Body(None),
    flow_runs: FlowRunFilter | None = Body(None),
    session: Session = Depends(read_session),
) -> list[TaskRunCount]:
    """Completed and failed task runs in 20 buckets from `task_runs.start_time.after_` (required)
    to its `before_` (default: now), to the minute."""
    if task_runs.start_time is None or task_runs.start_time.after_ is None:
        raise HTTPException(422, "task_runs.start_time.after_ is required")
    start = task_runs.start_time.after_.replace(second=0, microsecond=0)
    end = _end_of_minute(task_runs.start_time.before_ or utcnow())
    return await dashboards.task_run_counts(session, (flows, flow_runs, task_runs), start, end)


@router.post("/flow_runs/count-task-runs")
async def count_task_runs_by_flow_run(flow_run_ids: Ids = Body(embed=True),
                                      session: Session = Depends(read_session)) -> dict[UUID, int]:
    return await ui_counts.count_task_runs(session, flow_run_ids)


@router.post("/flows/count-deployments")
async def count_deployments_by_flow(flow_ids: Ids = Body(embed=True),
                                    session: Session = Depends(read_session)) -> dict[UUID, int]:
    return await ui_counts.count_deployments(session, flow_ids)


@router.post("/flows/next-runs")
async def next_runs_by_flow(flow_ids: Ids = Body(embed=True),
                            session: Session = Depends(read_session)) -> dict[UUID, SimpleNextFlowRun | None]:
    return await ui_counts.next_runs(session, flow_ids)


def _end_of_minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0) + timedelta(minutes=1) - timedelta(microseconds=1)
