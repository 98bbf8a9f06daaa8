"""Flow runs: created once per idempotency key, read with their current state, filtered, deleted.

State changes go through `asgi_api.server.models.orchestration`; a new run's first state is stored in
the same transaction as the run, so a run is never seen without one.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import msgspec
import sqlalchemy as sa

from asgi_api.server.database import Session, tables, utcnow
from asgi_api.server.exceptions import ObjectNotFoundError
from asgi_api.server.models.filters import flow_runs_where
from asgi_api.server.models.flow_run_inputs import create_input
from asgi_api.server.models.orchestration import SetStateResult, set_flow_run_state
from asgi_api.server.models.sorting import flow_run_order_by
from asgi_api.server.models.states import FLOW_RUNS, enter_initial_state, run_from_row, select_runs
from asgi_api.server.schemas.actions import FlowRunCreate, FlowRunUpdate
from asgi_api.server.schemas.core import FlowRun
from asgi_api.server.schemas.filters import FlowFilter, FlowRunFilter, TaskRunFilter
from asgi_api.server.schemas.names import generate_run_name
from asgi_api.server.schemas.orchestration import AbortDetails, OrchestrationResult, SetStateStatus
from asgi_api.server.schemas.sorting import FlowRunSort
from asgi_api.server.schemas.states import StateCreate, StateDetails, StateType

_flow_run = tables.flow_run


async def create_flow_run(session: Session, flow_run: FlowRunCreate, **columns: Any) -> tuple[FlowRun, bool]:
    """A new run of `flow_run.flow_id`, or the existing one with the same idempotency key; True if new.

    Labels: the flow's, then `prefect.flow.id`, then the run's own. An unknown flow is an
    `ObjectNotFoundError`. `columns` are what the server sets and clients cannot send (a run made
    from a deployment gets `deployment_version`, `auto_scheduled`, `created_by`...).
    """
    flow = tables.flow.c
    flow_labels = await session.fetch_one(sa.select(flow.labels).where(flow.id == flow_run.flow_id))
    if flow_labels is None:
        raise ObjectNotFoundError(f"Flow with id {flow_run.flow_id} not found")
    now, run_id = utcnow(), uuid.uuid4()
    values = {field: getattr(flow_run, field) for field in flow_run.__struct_fields__ if field != "state"}
    values.update(
        id=run_id, created=now, updated=now, name=flow_run.name or generate_run_name(),
        empirical_policy=msgspec.to_builtins(flow_run.empirical_policy), job_variables=flow_run.job_variables or {},
        labels={**(flow_labels["labels"] or {}), "prefect.flow.id": str(flow_run.flow_id), **(flow_run.labels or {})},
        **columns,
    )
    insert = session.insert(_flow_run).values(**values).on_conflict_do_nothing(
        index_elements=["flow_id", "idempotency_key"])
    if await session.fetch_one(insert.returning(_flow_run.c.id)) is None:
        existing = await _read_one(session, (_flow_run.c.flow_id == flow_run.flow_id)
                                   & (_flow_run.c.idempotency_key == flow_run.idempotency_key))
        assert existing is not None, "the conflicting run exists in this transaction"
        return existing, False
    await enter_initial_state(session, FLOW_RUNS, run_id, flow_run.state)
    created = await read_flow_run(session, run_id)
    assert created is not None
    return created, True


async def read_flow_run(session: Session, flow_run_id: uuid.UUID) -> FlowRun | None:
    return await _read_one(session, _flow_run.c.id == flow_run_id)


async def _read_one(session: Session, condition: sa.ColumnElement[bool]) -> FlowRun | None:
    row = await session.fetch_one(select_runs(FLOW_RUNS).where(condition))
    return None if row is None else msgspec.convert(run_from_row(row), FlowRun)


async def update_flow_run(session: Session, flow_run_id: uuid.UUID, update: FlowRunUpdate) -> bool:
    """Write the fields the client sent; False if there is no such run."""
    values = msgspec.to_builtins(update)  # UNSET fields are left out
    statement = sa.update(_flow_run).where(_flow_run.c.id == flow_run_id).values(**values, updated=utcnow())
    return await session.fetch_one(statement.returning(_flow_run.c.id)) is not None


async def delete_flow_run(session: Session, flow_run_id: uuid.UUID) -> bool:
    """Delete a run with its logs; its states and task runs go by cascade. False if there is none."""
    await session.execute(sa.delete(tables.log).where(tables.log.c.flow_run_id == flow_run_id))
    deleted = await session.fetch_one(
        sa.delete(_flow_run).where(_flow_run.c.id == flow_run_id).returning(_flow_run.c.id))
    return deleted is not None


async def read_flow_runs(session: Session, flows: FlowFilter | None, flow_runs: FlowRunFilter | None,
                         task_runs: TaskRunFilter | None, sort: FlowRunSort, limit: int, offset: int) -> list[FlowRun]:
    query = (select_runs(FLOW_RUNS).where(flow_runs_where(session.dialect, flows, flow_runs, task_runs))
             .order_by(*flow_run_order_by(sort)).limit(limit).offset(offset))
    return [msgspec.convert(run_from_row(row), FlowRun) for row in await session.fetch_all(query)]


async def count_flow_runs(session: Session, flows: FlowFilter | None, flow_runs: FlowRunFilter | None,
                          task_runs: TaskRunFilter | None) -> int:
    query = sa.select(sa.func.count()).select_from(_flow_run).where(
        flow_runs_where(session.dialect, flows, flow_runs, task_runs))
    return int(await session.fetch_val(query))


async def read_late_runs(session: Session, scheduled_before: datetime, limit: int) -> list[tuple[uuid.UUID, datetime]]:
    """Runs still "Scheduled" whose start time passed before `scheduled_before`, soonest first,
    with their scheduled times: the ones to mark Late."""
    query = (sa.select(_flow_run.c.id, _flow_run.c.next_scheduled_start_time)
             .where(_flow_run.c.state_type == StateType.SCHEDULED.value, _flow_run.c.state_name == "Scheduled",
                    _flow_run.c.next_scheduled_start_time <= scheduled_before)
             .order_by(_flow_run.c.next_scheduled_start_time, _flow_run.c.id).limit(limit))
    return [(row["id"], row["next_scheduled_start_time"]) for row in await session.fetch_all(query)]


async def update_labels(session: Session, flow_run_id: uuid.UUID, labels: dict[str, Any]) -> bool:
    """Merge `labels` over the run's own; False if there is no such run."""
    current = await session.fetch_one(sa.select(_flow_run.c.labels).where(_flow_run.c.id == flow_run_id)
                                      .with_for_update())
    if current is None:
        return False
    await session.execute(sa.update(_flow_run).where(_flow_run.c.id == flow_run_id).values(
        labels={**(current["labels"] or {}), **labels}, updated=utcnow()))
    return True


async def resume_flow_run(session: Session, flow_run_id: uuid.UUID,
                          run_input: dict[str, Any] | None = None) -> SetStateResult | None:
    """Resume a paused run: back to RUNNING in its process, or Scheduled "Resuming" for a suspended
    one (its process is gone; it is started afresh). An ABORT when it is not paused; None if no run.
    A run that paused waiting for input gets `run_input` under the key it named for the response
    (stored as sent: the input's JSON schema is not checked)."""
    flow_run = await read_flow_run(session, flow_run_id)
    if flow_run is None:
        return None
    state = flow_run.state
    if state is None or state.type is not StateType.PAUSED:
        details = AbortDetails(reason="Cannot resume a flow run that is not paused.")
        return SetStateResult(OrchestrationResult(state=None, status=SetStateStatus.ABORT, details=details), False)
    if state.state_details.pause_reschedule:
        proposal = StateCreate(type=StateType.SCHEDULED, name="Resuming",
                               state_details=StateDetails(scheduled_time=utcnow()))
    else:
        proposal = StateCreate(type=StateType.RUNNING)
    outcome = await set_flow_run_state(session, flow_run_id, proposal)
    keyset = state.state_details.run_input_keyset
    if keyset and run_input and outcome.result.status is SetStateStatus.ACCEPT:
        await create_input(session, flow_run_id, keyset["response"], msgspec.json.encode(run_input).decode(), None)
    return outcome


async def read_expired_pauses(session: Session, now: datetime, limit: int) -> list[uuid.UUID]:
    """Paused runs whose `pause_timeout` has passed (looked at among the `limit` oldest pauses)."""
    query = (select_runs(FLOW_RUNS).where(_flow_run.c.state_type == StateType.PAUSED.value)
             .order_by(_flow_run.c.updated, _flow_run.c.id).limit(limit))
    expired = []
    for row in await session.fetch_all(query):
        timeout = run_from_row(row)["state"].state_details.pause_timeout
        if timeout is not None and timeout < now:
            expired.append(row["id"])
    return expired
