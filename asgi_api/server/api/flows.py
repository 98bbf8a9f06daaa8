"""`/flows`: clients upsert their flow by name before each run; the UI lists and pages them."""

from __future__ import annotations

import math
from uuid import UUID

from starlette.responses import Response

from asgi_api.exceptions import HTTPException
from asgi_api.params import Body, Depends
from asgi_api.routing import APIRouter
from asgi_api.server.api.limits import Limit, Offset, Page, resolve_limit, resolve_offset
from asgi_api.server.database import Session
from asgi_api.server.dependencies import read_session, write_session
from asgi_api.server.models import flows as models
from asgi_api.server.schemas.actions import FlowCreate, FlowUpdate
from asgi_api.server.schemas.core import Flow
from asgi_api.server.schemas.filters import FlowFilter, FlowRunFilter, TaskRunFilter
from asgi_api.server.schemas.responses import FlowPaginationResponse
from asgi_api.server.schemas.sorting import DEFAULT_FLOW_SORT, FlowSort

router = APIRouter(prefix="/flows", tags=["Flows"])


def _not_found() -> HTTPException:
    return HTTPException(404, "Flow not found")


@router.post("/")
async def create_flow(flow: FlowCreate, response: Response, session: Session = Depends(write_session)) -> Flow:
    """Upsert by name: 201 with a new flow, 200 with the existing one (unchanged)."""
    model, created = await models.create_flow(session, flow)
    response.status_code = 201 if created else 200
    return model


@router.get("/{id:uuid}")
async def read_flow(id: UUID, session: Session = Depends(read_session)) -> Flow:
    flow = await models.read_flow(session, id)
    if flow is None:
        raise _not_found()
    return flow


@router.get("/name/{name}")
async def read_flow_by_name(name: str, session: Session = Depends(read_session)) -> Flow:
    flow = await models.read_flow_by_name(session, name)
    if flow is None:
        raise _not_found()
    return flow


@router.patch("/{id:uuid}", status_code=204)
async def update_flow(id: UUID, flow: FlowUpdate, session: Session = Depends(write_session)) -> None:
    if not await models.update_flow(session, id, flow):
        raise _not_found()


@router.delete("/{id:uuid}", status_code=204)
async def delete_flow(id: UUID, session: Session = Depends(write_session)) -> None:
    if not await models.delete_flow(session, id):
        raise _not_found()


@router.post("/filter")
async def read_flows(
    limit: Limit | None = Body(None),
    offset: Offset | None = Body(None),
    flows: FlowFilter | None = Body(None),
    flow_runs: FlowRunFilter | None = Body(None),
    task_runs: TaskRunFilter | None = Body(None),
    sort: FlowSort | None = Body(None),
    session: Session = Depends(read_session),
) -> list[Flow]:
    return await models.read_flows(session, flows, flow_runs, task_runs, sort or DEFAULT_FLOW_SORT,
                                   resolve_limit(limit), resolve_offset(offset))


@router.post("/count")
async def count_flows(
    flows: FlowFilter | None = Body(None),
    flow_runs: FlowRunFilter | None = Body(None),
    task_runs: TaskRunFilter | None = Body(None),
    session: Session = Depends(read_session),
) -> int:
    return await models.count_flows(session, flows, flow_runs, task_runs)


@router.post("/paginate")
async def paginate_flows(
    limit: Limit | None = Body(None),
    page: Page | None = Body(None),
    flows: FlowFilter | None = Body(None),
    flow_runs: FlowRunFilter | None = Body(None),
    task_runs: TaskRunFilter | None = Body(None),
    sort: FlowSort | None = Body(None),
    session: Session = Depends(read_session),
) -> FlowPaginationResponse:
    """One page of flows; `pages` counts the pages of `limit` flows the filters match."""
    limit, page = resolve_limit(limit), page or 1
    results = await models.read_flows(session, flows, flow_runs, task_runs, sort or DEFAULT_FLOW_SORT,
                                      limit, (page - 1) * limit)
    count = await models.count_flows(session, flows, flow_runs, task_runs)
    pages = math.ceil(count / limit) if limit else 0
    return FlowPaginationResponse(results=results, count=count, limit=limit, pages=pages, page=page)
