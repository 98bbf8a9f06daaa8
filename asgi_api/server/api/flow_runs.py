"""`/flow_runs`: the engine creates a run, moves it through states with `set_state`, and reads it back."""

from __future__ import annotations

import math
from datetime import datetime, timezone
from typing import Any
from uuid import UUID

from starlette.responses import Response

from asgi_api.exceptions import HTTPException
from asgi_api.params import Body, Depends
from asgi_api.routing import APIRouter
from asgi_api.server.api.limits import Limit, Offset, Page, resolve_limit, resolve_offset
from asgi_api.server.api.run_history import HistoryInterval, run_history
from asgi_api.server.database import Session
from asgi_api.server.dependencies import read_session, write_session
from asgi_api.server.models import dashboards
from asgi_api.server.models import flow_runs as models
from asgi_api.server.models.orchestration import set_flow_run_state
from asgi_api.server.schemas.actions import FlowRunCreate, FlowRunUpdate
from asgi_api.server.schemas.core import FlowRun
from asgi_api.server.schemas.dashboards import FlowRunPaginationResponse, Graph, HistoryResponse
from asgi_api.server.schemas.fields import DateTime, KeyValueLabels
from asgi_api.server.schemas.filters import FlowFilter, FlowRunFilter, TaskRunFilter
from asgi_api.server.schemas.orchestration import OrchestrationResult
from asgi_api.server.schemas.sorting import DEFAULT_FLOW_RUN_SORT, FlowRunSort
from asgi_api.server.schemas.states import StateCreate

router = APIRouter(prefix="/flow_runs", tags=["Flow Runs"])


def _not_found() -> HTTPException:
    return HTTPException(404, "Flow run not found")


@router.post("/")
async def create_flow_run(flow_run: FlowRunCreate, response: Response,
                          session: Session = Depends(write_session)) -> FlowRun:
    """201 with a new run in its first state; 200 with the run that has the same idempotency key."""
    model, created = await models.create_flow_run(session, flow_run)
    response.status_code = 201 if created else 200
    return model


@router.get("/{id:uuid}")
async def read_flow_run(id: UUID, session: Session = Depends(read_session)) -> FlowRun:
    flow_run = await models.read_flow_run(session, id)
    if flow_run is None:
        raise _not_found()
    return flow_run


@router.patch("/{id:uuid}", status_code=204)
async def update_flow_run(id: UUID, flow_run: FlowRunUpdate, session: Session = Depends(write_session)) -> None:
    if not await models.update_flow_run(session, id, flow_run):
        raise _not_found()


@router.delete("/{id:uuid}", status_code=204)
async def delete_flow_run(id: UUID, session: Session = Depends(write_session)) -> None:
    if not await models.delete_flow_run(session, id):
        raise _not_found()


@router.post("/filter")
async def read_flow_runs(
    limit: Limit | None = Body(None),
    offset: Offset | None = Body(None),
    flows: FlowFilter | None = Body(None),
    flow_runs: FlowRunFilter | None = Body(None),
    task_runs: TaskRunFilter | None = Body(None),
    sort: FlowRunSort | None = Body(None),
    session: Session = Depends(read_session),
) -> list[FlowRun]:
    return await models.read_flow_runs(session, flows, flow_runs, task_runs, sort or DEFAULT_FLOW_RUN_SORT,
                                       resolve_limit(limit), resolve_offset(offset))


@router.post("/count")
async def count_flow_runs(
    flows: FlowFilter | None = Body(None),
    flow_runs: FlowRunFilter | None = Body(None),
    task_runs: TaskRunFilter | None = Body(None),
    session: Session = Depends(read_session),
) -> int:
    return await models.count_flow_runs(session, flows, flow_runs, task_runs)


@router.post("/paginate")
async def paginate_flow_runs(
    limit: Limit | None = Body(None),
    page: Page | None = Body(None),
    flows: FlowFilter | None = Body(None),
    flow_runs: FlowRunFilter | None = Body(None),
    task_runs: TaskRunFilter | None = Body(None),
    sort: FlowRunSort | None = Body(None),
    session: Session = Depends(read_session),
) -> FlowRunPaginationResponse:
    """One page of flow runs; `pages` counts the pages of `limit` runs the filters match."""
    limit, page = resolve_limit(limit), page or 1
    results = await models.read_flow_runs(session, flows, flow_runs, task_runs, sort or DEFAULT_FLOW_RUN_SORT,
                                          limit, (page - 1) * limit)
    count = await models.count_flow_runs(session, flows, flow_runs, task_runs)
    return FlowRunPaginationResponse(results=results, count=count, limit=limit,
                                     pages=math.ceil(count / limit) if limit else 0, page=page)


@router.post("/history")
async def flow_run_history(
    history_start: DateTime = Body(...),
    history_end: DateTime = Body(...),
    history_interval_seconds: HistoryInterval = Body(...),
    flows: FlowFilter | None = Body(None),
    flow_runs: FlowRunFilter | None = Body(None),
    task_runs: TaskRunFilter | None = Body(None),
    session: Session = Depends(read_session),
) -> list[HistoryResponse]:
    """Flow runs per interval and state (Prefect's dashboard chart)."""
    return await run_history(session, "flow_run", (flows, flow_runs, task_runs), history_start, history_end,
                             history_interval_seconds)


@router.post("/lateness")
async def average_flow_run_lateness(
    flows: FlowFilter | None = Body(None),
    flow_runs: FlowRunFilter | None = Body(None),
    task_runs: TaskRunFilter | None = Body(None),
    session: Session = Depends(read_session),
) -> float | None:
    """Mean lateness of the matching runs in seconds; null when none matched."""
    return await dashboards.average_lateness(session, (flows, flow_runs, task_runs))


@router.get("/{id:uuid}/graph-v2")
async def read_flow_run_graph_v2(id: UUID, since: DateTime | None = None,
                                 session: Session = Depends(read_session)) -> Graph:
    """The run's task runs and subflow runs (those ending after `since`) and their dependencies."""
    graph = await dashboards.flow_run_graph(session, id, since or datetime.min.replace(tzinfo=timezone.utc))
    if graph is None:
        raise _not_found()
    return graph


@router.post("/{id:uuid}/set_state")
async def set_state(id: UUID, response: Response, state: StateCreate = Body(...), force: bool | None = Body(None),
                    session: Session = Depends(write_session)) -> OrchestrationResult:
    """Orchestrate a proposed state: 201 when a new state was stored, 200 when not."""
    outcome = await set_flow_run_state(session, id, state, force=bool(force))
    response.status_code = 201 if outcome.stored else 200
    return outcome.result


@router.patch("/{id:uuid}/labels", status_code=204)
async def update_flow_run_labels(id: UUID, labels: KeyValueLabels, session: Session = Depends(write_session)) -> None:
    """Merge labels into the run's (what workers and `serve` add to say where a run ran)."""
    if not await models.update_labels(session, id, labels):
        raise _not_found()


@router.post("/{id:uuid}/resume")
async def resume_flow_run(id: UUID, response: Response, run_input: dict[str, Any] | None = Body(None, embed=True),
                          session: Session = Depends(write_session)) -> OrchestrationResult:
    """Resume a paused run (`resume_flow_run` in Prefect's client): 201 when it moved on; the
    `run_input` is stored for a run that paused waiting for input."""
    outcome = await models.resume_flow_run(session, id, run_input)
    if outcome is None:
        raise _not_found()
    response.status_code = 201 if outcome.stored else 200
    return outcome.result
