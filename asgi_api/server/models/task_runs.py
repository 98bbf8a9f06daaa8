"""Task runs: upserted on `(flow_run_id, task_key, dynamic_key)` (or a client-chosen id), read
with their current state, filtered. State changes go through `asgi_api.server.models.orchestration`."""

from __future__ import annotations

import uuid

import msgspec
import sqlalchemy as sa

from asgi_api.server.database import Session, tables, utcnow
from asgi_api.server.models.filters import task_runs_where
from asgi_api.server.models.sorting import order_by
from asgi_api.server.models.states import TASK_RUNS, enter_initial_state, run_from_row, select_runs
from asgi_api.server.schemas.actions import TaskRunCreate
from asgi_api.server.schemas.core import TaskRun
from asgi_api.server.schemas.filters import FlowFilter, FlowRunFilter, TaskRunFilter
from asgi_api.server.schemas.names import generate_run_name
from asgi_api.server.schemas.sorting import TaskRunSort

_task_run = tables.task_run


async def create_task_run(session: Session, task_run: TaskRunCreate) -> tuple[TaskRun, bool]:
    """A new task run, or the existing one with the same `(flow_run_id, task_key, dynamic_key)` or
    the same client-chosen `id`; True if new. An unknown flow run is an integrity error (409)."""
    now, run_id = utcnow(), task_run.id or uuid.uuid4()
    values = {field: getattr(task_run, field) for field in task_run.__struct_fields__ if field != "state"}
    values.update(
        id=run_id, created=now, updated=now, name=task_run.name or generate_run_name(),
        empirical_policy=msgspec.to_builtins(task_run.empirical_policy),
        task_inputs=msgspec.to_builtins(task_run.task_inputs),
    )
    insert = session.insert(_task_run).values(**values).on_conflict_do_nothing()
    if await session.fetch_one(insert.returning(_task_run.c.id)) is None:
        same_key = ((_task_run.c.flow_run_id == task_run.flow_run_id) & (_task_run.c.task_key == task_run.task_key)
                    & (_task_run.c.dynamic_key == task_run.dynamic_key))
        existing = await _read_one(session, same_key if task_run.flow_run_id is not None else _task_run.c.id == run_id)
        if existing is None:  # the client's id was taken (a run recorded from events): that run
            existing = await _read_one(session, _task_run.c.id == run_id)
        assert existing is not None, "the conflicting task run exists in this transaction"
        return existing, False
    await enter_initial_state(session, TASK_RUNS, run_id, task_run.state)
    created = await read_task_run(session, run_id)
    assert created is not None
    return created, True


async def read_task_run(session: Session, task_run_id: uuid.UUID) -> TaskRun | None:
    return await _read_one(session, _task_run.c.id == task_run_id)


async def _read_one(session: Session, condition: sa.ColumnElement[bool]) -> TaskRun | None:
    row = await session.fetch_one(select_runs(TASK_RUNS).where(condition))
    return None if row is None else msgspec.convert(run_from_row(row), TaskRun)


async def read_task_runs(session: Session, flows: FlowFilter | None, flow_runs: FlowRunFilter | None,
                         task_runs: TaskRunFilter | None, sort: TaskRunSort, limit: int, offset: int) -> list[TaskRun]:
    query = (select_runs(TASK_RUNS).where(task_runs_where(session.dialect, flows, flow_runs, task_runs))
             .order_by(*order_by(_task_run, sort)).limit(limit).offset(offset))
    return [msgspec.convert(run_from_row(row), TaskRun) for row in await session.fetch_all(query)]


async def count_task_runs(session: Session, flows: FlowFilter | None, flow_runs: FlowRunFilter | None,
                          task_runs: TaskRunFilter | None) -> int:
    query = sa.select(sa.func.count()).select_from(_task_run).where(
        task_runs_where(session.dialect, flows, flow_runs, task_runs))
    return int(await session.fetch_val(query))
