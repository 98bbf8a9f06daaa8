"""Work pools, their queues and workers, and the scheduled runs a pool's workers pick up.

Statuses are derived when read, so no background service has to keep them: a worker is ONLINE
while its last heartbeat is younger than INACTIVITY_HEARTBEAT_MULTIPLE of its interval, a pool
READY while one of its workers is ONLINE, a queue READY while it was polled within POLL_TIMEOUT;
pools and queues that are paused are PAUSED.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import msgspec
import sqlalchemy as sa

from asgi_api.server.database import Session, tables, utcnow
from asgi_api.server.database.session import Row
from asgi_api.server.models.filters import combine, ids, where
from asgi_api.server.models.states import FLOW_RUNS, run_from_row, select_runs
from asgi_api.server.schemas.core import FlowRun
from asgi_api.server.schemas.filters import Operator
from asgi_api.server.schemas.states import StateType
from asgi_api.server.schemas.workers import (
    DEFAULT_HEARTBEAT_INTERVAL,
    INACTIVITY_HEARTBEAT_MULTIPLE,
    FlowRunSlotSummary,
    Worker,
    WorkerFilter,
    WorkerFlowRunResponse,
    WorkerStatus,
    WorkPool,
    WorkPoolCreate,
    WorkPoolFilter,
    WorkPoolStatus,
    WorkPoolUpdate,
    WorkQueue,
    WorkQueueCreate,
    WorkQueueFilter,
    WorkQueueHealthPolicy,
    WorkQueueStatus,
    WorkQueueStatusDetail,
    WorkQueueUpdate,
)

__all__ = [
    "DEFAULT_QUEUE", "active_slots_by_queue", "count_work_pools", "count_work_queues", "create_work_pool",
    "create_work_queue", "delete_work_pool", "delete_work_queue", "delete_worker", "heartbeat", "read_work_pool",
    "read_work_pools", "read_work_queue", "read_work_queue_by_id", "read_work_queues", "read_workers",
    "resolve_work_queue", "scheduled_flow_runs", "slot_holders", "update_work_pool", "update_work_queue",
    "work_queue_status",
]

DEFAULT_QUEUE = "default"
POLL_TIMEOUT = timedelta(seconds=60)  # a queue is READY while polled at least this recently
_ACTIVE = [StateType.PENDING.value, StateType.RUNNING.value, StateType.CANCELLING.value]  # hold a slot

_pool = tables.work_pool
_queue = tables.work_queue
_worker = tables.worker
_flow_run = tables.flow_run


def _sent(body: msgspec.Struct) -> dict[str, Any]:
    return {name: msgspec.to_builtins(getattr(body, name)) for name in body.__struct_fields__
            if getattr(body, name) is not msgspec.UNSET}


def _worker_status(row: Row, now: datetime) -> WorkerStatus:
    interval = row["heartbeat_interval_seconds"] or DEFAULT_HEARTBEAT_INTERVAL
    recent = now - row["last_heartbeat_time"] < timedelta(seconds=interval * INACTIVITY_HEARTBEAT_MULTIPLE)
    return WorkerStatus.ONLINE if recent else WorkerStatus.OFFLINE


# -- pools --------------------------------------------------------------------------------------


async def _pools(session: Session, query: sa.Select[Any]) -> list[WorkPool]:
    rows = await session.fetch_all(query)
    if not rows:
        return []
    now = utcnow()
    workers = await session.fetch_all(sa.select(_worker).where(_worker.c.work_pool_id.in_([row["id"] for row in rows])))
    ready = {worker["work_pool_id"] for worker in workers if _worker_status(worker, now) is WorkerStatus.ONLINE}
    pools = []
    for row in rows:
        status = (WorkPoolStatus.PAUSED if row["is_paused"] else
                  WorkPoolStatus.READY if row["id"] in ready else WorkPoolStatus.NOT_READY)
        slots = None if row["concurrency_limit"] is None else await _active_runs(
            session, _queue.c.work_pool_id == row["id"])
        pools.append(msgspec.convert({**row, "status": status, "active_slots": slots}, WorkPool))
    return pools


async def read_work_pool(session: Session, name: str) -> WorkPool | None:
    found = await _pools(session, sa.select(_pool).where(_pool.c.name == name))
    return found[0] if found else None


def _pools_where(criterion: WorkPoolFilter | None) -> sa.ColumnElement[bool]:
    if criterion is None:
        return sa.true()
    return where(combine(Operator.and_, [
        ids(_pool.c.id, criterion.id),
        None if criterion.name is None or criterion.name.any_ is None else _pool.c.name.in_(criterion.name.any_),
        None if criterion.type is None or criterion.type.any_ is None else _pool.c.type.in_(criterion.type.any_),
    ]))


async def read_work_pools(session: Session, criterion: WorkPoolFilter | None, limit: int,
                          offset: int) -> list[WorkPool]:
    query = sa.select(_pool).where(_pools_where(criterion)).order_by(_pool.c.name).limit(limit).offset(offset)
    return await _pools(session, query)


async def count_work_pools(session: Session, criterion: WorkPoolFilter | None) -> int:
    return int(await session.fetch_val(sa.select(sa.func.count()).select_from(_pool).where(_pools_where(criterion))))


async def create_work_pool(session: Session, body: WorkPoolCreate) -> WorkPool | None:
    """The new pool with its "default" queue, or None when the name is taken."""
    now = utcnow()
    pool_id, queue_id = uuid.uuid4(), uuid.uuid4()
    values = {**_sent(body), "id": pool_id, "created": now, "updated": now, "default_queue_id": queue_id}
    inserted = await session.fetch_one(session.insert(_pool).values(values)
                                       .on_conflict_do_nothing(index_elements=["name"]).returning(_pool.c.id))
    if inserted is None:
        return None
    await session.execute(sa.insert(_queue).values(
        id=queue_id, created=now, updated=now, work_pool_id=pool_id, name=DEFAULT_QUEUE,
        description="The work pool's default queue.", is_paused=False, priority=1))
    return await read_work_pool(session, body.name)


async def update_work_pool(session: Session, name: str, body: WorkPoolUpdate) -> bool:
    """Write the sent fields (a null `is_paused` or template leaves it as it is); False if none such."""
    values = {key: value for key, value in _sent(body).items()
              if value is not None or key in ("description", "concurrency_limit")}
    statement = sa.update(_pool).where(_pool.c.name == name).values(**values, updated=utcnow())
    return await session.fetch_one(statement.returning(_pool.c.id)) is not None


async def delete_work_pool(session: Session, name: str) -> bool:
    """Delete the pool with its queues and workers (cascade); False if none such."""
    return await session.fetch_one(sa.delete(_pool).where(_pool.c.name == name).returning(_pool.c.id)) is not None


# -- queues -------------------------------------------------------------------------------------


async def _active_runs(session: Session, queues: sa.ColumnElement[bool]) -> int:
    """How many runs of the matching queues hold a slot (Pending, Running, Cancelling)."""
    query = (sa.select(sa.func.count()).select_from(_flow_run.join(_queue, _queue.c.id == _flow_run.c.work_queue_id))
             .where(queues, _flow_run.c.state_type.in_(_ACTIVE)))
    return int(await session.fetch_val(query))


async def _queues(session: Session, query: sa.Select[Any]) -> list[WorkQueue]:
    now = utcnow()
    queues = []
    for row in await session.fetch_all(query):
        polled = row["last_polled"] is not None and now - row["last_polled"] < POLL_TIMEOUT
        status = (WorkQueueStatus.PAUSED if row["is_paused"] else
                  WorkQueueStatus.READY if polled else WorkQueueStatus.NOT_READY)
        slots = None if row["concurrency_limit"] is None else await _active_runs(session, _queue.c.id == row["id"])
        queues.append(msgspec.convert({**row, "status": status, "active_slots": slots}, WorkQueue))
    return queues


def _select_queues() -> sa.Select[Any]:
    return sa.select(_queue, _pool.c.name.label("work_pool_name")).join(_pool, _pool.c.id == _queue.c.work_pool_id)


async def read_work_queue(session: Session, pool_name: str, name: str) -> WorkQueue | None:
    found = await _queues(session, _select_queues().where(_pool.c.name == pool_name, _queue.c.name == name))
    return found[0] if found else None


async def read_work_queue_by_id(session: Session, queue_id: uuid.UUID) -> WorkQueue | None:
    found = await _queues(session, _select_queues().where(_queue.c.id == queue_id))
    return found[0] if found else None


async def work_queue_status(session: Session, queue: WorkQueue) -> WorkQueueStatusDetail:
    """Healthy while the queue has no Late run and was polled within the policy's seconds."""
    policy = WorkQueueHealthPolicy()
    late = int(await session.fetch_val(sa.select(sa.func.count()).select_from(_flow_run).where(
        _flow_run.c.work_queue_id == queue.id, _flow_run.c.state_name == "Late")))
    polled = queue.last_polled is not None and (utcnow() - queue.last_polled).total_seconds() <= int(
        policy.maximum_seconds_since_last_polled or 0)
    return WorkQueueStatusDetail(healthy=polled and late <= int(policy.maximum_late_runs or 0),
                                 late_runs_count=late, last_polled=queue.last_polled, health_check_policy=policy)


async def read_work_queues(session: Session, pool_id: uuid.UUID | None, criterion: WorkQueueFilter | None,
                           limit: int, offset: int) -> list[WorkQueue]:
    """The queues of one pool (or of all pools when `pool_id` is None), by priority then name."""
    conditions: list[sa.ColumnElement[bool] | None] = [None if pool_id is None else _queue.c.work_pool_id == pool_id]
    if criterion is not None:
        conditions.append(ids(_queue.c.id, criterion.id))
        names = criterion.name
        if names is not None and names.any_ is not None:
            conditions.append(_queue.c.name.in_(names.any_))
        if names is not None and names.startswith_ is not None:
            conditions.append(sa.or_(*[_queue.c.name.startswith(prefix, autoescape=True)
                                       for prefix in names.startswith_]))
    query = (_select_queues().where(where(combine(Operator.and_, conditions)))
             .order_by(_pool.c.name, _queue.c.priority, _queue.c.name).limit(limit).offset(offset))
    return await _queues(session, query)


async def create_work_queue(session: Session, pool_id: uuid.UUID, body: WorkQueueCreate) -> bool:
    """Add a queue to the pool, after its others unless a priority is sent; False if the name is taken."""
    priority = body.priority or 1 + int(await session.fetch_val(
        sa.select(sa.func.coalesce(sa.func.max(_queue.c.priority), 0)).where(_queue.c.work_pool_id == pool_id)))
    now = utcnow()
    values = {**_sent(body), "priority": priority, "id": uuid.uuid4(), "created": now, "updated": now,
              "work_pool_id": pool_id}
    statement = (session.insert(_queue).values(values)
                 .on_conflict_do_nothing(index_elements=["work_pool_id", "name"]).returning(_queue.c.id))
    return await session.fetch_one(statement) is not None


async def update_work_queue(session: Session, queue_id: uuid.UUID, body: WorkQueueUpdate) -> None:
    await session.execute(sa.update(_queue).where(_queue.c.id == queue_id).values(**_sent(body), updated=utcnow()))


async def delete_work_queue(session: Session, queue_id: uuid.UUID) -> None:
    await session.execute(sa.delete(_queue).where(_queue.c.id == queue_id))


async def resolve_work_queue(session: Session, pool_name: str, queue_name: str | None,
                             create: bool) -> tuple[uuid.UUID, uuid.UUID, str] | None:
    """(pool id, queue id, queue name) for a deployment naming this pool and queue (the pool's
    default queue when no queue is named; a missing queue is created when `create`); None for an
    unknown pool or, without `create`, an unknown queue."""
    pool = await session.fetch_one(sa.select(_pool.c.id, _pool.c.default_queue_id).where(_pool.c.name == pool_name))
    if pool is None:
        return None
    condition = _queue.c.id == pool["default_queue_id"] if not queue_name else _queue.c.name == queue_name
    queue = await session.fetch_one(sa.select(_queue.c.id, _queue.c.name).where(
        _queue.c.work_pool_id == pool["id"], condition))
    if queue is None and queue_name and create:
        await create_work_queue(session, pool["id"], WorkQueueCreate(name=queue_name))
        queue = await session.fetch_one(sa.select(_queue.c.id, _queue.c.name).where(
            _queue.c.work_pool_id == pool["id"], _queue.c.name == queue_name))
    return None if queue is None else (pool["id"], queue["id"], queue["name"])


async def slot_holders(session: Session, queue_ids: list[uuid.UUID], *, per_queue: int | None = None,
                       offset: int = 0, limit: int | None = None) -> list[tuple[uuid.UUID, FlowRunSlotSummary]]:
    """(queue id, run) for the runs holding a slot in these queues, longest in their state first:
    at most `per_queue` of each queue, or a page (`offset`, `limit`) of them all."""
    if not queue_ids:
        return []
    state = tables.flow_run_state
    columns = [*(_flow_run.c[name] for name in ("id", "name", "state_type", "state_name", "start_time",
                                                "work_queue_id")), state.c.timestamp.label("state_timestamp")]
    query = (sa.select(*columns).select_from(_flow_run.outerjoin(state, state.c.id == _flow_run.c.state_id))
             .where(_flow_run.c.work_queue_id.in_(queue_ids), _flow_run.c.state_type.in_(_ACTIVE)))
    if per_queue is not None:
        ranked = query.add_columns(sa.func.row_number().over(
            partition_by=_flow_run.c.work_queue_id, order_by=(state.c.timestamp, _flow_run.c.id)
        ).label("rank")).subquery()
        query = sa.select(*[ranked.c[column.name] for column in columns]).where(ranked.c.rank <= per_queue)
        query = query.order_by(ranked.c.state_timestamp, ranked.c.id)
    else:
        query = query.order_by(state.c.timestamp, _flow_run.c.id).offset(offset).limit(limit)
    now = utcnow()
    return [(row["work_queue_id"], FlowRunSlotSummary(
        id=row["id"], name=row["name"], state_type=row["state_type"], state_name=row["state_name"],
        start_time=row["start_time"], state_timestamp=row["state_timestamp"],
        time_in_current_state=None if row["state_timestamp"] is None else now - row["state_timestamp"]))
        for row in await session.fetch_all(query)]


async def count_work_queues(session: Session, pool_id: uuid.UUID) -> int:
    return int(await session.fetch_val(sa.select(sa.func.count()).select_from(_queue)
                                       .where(_queue.c.work_pool_id == pool_id)))


async def active_slots_by_queue(session: Session, pool_id: uuid.UUID) -> dict[uuid.UUID, int]:
    """How many runs hold a slot in each queue of the pool (a queue left out: none)."""
    query = (sa.select(_flow_run.c.work_queue_id, sa.func.count().label("slots"))
             .select_from(_flow_run.join(_queue, _queue.c.id == _flow_run.c.work_queue_id))
             .where(_queue.c.work_pool_id == pool_id, _flow_run.c.state_type.in_(_ACTIVE))
             .group_by(_flow_run.c.work_queue_id))
    return {row["work_queue_id"]: int(row["slots"]) for row in await session.fetch_all(query)}


# -- workers ------------------------------------------------------------------------------------


async def heartbeat(session: Session, pool_id: uuid.UUID, name: str, interval: int | None) -> None:
    """Record that the worker is alive (created on its first heartbeat)."""
    now = utcnow()
    values = {"id": uuid.uuid4(), "created": now, "updated": now, "work_pool_id": pool_id, "name": name,
              "last_heartbeat_time": now, "heartbeat_interval_seconds": interval}
    await session.execute(session.insert(_worker).values(values).on_conflict_do_update(
        index_elements=["work_pool_id", "name"],
        set_={"last_heartbeat_time": now, "updated": now, "heartbeat_interval_seconds": interval}))


async def delete_worker(session: Session, pool_id: uuid.UUID, name: str) -> bool:
    statement = sa.delete(_worker).where(_worker.c.work_pool_id == pool_id, _worker.c.name == name)
    return await session.fetch_one(statement.returning(_worker.c.id)) is not None


async def read_workers(session: Session, pool_id: uuid.UUID, criterion: WorkerFilter | None,
                       limit: int, offset: int) -> list[Worker]:
    """The pool's workers, latest heartbeat first; a status filter is applied to the derived status."""
    now = utcnow()
    rows = await session.fetch_all(sa.select(_worker).where(_worker.c.work_pool_id == pool_id)
                                   .order_by(_worker.c.last_heartbeat_time.desc(), _worker.c.name))
    workers = [msgspec.convert({**row, "status": _worker_status(row, now)}, Worker) for row in rows]
    statuses = None if criterion is None else criterion.status
    if statuses is not None and statuses.any_ is not None:
        workers = [worker for worker in workers if worker.status in statuses.any_]
    if statuses is not None and statuses.not_any_ is not None:
        workers = [worker for worker in workers if worker.status not in statuses.not_any_]
    return workers[offset:offset + limit]


# -- runs ---------------------------------------------------------------------------------------


async def _room(session: Session, limit: int, concurrency_limit: int | None,
                queues: sa.ColumnElement[bool]) -> int:
    """How many runs may start in the matching queues: `limit`, less when a concurrency limit binds."""
    if concurrency_limit is None:
        return limit
    return min(limit, max(0, concurrency_limit - await _active_runs(session, queues)))


async def scheduled_flow_runs(session: Session, pool: WorkPool, queue_ids: list[uuid.UUID] | None,
                              scheduled_before: datetime | None, scheduled_after: datetime | None,
                              limit: int) -> list[WorkerFlowRunResponse]:
    """The SCHEDULED runs due in the pool's queues (all, or `queue_ids`), soonest first; none from a
    paused pool or queue, and no more per queue (and pool) than its concurrency limit leaves free.
    Polling marks the queues, and the deployments that use them, as polled now."""
    now = utcnow()
    condition = _queue.c.work_pool_id == pool.id
    if queue_ids is not None:
        condition &= _queue.c.id.in_(queue_ids)
    queues = await session.fetch_all(sa.select(_queue).where(condition))
    polled = [queue["id"] for queue in queues]
    if polled:
        await session.execute(sa.update(_queue).where(_queue.c.id.in_(polled)).values(last_polled=now))
        await session.execute(sa.update(tables.deployment).where(tables.deployment.c.work_queue_id.in_(polled))
                              .values(last_polled=now, status="READY"))
    if pool.is_paused:
        return []
    limit = await _room(session, limit, pool.concurrency_limit, _queue.c.work_pool_id == pool.id)
    found: list[WorkerFlowRunResponse] = []
    for queue in queues:
        room = 0 if queue["is_paused"] else await _room(session, limit, queue["concurrency_limit"],
                                                        _queue.c.id == queue["id"])
        if room == 0:
            continue
        query = select_runs(FLOW_RUNS).where(
            _flow_run.c.work_queue_id == queue["id"], _flow_run.c.state_type == StateType.SCHEDULED.value,
            _flow_run.c.next_scheduled_start_time <= (scheduled_before or now))
        if scheduled_after is not None:
            query = query.where(_flow_run.c.next_scheduled_start_time >= scheduled_after)
        rows = await session.fetch_all(
            query.order_by(_flow_run.c.next_scheduled_start_time, _flow_run.c.id).limit(room))
        found += [WorkerFlowRunResponse(work_pool_id=pool.id, work_queue_id=queue["id"],
                                        flow_run=msgspec.convert(run_from_row(row), FlowRun)) for row in rows]
    found.sort(key=lambda item: (item.flow_run.next_scheduled_start_time or now, str(item.flow_run.id)))
    return found[:limit]
