"""`/work_queues`: queues by id, across pools. A worker's flow run process reads its run's queue
here (to name it in the run's events), and `prefect work-queue inspect` reads a queue's health."""

from __future__ import annotations

import math
from uuid import UUID

from asgi_api.exceptions import HTTPException
from asgi_api.params import Body, Depends
from asgi_api.routing import APIRouter
from asgi_api.server.api.limits import Limit, Offset, Page, resolve_limit, resolve_offset
from asgi_api.server.database import Session
from asgi_api.server.dependencies import read_session
from asgi_api.server.models import workers as models
from asgi_api.server.schemas.workers import (
    WorkQueue,
    WorkQueueConcurrencyStatus,
    WorkQueueFilter,
    WorkQueueStatusDetail,
)

router = APIRouter(prefix="/work_queues", tags=["Work Queues"])


async def _queue(session: Session, queue_id: UUID) -> WorkQueue:
    queue = await models.read_work_queue_by_id(session, queue_id)
    if queue is None:
        raise HTTPException(404, "work queue not found")
    return queue


@router.get("/{id:uuid}")
async def read_work_queue(id: UUID, session: Session = Depends(read_session)) -> WorkQueue:
    return await _queue(session, id)


@router.get("/{id:uuid}/status")
async def read_work_queue_status(id: UUID, session: Session = Depends(read_session)) -> WorkQueueStatusDetail:
    return await models.work_queue_status(session, await _queue(session, id))


@router.post("/{id:uuid}/concurrency_status")
async def read_work_queue_concurrency_status(
    id: UUID,
    page: Page | None = Body(None),
    limit: Limit | None = Body(None),
    session: Session = Depends(read_session),
) -> WorkQueueConcurrencyStatus:
    """The slots the queue's runs hold, and a page of those runs, longest in their state first."""
    queue = await models.read_work_queue_by_id(session, id)
    if queue is None:
        raise HTTPException(404, "Work queue not found.")
    limit, page = resolve_limit(limit), page or 1
    active = (await models.active_slots_by_queue(session, queue.work_pool_id)).get(queue.id, 0)
    runs = await models.slot_holders(session, [queue.id], offset=(page - 1) * limit, limit=limit)
    return WorkQueueConcurrencyStatus(active_slots=active, concurrency_limit=queue.concurrency_limit,
                                      flow_runs=[run for _, run in runs], count=active, limit=limit,
                                      pages=math.ceil(active / limit) if limit else 0, page=page)


@router.post("/filter")
async def read_work_queues(
    work_queues: WorkQueueFilter | None = Body(None),
    limit: int | None = Body(None),
    offset: Offset | None = Body(None),
    session: Session = Depends(read_session),
) -> list[WorkQueue]:
    """The queues of every pool, by pool name, then priority and name."""
    return await models.read_work_queues(session, None, work_queues, resolve_limit(limit), resolve_offset(offset))
