"""Deployments: upserted by (flow, name), read with their schedules, and the runs made from them.

A deployment's `status` is READY while something polls `get_scheduled_flow_runs` for it (a
`serve` process every few seconds), so it is derived from `last_polled` on read rather than kept
by a background service. Changing a deployment's schedules drops the runs the scheduler made for
the old ones and has not started, as Prefect does.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import msgspec
import sqlalchemy as sa

from asgi_api.server.database import Session, tables, utcnow
from asgi_api.server.database.session import Row
from asgi_api.server.exceptions import ObjectNotFoundError
from asgi_api.server.models import flow_runs as flow_run_models
from asgi_api.server.models import workers as worker_models
from asgi_api.server.models.filters import combine, flow_condition, ids, like, names, tags, where
from asgi_api.server.models.sorting import order_by
from asgi_api.server.models.states import FLOW_RUNS, run_from_row, select_runs
from asgi_api.server.schemas.actions import FlowRunCreate
from asgi_api.server.schemas.core import FlowRun
from asgi_api.server.schemas.deployments import (
    Deployment,
    DeploymentCreate,
    DeploymentFlowRunCreate,
    DeploymentSchedule,
    DeploymentScheduleCreate,
    DeploymentScheduleUpdate,
    DeploymentSort,
    DeploymentStatus,
    DeploymentUpdate,
)
from asgi_api.server.schemas.filters import DeploymentFilter, FlowFilter, Operator
from asgi_api.server.schemas.schedules import parse_schedule
from asgi_api.server.schemas.states import StateCreate, StateDetails, StateType

__all__ = [
    "MAX_RUNS", "MAX_TIME", "MIN_RUNS", "MIN_TIME", "claim_for_scheduling", "count_deployments", "create_deployment",
    "create_flow_run", "create_schedules", "delete_deployment", "delete_schedule", "deployments_to_schedule",
    "read_deployment", "read_deployment_by_name", "read_deployments", "read_schedules", "schedule_runs",
    "scheduled_flow_runs", "set_paused", "update_deployment", "update_schedule",
]

POLL_TIMEOUT = timedelta(seconds=60)  # READY while polled at least this recently (Prefect's default)
# How far ahead runs are made, as Prefect's scheduler settings default: at least MIN_RUNS runs and
# MIN_TIME ahead, at most MAX_RUNS runs and MAX_TIME ahead.
MIN_RUNS, MAX_RUNS = 3, 100
MIN_TIME, MAX_TIME = timedelta(hours=1), timedelta(days=100)

_deployment = tables.deployment
_schedule = tables.deployment_schedule
_flow_run = tables.flow_run


# -- reading ----------------------------------------------------------------------------------


def _schedule_from_row(row: Row) -> DeploymentSchedule:
    return msgspec.convert({**row, "schedule": parse_schedule(row["schedule"])}, DeploymentSchedule)


async def read_schedules(session: Session, deployment_ids: list[uuid.UUID],
                         active_only: bool = False) -> list[DeploymentSchedule]:
    query = sa.select(_schedule).where(_schedule.c.deployment_id.in_(deployment_ids))
    if active_only:
        query = query.where(_schedule.c.active.is_(True))
    rows = await session.fetch_all(query.order_by(_schedule.c.created, _schedule.c.id))
    return [_schedule_from_row(row) for row in rows]


async def _with_schedules(session: Session, rows: list[Row]) -> list[Deployment]:
    schedules = await read_schedules(session, [row["id"] for row in rows]) if rows else []
    now = utcnow()
    deployments = []
    for row in rows:
        polled = row["last_polled"] is not None and now - row["last_polled"] < POLL_TIMEOUT
        status = DeploymentStatus.READY if polled and not row["paused"] else DeploymentStatus.NOT_READY
        own = [schedule for schedule in schedules if schedule.deployment_id == row["id"]]
        deployments.append(msgspec.convert({**row, "status": status, "schedules": own}, Deployment))
    return deployments


async def _read_where(session: Session, condition: sa.ColumnElement[bool]) -> Deployment | None:
    rows = await session.fetch_all(sa.select(_deployment).where(condition))
    found = await _with_schedules(session, rows)
    return found[0] if found else None


async def read_deployment(session: Session, deployment_id: uuid.UUID) -> Deployment | None:
    return await _read_where(session, _deployment.c.id == deployment_id)


async def read_deployment_by_name(session: Session, flow_name: str, name: str) -> Deployment | None:
    flow = sa.select(tables.flow.c.id).where(tables.flow.c.name == flow_name).scalar_subquery()
    return await _read_where(session, (_deployment.c.flow_id == flow) & (_deployment.c.name == name))


def deployment_condition(dialect: str, criterion: DeploymentFilter | None) -> sa.ColumnElement[bool] | None:
    if criterion is None:
        return None
    either_name = None
    if criterion.flow_or_deployment_name is not None and criterion.flow_or_deployment_name.like_ is not None:
        text = criterion.flow_or_deployment_name.like_
        flows = sa.select(tables.flow.c.id).where(where(like(tables.flow.c.name, text)))
        either_name = sa.or_(where(like(_deployment.c.name, text)), _deployment.c.flow_id.in_(flows))
    paused = criterion.paused
    queues = criterion.work_queue_name
    return combine(criterion.operator, [
        ids(_deployment.c.id, criterion.id),
        names(_deployment.c.name, criterion.name),
        either_name,
        None if paused is None or paused.eq_ is None else _deployment.c.paused.is_(paused.eq_),
        tags(dialect, _deployment.c.tags, criterion.tags),
        None if queues is None or queues.any_ is None else _deployment.c.work_queue_name.in_(queues.any_),
    ])


def _deployments_where(dialect: str, flows: FlowFilter | None,
                       deployments: DeploymentFilter | None) -> sa.ColumnElement[bool]:
    conditions = [deployment_condition(dialect, deployments)]
    if flows is not None:
        flow_ids = sa.select(tables.flow.c.id).where(where(flow_condition(dialect, flows)))
        conditions.append(_deployment.c.flow_id.in_(flow_ids))
    return where(combine(Operator.and_, conditions))


async def read_deployments(session: Session, flows: FlowFilter | None, deployments: DeploymentFilter | None,
                           sort: DeploymentSort, limit: int, offset: int) -> list[Deployment]:
    query = (sa.select(_deployment).where(_deployments_where(session.dialect, flows, deployments))
             .order_by(*order_by(_deployment, sort)).limit(limit).offset(offset))
    return await _with_schedules(session, await session.fetch_all(query))


async def count_deployments(session: Session, flows: FlowFilter | None, deployments: DeploymentFilter | None) -> int:
    query = sa.select(sa.func.count()).select_from(_deployment).where(
        _deployments_where(session.dialect, flows, deployments))
    return int(await session.fetch_val(query))


# -- writing ----------------------------------------------------------------------------------


def _columns(body: msgspec.Struct, *, leave_out: tuple[str, ...] = ()) -> dict[str, Any]:
    """The sent fields of a body as column values: UUIDs stay UUIDs, the rest becomes JSON data."""
    values = {}
    for name in body.__struct_fields__:
        value = getattr(body, name)
        if name not in leave_out and value is not msgspec.UNSET:
            values[name] = value if isinstance(value, uuid.UUID) else msgspec.to_builtins(value)
    return values


def _schedule_values(deployment_id: uuid.UUID, schedule: DeploymentScheduleCreate) -> dict[str, Any]:
    now = utcnow()
    return {"id": uuid.uuid4(), "created": now, "updated": now, "deployment_id": deployment_id,
            "schedule": msgspec.to_builtins(schedule.schedule), "active": schedule.active,
            "max_scheduled_runs": schedule.max_scheduled_runs, "parameters": schedule.parameters,
            "slug": schedule.slug}


async def _replace_schedules(session: Session, deployment_id: uuid.UUID,
                             schedules: list[DeploymentScheduleCreate]) -> None:
    await session.execute(sa.delete(_schedule).where(_schedule.c.deployment_id == deployment_id))
    await delete_scheduled_runs(session, deployment_id, auto_scheduled_only=True)
    if schedules:
        await session.execute_many(sa.insert(_schedule), [_schedule_values(deployment_id, s) for s in schedules])


async def delete_scheduled_runs(session: Session, deployment_id: uuid.UUID, auto_scheduled_only: bool) -> None:
    """Drop the deployment's runs that are still SCHEDULED (only the scheduler's, if asked)."""
    condition = (_flow_run.c.deployment_id == deployment_id) & (_flow_run.c.state_type == StateType.SCHEDULED.value)
    if auto_scheduled_only:
        condition &= _flow_run.c.auto_scheduled.is_(True)
    await session.execute(sa.delete(_flow_run).where(condition))


async def create_deployment(session: Session, body: DeploymentCreate) -> tuple[Deployment, bool]:
    """The deployment (flow, name) with `body`'s fields, created or overwritten; True if created.

    An unknown flow is an `ObjectNotFoundError`."""
    if await session.fetch_one(sa.select(tables.flow.c.id).where(tables.flow.c.id == body.flow_id)) is None:
        raise ObjectNotFoundError(f"Flow with id {body.flow_id} not found")
    fields = _columns(body, leave_out=("schedules",))
    fields["work_queue_name"] = body.work_queue_name or worker_models.DEFAULT_QUEUE
    if body.work_pool_name:
        fields.update(await _work_queue(session, body.work_pool_name, body.work_queue_name))
    now = utcnow()
    existing = await session.fetch_one(sa.select(_deployment.c.id).where(
        (_deployment.c.flow_id == body.flow_id) & (_deployment.c.name == body.name)).with_for_update())
    if existing is None:
        deployment_id = uuid.uuid4()
        await session.execute(sa.insert(_deployment).values(
            id=deployment_id, created=now, updated=now, **fields))
    else:
        deployment_id = existing["id"]
        await session.execute(sa.update(_deployment).where(_deployment.c.id == deployment_id).values(
            updated=now, **fields))
    await _replace_schedules(session, deployment_id, body.schedules)
    created = await read_deployment(session, deployment_id)
    assert created is not None
    return created, existing is None


async def _work_queue(session: Session, pool_name: str, queue_name: str | None) -> dict[str, Any]:
    """The queue columns of a deployment in this pool: the named queue (created if missing) or the
    pool's default one. An unknown pool is an `ObjectNotFoundError`."""
    found = await worker_models.resolve_work_queue(session, pool_name, queue_name, create=True)
    if found is None:
        raise ObjectNotFoundError(f'Work pool "{pool_name}" not found.')
    _, queue_id, name = found
    return {"work_queue_id": queue_id, "work_queue_name": name}


async def update_deployment(session: Session, deployment_id: uuid.UUID, update: DeploymentUpdate) -> bool:
    """Write the fields the client sent (sent `schedules` replace the old ones); False if none such.
    A sent pool or queue moves the deployment to that queue (the pool's default one if none is named)."""
    values = _columns(update, leave_out=("schedules",))
    pool = None if update.work_pool_name is msgspec.UNSET else update.work_pool_name
    queue = None if update.work_queue_name is msgspec.UNSET else update.work_queue_name
    if pool is None and queue:
        row = await session.fetch_one(sa.select(_deployment.c.work_pool_name).where(_deployment.c.id == deployment_id))
        pool = None if row is None else row["work_pool_name"]
    if pool:
        values.update(await _work_queue(session, pool, queue))
    statement = sa.update(_deployment).where(_deployment.c.id == deployment_id).values(**values, updated=utcnow())
    if await session.fetch_one(statement.returning(_deployment.c.id)) is None:
        return False
    if not isinstance(update.schedules, msgspec.UnsetType):
        await _replace_schedules(session, deployment_id, update.schedules)
    return True


async def set_paused(session: Session, deployment_id: uuid.UUID, paused: bool) -> bool:
    """Pause (no new scheduled runs; the unstarted ones are dropped) or resume; False if none such."""
    statement = sa.update(_deployment).where(_deployment.c.id == deployment_id).values(paused=paused,
                                                                                      updated=utcnow())
    if await session.fetch_one(statement.returning(_deployment.c.id)) is None:
        return False
    if paused:
        await delete_scheduled_runs(session, deployment_id, auto_scheduled_only=True)
    return True


async def delete_deployment(session: Session, deployment_id: uuid.UUID) -> bool:
    """Delete a deployment, its schedules (cascade) and its runs that have not started."""
    deleted = await session.fetch_one(
        sa.delete(_deployment).where(_deployment.c.id == deployment_id).returning(_deployment.c.id))
    if deleted is None:
        return False
    await delete_scheduled_runs(session, deployment_id, auto_scheduled_only=False)
    return True


# -- schedules ----------------------------------------------------------------------------------


async def _require(session: Session, deployment_id: uuid.UUID) -> Row:
    row = await session.fetch_one(sa.select(_deployment).where(_deployment.c.id == deployment_id))
    if row is None:
        raise ObjectNotFoundError("Deployment not found")
    return row


async def create_schedules(session: Session, deployment_id: uuid.UUID,
                           schedules: list[DeploymentScheduleCreate]) -> list[DeploymentSchedule]:
    await _require(session, deployment_id)
    rows = [_schedule_values(deployment_id, schedule) for schedule in schedules]
    if rows:
        await session.execute_many(sa.insert(_schedule), rows)
    return [_schedule_from_row(row) for row in rows]


async def update_schedule(session: Session, deployment_id: uuid.UUID, schedule_id: uuid.UUID,
                          update: DeploymentScheduleUpdate) -> bool:
    """Write the sent fields; the scheduler's unstarted runs of the deployment are made afresh."""
    values = _columns(update)
    statement = sa.update(_schedule).where(
        (_schedule.c.id == schedule_id) & (_schedule.c.deployment_id == deployment_id)).values(
        **values, updated=utcnow())
    if await session.fetch_one(statement.returning(_schedule.c.id)) is None:
        return False
    await delete_scheduled_runs(session, deployment_id, auto_scheduled_only=True)
    return True


async def delete_schedule(session: Session, deployment_id: uuid.UUID, schedule_id: uuid.UUID) -> bool:
    deleted = await session.fetch_one(sa.delete(_schedule).where(
        (_schedule.c.id == schedule_id) & (_schedule.c.deployment_id == deployment_id)).returning(_schedule.c.id))
    if deleted is None:
        return False
    await delete_scheduled_runs(session, deployment_id, auto_scheduled_only=True)
    return True


# -- runs ---------------------------------------------------------------------------------------


def _run_labels(deployment: Row | Deployment, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    get = deployment.__getitem__ if isinstance(deployment, dict) else deployment.__getattribute__
    return {**(get("labels") or {}), "prefect.deployment.id": str(get("id")), **(extra or {})}


async def create_flow_run(session: Session, deployment_id: uuid.UUID,
                          body: DeploymentFlowRunCreate) -> tuple[FlowRun, bool]:
    """A run of the deployment: its parameters under the sent ones, its tags plus the sent ones,
    SCHEDULED now unless a state is sent. The same idempotency key gives the same run."""
    deployment = await _require(session, deployment_id)
    run = FlowRunCreate(
        flow_id=deployment["flow_id"], name=body.name, parameters={**deployment["parameters"], **body.parameters},
        context=body.context, parent_task_run_id=body.parent_task_run_id,
        state=body.state or StateCreate(type=StateType.SCHEDULED), empirical_policy=body.empirical_policy,
        tags=sorted(set(deployment["tags"]) | set(body.tags)), idempotency_key=body.idempotency_key,
        work_queue_name=body.work_queue_name or deployment["work_queue_name"],
        work_pool_name=deployment["work_pool_name"], job_variables=body.job_variables, deployment_id=deployment_id,
        infrastructure_document_id=body.infrastructure_document_id or deployment["infrastructure_document_id"],
        labels=_run_labels(deployment, body.labels),
    )
    queue_id = deployment["work_queue_id"]
    if body.work_queue_name and deployment["work_pool_name"]:  # another queue of the deployment's pool
        queue_id = (await _work_queue(session, deployment["work_pool_name"], body.work_queue_name))["work_queue_id"]
    return await flow_run_models.create_flow_run(session, run, deployment_version=deployment["version"],
                                                 work_queue_id=queue_id)


async def scheduled_flow_runs(session: Session, deployment_ids: list[uuid.UUID], scheduled_before: datetime | None,
                              limit: int) -> list[FlowRun]:
    """The deployments' SCHEDULED runs due by `scheduled_before`, soonest first; polling marks the
    deployments READY (what `serve` does every few seconds)."""
    now = utcnow()
    await session.execute(sa.update(_deployment).where(_deployment.c.id.in_(deployment_ids)).values(
        last_polled=now, status=DeploymentStatus.READY.value))
    query = select_runs(FLOW_RUNS).where(
        _flow_run.c.deployment_id.in_(deployment_ids), _flow_run.c.state_type == StateType.SCHEDULED.value,
        _flow_run.c.next_scheduled_start_time <= (scheduled_before or now),
    ).order_by(_flow_run.c.next_scheduled_start_time.asc(), _flow_run.c.id).limit(limit)
    return [msgspec.convert(run_from_row(row), FlowRun) for row in await session.fetch_all(query)]


async def deployments_to_schedule(session: Session, now: datetime, limit: int) -> list[uuid.UUID]:
    """Deployments with an active schedule whose scheduler-made runs ahead of `now` are fewer than
    MIN_RUNS or end before `now + MIN_TIME`: the ones the scheduler has work for, oldest first."""
    ahead = sa.select(sa.func.count().label("runs"), sa.func.max(_flow_run.c.next_scheduled_start_time).label("last"),
                      _flow_run.c.deployment_id).where(
        _flow_run.c.auto_scheduled.is_(True), _flow_run.c.state_type == StateType.SCHEDULED.value,
        _flow_run.c.next_scheduled_start_time >= now).group_by(_flow_run.c.deployment_id).subquery()
    active = sa.select(_schedule.c.deployment_id).where(_schedule.c.active.is_(True))
    query = (sa.select(_deployment.c.id).outerjoin(ahead, ahead.c.deployment_id == _deployment.c.id)
             .where(_deployment.c.paused.is_(False), _deployment.c.id.in_(active),
                    sa.or_(ahead.c.runs.is_(None), ahead.c.runs < MIN_RUNS, ahead.c.last < now + MIN_TIME))
             .order_by(_deployment.c.updated, _deployment.c.id).limit(limit))
    return [row["id"] for row in await session.fetch_all(query)]


_SCHEDULER_LOCK = 0x73636864  # "schd": advisory lock class of the scheduler, one lock per deployment


async def claim_for_scheduling(session: Session, deployment_id: uuid.UUID) -> bool:
    """Whether this transaction may schedule the deployment: on PostgreSQL one process at a time
    (a transaction-scoped advisory lock, not waited for); SQLite admits one writer anyway. The
    runs' idempotency keys keep duplicates out even without it; the lock saves the work."""
    if session.dialect != "postgresql":
        return True
    key = sa.func.hashtext(sa.literal(str(deployment_id)))
    return bool(await session.fetch_val(sa.select(sa.func.pg_try_advisory_xact_lock(_SCHEDULER_LOCK, key))))


async def schedule_runs(session: Session, deployment_id: uuid.UUID, *, start: datetime, end: datetime,
                        min_time: timedelta, min_runs: int, max_runs: int) -> int:
    """Create the runs the deployment's active schedules want between `start` and `end`: at least
    `min_runs` and up to `start + min_time`, never more than `max_runs` (or a schedule's own
    `max_scheduled_runs`) per schedule. Idempotent: a run is keyed on (schedule, time), so calling
    it again, from any process, adds nothing. Returns how many runs are new."""
    deployment = await _require(session, deployment_id)
    if deployment["paused"]:
        return 0
    created = 0
    for schedule in await read_schedules(session, [deployment_id], active_only=True):
        limit = min(max_runs, schedule.max_scheduled_runs or max_runs)
        dates: list[datetime] = []
        for date in schedule.schedule.dates(start, end, limit):
            dates.append(date)
            if len(dates) >= min_runs and date >= start + min_time:
                break
        keys = {date: f"scheduled {deployment_id} {schedule.id} {date.isoformat()}" for date in dates}
        taken = {row["idempotency_key"] for row in await session.fetch_all(sa.select(_flow_run.c.idempotency_key).where(
            _flow_run.c.flow_id == deployment["flow_id"], _flow_run.c.idempotency_key.in_(list(keys.values()))))}
        for date in dates:
            if keys[date] in taken:
                continue
            run = FlowRunCreate(
                flow_id=deployment["flow_id"], parameters={**deployment["parameters"], **schedule.parameters},
                state=StateCreate(type=StateType.SCHEDULED, message="Flow run scheduled",
                                  state_details=StateDetails(scheduled_time=date)),
                tags=["auto-scheduled", *deployment["tags"]], deployment_id=deployment_id,
                idempotency_key=keys[date],
                work_queue_name=deployment["work_queue_name"], work_pool_name=deployment["work_pool_name"],
                labels=_run_labels(deployment),
                infrastructure_document_id=deployment["infrastructure_document_id"],
            )
            _, new = await flow_run_models.create_flow_run(
                session, run, deployment_version=deployment["version"], work_queue_id=deployment["work_queue_id"],
                auto_scheduled=True, created_by={"id": str(schedule.id), "type": "SCHEDULE",
                                                 "display_value": schedule.slug})
            created += new
    return created
