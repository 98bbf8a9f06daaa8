"""`/task_runs`: task runs created over REST (subflows' parent tasks, older clients) and their states."""

from __future__ import annotations

import math
from uuid import UUID

from starlette.responses import Response

from asgi_api.exceptions import HTTPException
from asgi_api.params import Body, Depends
from asgi_api.routing import APIRouter
from asgi_api.server.api.limits import Limit, Offset, Page, resolve_limit, resolve_offset
from asgi_api.server.api.run_history import HistoryInterval, run_history
from asgi_api.server.database import Session
from asgi_api.server.dependencies import read_session, write_session
from asgi_api.server.models import task_runs as models
from asgi_api.server.models.orchestration import set_task_run_state
from asgi_api.server.schemas.actions import TaskRunCreate
from asgi_api.server.schemas.core import TaskRun
from asgi_api.server.schemas.dashboards import HistoryResponse, TaskRunPaginationResponse
from asgi_api.server.schemas.fields import DateTime
from asgi_api.server.schemas.filters import FlowFilter, FlowRunFilter, TaskRunFilter
from asgi_api.server.schemas.orchestration import OrchestrationResult
from asgi_api.server.schemas.sorting import DEFAULT_TASK_RUN_SORT, TaskRunSort
from asgi_api.server.schemas.states import StateCreate

router = APIRouter(prefix="/task_runs", tags=["Task Runs"])


@router.post("/")
async def create_task_run(task_run: TaskRunCreate, response: Response,
                          session: Session = Depends(write_session)) -> TaskRun:
    """201 with a new task run; 200 with the one of the same `(flow_run_id, task_key, dynamic_key)`."""
    model, created = await models.create_task_run(session, task_run)
    response.status_code = 201 if created else 200
    return model


@router.get("/{id:uuid}")
async def read_task_run(id: UUID, session: Session = Depends(read_session)) -> TaskRun:
    task_run = await models.read_task_run(session, id)
    if task_run is None:
        raise HTTPException(404, "Task not found")
    return task_run


@router.post("/filter")
async def read_task_runs(
    limit: Limit | None = Body(None),
    offset: Offset | None = Body(None),
    flows: FlowFilter | None = Body(None),
    flow_runs: FlowRunFilter | None = Body(None),
    task_runs: TaskRunFilter | None = Body(None),
    sort: TaskRunSort | None = Body(None),
    session: Session = Depends(read_session),
) -> list[TaskRun]:
    return await models.read_task_runs(session, flows, flow_runs, task_runs, sort or DEFAULT_TASK_RUN_SORT,
                                       resolve_limit(limit), resolve_offset(offset))


@router.post("/count")
async def count_task_runs(
    flows: FlowFilter | None = Body(None),
    flow_runs: FlowRunFilter | None = Body(None),
    task_runs: TaskRunFilter | None = Body(None),
    session: Session = Depends(read_session),
) -> int:
    return await models.count_task_runs(session, flows, flow_runs, task_runs)


@router.post("/paginate")
async def paginate_task_runs(
    limit: Limit | None = Body(None),
    page: Page | None = Body(None),
    flows: FlowFilter | None = Body(None),
    flow_runs: FlowRunFilter | None = Body(None),
    task_runs: TaskRunFilter | None = Body(None),
    sort: TaskRunSort | None = Body(None),
    session: Session = Depends(read_session),
) -> TaskRunPaginationResponse:
    """One page of task runs; `pages` counts the pages of `limit` runs the filters match."""
    limit, page = resolve_limit(limit), page or 1
    results = await models.read_task_runs(session, flows, flow_runs, task_runs, sort or DEFAULT_TASK_RUN_SORT,
                                          limit, (page - 1) * limit)
    count = await models.count_task_runs(session, flows, flow_runs, task_runs)
    return TaskRunPaginationResponse(results=results, count=count, limit=limit,
                                     pages=math.ceil(count / limit) if limit else 0, page=page)


@router.post("/history")
async def task_run_history(
    history_start: DateTime = Body(...),
    history_end: DateTime = Body(...),
    history_interval_seconds: HistoryInterval = Body(...),
    flows: FlowFilter | None = Body(None),
    flow_runs: FlowRunFilter | None = Body(None),
    task_runs: TaskRunFilter | None = Body(None),
    session: Session = Depends(read_session),
) -> list[HistoryResponse]:
    """Task runs per interval and state."""
    return await run_history(session, "task_run", (flows, flow_runs, task_runs), history_start, history_end,
                             history_interval_seconds)


@router.post("/{id:uuid}/set_state")
async def set_state(id: UUID, response: Response, state: StateCreate = Body(...), force: bool | None = Body(None),
                    session: Session = Depends(write_session)) -> OrchestrationResult:
    """Orchestrate a proposed state: 201 when a new state was stored, 200 when not."""
    outcome = await set_task_run_state(session, id, state, force=bool(force))
    response.status_code = 201 if outcome.stored else 200
    return outcome.result
