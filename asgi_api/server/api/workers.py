"""`/work_pools`: pools, their queues and workers, as `prefect work-pool`, `prefect work-queue` and
`prefect worker start` use them; a worker heartbeats and polls `get_scheduled_flow_runs`."""

from __future__ import annotations

import math
from typing import Annotated
from uuid import UUID

import msgspec

from asgi_api.exceptions import HTTPException
from asgi_api.params import Body, Depends
from asgi_api.routing import APIRouter
from asgi_api.server.api.limits import MAX_LIMIT, Limit, Offset, Page, resolve_limit, resolve_offset
from asgi_api.server.database import Session
from asgi_api.server.dependencies import read_session, write_session
from asgi_api.server.models import workers as models
from asgi_api.server.schemas.fields import DateTime, NonNegativeInt
from asgi_api.server.schemas.workers import (
    Worker,
    WorkerFilter,
    WorkerFlowRunResponse,
    WorkPool,
    WorkPoolConcurrencyStatus,
    WorkPoolCreate,
    WorkPoolFilter,
    WorkPoolUpdate,
    WorkQueue,
    WorkQueueConcurrencyStatusDetail,
    WorkQueueCreate,
    WorkQueueFilter,
    WorkQueueUpdate,
)

router = APIRouter(prefix="/work_pools", tags=["Work Pools"])


def _no_pool(name: str) -> HTTPException:
    return HTTPException(404, f'Work pool "{name}" not found.')


async def _pool(session: Session, name: str) -> WorkPool:
    pool = await models.read_work_pool(session, name)
    if pool is None:
        raise _no_pool(name)
    return pool


async def _queue(session: Session, pool_name: str, name: str) -> WorkQueue:
    await _pool(session, pool_name)
    queue = await models.read_work_queue(session, pool_name, name)
    if queue is None:
        raise HTTPException(404, f"Work pool queue '{pool_name}/{name}' not found.")
    return queue


def _not_reserved(name: str) -> None:
    if name.lower().startswith("prefect"):
        raise HTTPException(403, "Work pools starting with 'Prefect' are reserved for internal use.")


# -- pools --------------------------------------------------------------------------------------


@router.post("/", status_code=201)
async def create_work_pool(work_pool: WorkPoolCreate, session: Session = Depends(write_session)) -> WorkPool:
    """A new pool with its "default" queue; 409 when the name is taken, 403 for a reserved name."""
    _not_reserved(work_pool.name)
    created = await models.create_work_pool(session, work_pool)
    if created is None:
        raise HTTPException(409, "A work pool with this name already exists.")
    return created


@router.get("/{name}")
async def read_work_pool(name: str, session: Session = Depends(read_session)) -> WorkPool:
    return await _pool(session, name)


@router.post("/filter")
async def read_work_pools(
    work_pools: WorkPoolFilter | None = Body(None),
    limit: Limit | None = Body(None),
    offset: Offset | None = Body(None),
    session: Session = Depends(read_session),
) -> list[WorkPool]:
    return await models.read_work_pools(session, work_pools, resolve_limit(limit), resolve_offset(offset))


@router.post("/count")
async def count_work_pools(work_pools: WorkPoolFilter | None = Body(None, embed=True),
                           session: Session = Depends(read_session)) -> int:
    return await models.count_work_pools(session, work_pools)


@router.patch("/{name}", status_code=204)
async def update_work_pool(name: str, work_pool: WorkPoolUpdate, session: Session = Depends(write_session)) -> None:
    if not await models.update_work_pool(session, name, work_pool):
        raise _no_pool(name)


@router.delete("/{name}", status_code=204)
async def delete_work_pool(name: str, session: Session = Depends(write_session)) -> None:
    if not await models.delete_work_pool(session, name):
        raise _no_pool(name)


@router.post("/{name}/get_scheduled_flow_runs")
async def get_scheduled_flow_runs(
    name: str,
    work_queue_names: list[str] | None = Body(None),
    scheduled_before: DateTime | None = Body(None),
    scheduled_after: DateTime | None = Body(None),
    limit: Limit | None = Body(None),
    session: Session = Depends(write_session),
) -> list[WorkerFlowRunResponse]:
    """The due runs of the pool's queues (or of the named ones) for a worker, soonest first."""
    pool = await _pool(session, name)
    queue_ids: list[UUID] | None = None
    if work_queue_names:
        queue_ids = [(await _queue(session, name, queue)).id for queue in work_queue_names]
    return await models.scheduled_flow_runs(session, pool, queue_ids, scheduled_before, scheduled_after,
                                            resolve_limit(limit))


@router.post("/{name}/concurrency_status")
async def read_work_pool_concurrency_status(
    name: str,
    page: Page | None = Body(None),
    limit: Limit | None = Body(None),
    flow_run_limit: Annotated[int, msgspec.Meta(ge=0, le=MAX_LIMIT)] = Body(10),
    session: Session = Depends(read_session),
) -> WorkPoolConcurrencyStatus:
    """The slots the pool's runs hold, and per queue (a page of queues) its slots and at most
    `flow_run_limit` of the runs holding them, longest in their state first."""
    pool = await models.read_work_pool(session, name)
    if pool is None:
        raise HTTPException(404, f"Work pool {name!r} not found.")
    limit, page = resolve_limit(limit), page or 1
    queues = await models.read_work_queues(session, pool.id, None, limit, (page - 1) * limit)
    count = await models.count_work_queues(session, pool.id)
    active = await models.active_slots_by_queue(session, pool.id)
    holders = await models.slot_holders(session, [queue.id for queue in queues], per_queue=flow_run_limit)
    details = [WorkQueueConcurrencyStatusDetail(
        queue_id=queue.id, queue_name=queue.name, active_slots=active.get(queue.id, 0),
        concurrency_limit=queue.concurrency_limit, flow_run_count=active.get(queue.id, 0),
        flow_runs=[run for queue_id, run in holders if queue_id == queue.id]) for queue in queues]
    return WorkPoolConcurrencyStatus(active_slots=sum(active.values()), concurrency_limit=pool.concurrency_limit,
                                     queues=details, count=count, limit=limit,
                                     pages=math.ceil(count / limit) if limit else 0, page=page)


# -- queues -------------------------------------------------------------------------------------


@router.post("/{work_pool_name}/queues", status_code=201)
async def create_work_queue(work_pool_name: str, work_queue: WorkQueueCreate,
                            session: Session = Depends(write_session)) -> WorkQueue:
    pool = await _pool(session, work_pool_name)
    if not await models.create_work_queue(session, pool.id, work_queue):
        raise HTTPException(409, f"A work queue with this name already exists in work pool {work_pool_name!r}.")
    return await _queue(session, work_pool_name, work_queue.name)


@router.get("/{work_pool_name}/queues/{name}")
async def read_work_queue(work_pool_name: str, name: str, session: Session = Depends(read_session)) -> WorkQueue:
    return await _queue(session, work_pool_name, name)


@router.post("/{work_pool_name}/queues/filter")
async def read_work_queues(
    work_pool_name: str,
    work_queues: WorkQueueFilter | None = Body(None),
    limit: Limit | None = Body(None),
    offset: Offset | None = Body(None),
    session: Session = Depends(read_session),
) -> list[WorkQueue]:
    pool = await _pool(session, work_pool_name)
    return await models.read_work_queues(session, pool.id, work_queues, resolve_limit(limit), resolve_offset(offset))


@router.patch("/{work_pool_name}/queues/{name}", status_code=204)
async def update_work_queue(work_pool_name: str, name: str, work_queue: WorkQueueUpdate,
                            session: Session = Depends(write_session)) -> None:
    queue = await _queue(session, work_pool_name, name)
    if isinstance(work_queue.name, str) and work_queue.name != name and await models.read_work_queue(
            session, work_pool_name, work_queue.name) is not None:
        raise HTTPException(409, f"A work queue with this name already exists in work pool {work_pool_name!r}.")
    await models.update_work_queue(session, queue.id, work_queue)


@router.delete("/{work_pool_name}/queues/{name}", status_code=204)
async def delete_work_queue(work_pool_name: str, name: str, session: Session = Depends(write_session)) -> None:
    pool = await _pool(session, work_pool_name)
    queue = await _queue(session, work_pool_name, name)
    if queue.id == pool.default_queue_id:
        raise HTTPException(400, "Can't delete a pool's default queue.")
    await models.delete_work_queue(session, queue.id)


# -- workers ------------------------------------------------------------------------------------


@router.post("/{work_pool_name}/workers/heartbeat", status_code=204)
async def worker_heartbeat(
    work_pool_name: str,
    name: str = Body(..., embed=True),
    heartbeat_interval_seconds: NonNegativeInt | None = Body(None, embed=True),
    session: Session = Depends(write_session),
) -> None:
    pool = await _pool(session, work_pool_name)
    await models.heartbeat(session, pool.id, name, heartbeat_interval_seconds)


@router.post("/{work_pool_name}/workers/filter")
async def read_workers(
    work_pool_name: str,
    workers: WorkerFilter | None = Body(None),
    limit: Limit | None = Body(None),
    offset: Offset | None = Body(None),
    session: Session = Depends(read_session),
) -> list[Worker]:
    pool = await _pool(session, work_pool_name)
    return await models.read_workers(session, pool.id, workers, resolve_limit(limit), resolve_offset(offset))


@router.delete("/{work_pool_name}/workers/{name}", status_code=204)
async def delete_worker(work_pool_name: str, name: str, session: Session = Depends(write_session)) -> None:
    pool = await _pool(session, work_pool_name)
    if not await models.delete_worker(session, pool.id, name):
        raise HTTPException(404, "Worker not found.")
