"""Flows: upserted by name, read by id or name, listed through the flow/run/task-run filters."""

from __future__ import annotations

import uuid

import msgspec
import sqlalchemy as sa

from asgi_api.server.database import Session, tables, utcnow
from asgi_api.server.models.filters import flows_where
from asgi_api.server.models.sorting import order_by
from asgi_api.server.schemas.actions import FlowCreate, FlowUpdate
from asgi_api.server.schemas.core import Flow
from asgi_api.server.schemas.filters import FlowFilter, FlowRunFilter, TaskRunFilter
from asgi_api.server.schemas.sorting import FlowSort

_flow = tables.flow


async def create_flow(session: Session, flow: FlowCreate) -> tuple[Flow, bool]:
    """The flow named `flow.name`, created unless it exists (then left unchanged); True if created.

    Looked up first: clients upsert the same flow before every run, so it mostly exists, and one
    SELECT is cheaper than an INSERT that conflicts followed by the SELECT anyway."""
    existing = await read_flow_by_name(session, flow.name)
    if existing is not None:
        return existing, False
    now = utcnow()
    insert = session.insert(_flow).values(id=uuid.uuid4(), created=now, updated=now, name=flow.name,
                                          tags=flow.tags, labels=flow.labels)
    created = await session.fetch_one(insert.on_conflict_do_nothing(index_elements=["name"]).returning(_flow))
    if created is not None:
        return msgspec.convert(created, Flow), True
    existing = await read_flow_by_name(session, flow.name)
    assert existing is not None, "a flow that conflicted on its name exists in this transaction"
    return existing, False


async def read_flow(session: Session, flow_id: uuid.UUID) -> Flow | None:
    row = await session.fetch_one(sa.select(_flow).where(_flow.c.id == flow_id))
    return None if row is None else msgspec.convert(row, Flow)


async def read_flow_by_name(session: Session, name: str) -> Flow | None:
    row = await session.fetch_one(sa.select(_flow).where(_flow.c.name == name))
    return None if row is None else msgspec.convert(row, Flow)


async def update_flow(session: Session, flow_id: uuid.UUID, update: FlowUpdate) -> bool:
    """Write the fields the client sent; False if there is no such flow."""
    values = msgspec.to_builtins(update)  # UNSET fields are left out
    statement = sa.update(_flow).where(_flow.c.id == flow_id).values(**values, updated=utcnow())
    return await session.fetch_one(statement.returning(_flow.c.id)) is not None


async def delete_flow(session: Session, flow_id: uuid.UUID) -> bool:
    """Delete a flow with its runs (and their states and task runs, by cascade) and their logs."""
    runs = sa.select(tables.flow_run.c.id).where(tables.flow_run.c.flow_id == flow_id)
    await session.execute(sa.delete(tables.log).where(tables.log.c.flow_run_id.in_(runs)))
    deleted = await session.fetch_one(sa.delete(_flow).where(_flow.c.id == flow_id).returning(_flow.c.id))
    return deleted is not None


async def read_flows(session: Session, flows: FlowFilter | None, flow_runs: FlowRunFilter | None,
                     task_runs: TaskRunFilter | None, sort: FlowSort, limit: int, offset: int) -> list[Flow]:
    query = (sa.select(_flow).where(flows_where(session.dialect, flows, flow_runs, task_runs))
             .order_by(*order_by(_flow, sort)).limit(limit).offset(offset))
    return [msgspec.convert(row, Flow) for row in await session.fetch_all(query)]


async def count_flows(session: Session, flows: FlowFilter | None, flow_runs: FlowRunFilter | None,
                      task_runs: TaskRunFilter | None) -> int:
    query = sa.select(sa.func.count()).select_from(_flow).where(
        flows_where(session.dialect, flows, flow_runs, task_runs))
    return int(await session.fetch_val(query))
