"""Run states: the state rows of flow and task runs, and the run columns that mirror the current one.

A run's current state is the row its `state_id` points at; the run also keeps denormalised
copies (`state_type`, `state_name`) and timing fields derived from its history (`start_time`,
`run_count`, `total_run_time`...). `enter_state` is the one place that stores a state and keeps
those in step, whoever decides the state: orchestration (`set_state`), run creation, or task-run
events. It stores what it is given; deciding whether a transition is allowed is
`asgi_api.server.orchestration`'s job.

`RunKind` (`FLOW_RUNS`, `TASK_RUNS`) names the tables of each kind, so every function here
works for both.
"""

from __future__ import annotations

from typing import Any, NamedTuple
from uuid import UUID

import msgspec
import sqlalchemy as sa

from asgi_api.server.database import Session, tables, utcnow
from asgi_api.server.database.session import Row
from asgi_api.server.models.event_feed import flow_run_state_event
from asgi_api.server.models.event_store import store_events
from asgi_api.server.schemas.states import State, StateCreate, StateType, state_from_proposal

_STATE_PREFIX = "state__"


class RunKind(NamedTuple):
    """The tables of one kind of run."""

    table: sa.Table
    state_table: sa.Table
    run_id_column: str  # the state table's reference to its run, also a `StateDetails` field
    label: str  # for messages: "Flow run with id ... not found"


FLOW_RUNS = RunKind(tables.flow_run, tables.flow_run_state, "flow_run_id", "Flow run")
TASK_RUNS = RunKind(tables.task_run, tables.task_run_state, "task_run_id", "Task run")


# -- state rows -------------------------------------------------------------------------------


def state_from_row(row: Row, prefix: str = "") -> State:
    """The State stored in `row` (its columns may carry a `prefix`, as in `select_runs`)."""
    fields = ("id", "type", "name", "timestamp", "message", "data", "state_details")
    return msgspec.convert({field: row[prefix + field] for field in fields}, State)


async def read_state(session: Session, kind: RunKind, state_id: UUID) -> State | None:
    row = await session.fetch_one(sa.select(kind.state_table).where(kind.state_table.c.id == state_id))
    return None if row is None else state_from_row(row)


async def read_states(session: Session, kind: RunKind, run_id: UUID) -> list[State]:
    """A run's states, oldest first."""
    table = kind.state_table
    query = sa.select(table).where(table.c[kind.run_id_column] == run_id).order_by(table.c.timestamp, table.c.id)
    return [state_from_row(row) for row in await session.fetch_all(query)]


async def insert_state(session: Session, kind: RunKind, run_id: UUID, state: State) -> None:
    """Store `state` as a row of `run_id`'s history (it does not become current: see `enter_state`)."""
    now = utcnow()
    await session.execute(sa.insert(kind.state_table).values(
        id=state.id, created=now, updated=now, type=state.type.value, name=state.name,
        timestamp=state.timestamp, message=state.message, data=state.data,
        state_details=msgspec.to_builtins(state.state_details), **{kind.run_id_column: run_id},
    ))


# -- runs with their current state ------------------------------------------------------------


def select_runs(kind: RunKind) -> sa.Select[Any]:
    """SELECT runs with their current state's columns (prefixed); turn rows into runs with `run_from_row`."""
    state = kind.state_table
    columns = [column.label(_STATE_PREFIX + column.name) for column in state.c]
    return sa.select(kind.table, *columns).select_from(
        kind.table.outerjoin(state, kind.table.c.state_id == state.c.id))


def run_from_row(row: Row) -> Row:
    """A `select_runs` row as the run's columns plus `state`: its current State or None."""
    run = {key: value for key, value in row.items() if not key.startswith(_STATE_PREFIX)}
    run["state"] = None if row[_STATE_PREFIX + "id"] is None else state_from_row(row, _STATE_PREFIX)
    return run


async def read_run(session: Session, kind: RunKind, run_id: UUID, *, for_update: bool = False) -> Row | None:
    """One run with its `state`; `for_update` locks the row on PostgreSQL until the transaction ends
    (SQLite write transactions are serialised anyway) so concurrent transitions cannot interleave."""
    query = select_runs(kind).where(kind.table.c.id == run_id)
    if for_update:
        query = query.with_for_update(of=kind.table)
    row = await session.fetch_one(query)
    return None if row is None else run_from_row(row)


# -- entering a state -------------------------------------------------------------------------


def mirrored_fields(run: Row, state: State) -> dict[str, Any]:
    """The run columns after `run` (with its current `state`) enters `state`, as Prefect keeps them:
    `start_time` at the first RUNNING, `run_count` +1 per entry into RUNNING, `total_run_time`
    growing by the time spent RUNNING, `end_time` (and `start_time` if unset) on entering a terminal
    state (`end_time` cleared on leaving one), `expected_start_time` fixed by the first state."""
    initial: State | None = run["state"]
    details = state.state_details
    scheduled = state.type is StateType.SCHEDULED
    fields: dict[str, Any] = {
        "state_id": state.id, "state_type": state.type.value, "state_name": state.name,
        "next_scheduled_start_time": details.scheduled_time if scheduled else None,
        "expected_start_time": run["expected_start_time"] or (details.scheduled_time if scheduled else state.timestamp),
        "start_time": run["start_time"], "end_time": run["end_time"],
        "run_count": run["run_count"], "total_run_time": run["total_run_time"],
    }
    running_since = initial.timestamp if initial is not None and initial.type is StateType.RUNNING else None
    if state.type is StateType.RUNNING and running_since is None:
        fields["run_count"] += 1
        fields["start_time"] = fields["start_time"] or state.timestamp
    if running_since is not None:
        fields["total_run_time"] += max((state.timestamp - running_since).total_seconds(), 0.0)
    if state.is_final():
        if fields["end_time"] is None:  # a run that never ran (created terminal, cancelled early) too
            fields["start_time"] = fields["start_time"] or state.timestamp
            fields["end_time"] = state.timestamp
    elif initial is not None and initial.is_final():
        fields["end_time"] = None
    return fields


async def enter_state(session: Session, kind: RunKind, run: Row, state: State,
                      changes: dict[str, Any] | None = None) -> None:
    """Store `state` and make it `run`'s current state, updating the mirrored columns.

    `run` is a row from `read_run` (its `state` is the state being left). `changes` are other
    columns to write in the same UPDATE (a reset `run_count`, a new `empirical_policy`...); they
    are applied to `run` before the mirrored fields are derived from it. The state's details get
    the run's id (`flow_run_id` / `task_run_id`). A task run entering RUNNING records its flow
    run's `run_count` in `flow_run_run_count`. A flow run's new state is also stored as its
    `prefect.flow-run.<State>` event, in the same transaction.
    """
    setattr(state.state_details, kind.run_id_column, run["id"])
    await insert_state(session, kind, run["id"], state)
    values = {**(changes or {}), **mirrored_fields({**run, **(changes or {})}, state), "updated": utcnow()}
    if kind is TASK_RUNS and state.type is StateType.RUNNING and run["flow_run_id"] is not None:
        flow_run = tables.flow_run.c
        flow_run_count = sa.select(flow_run.run_count).where(flow_run.id == run["flow_run_id"]).scalar_subquery()
        values["flow_run_run_count"] = sa.func.coalesce(flow_run_count, kind.table.c.flow_run_run_count)
    await session.execute(sa.update(kind.table).where(kind.table.c.id == run["id"]).values(**values))
    if kind is FLOW_RUNS:
        # Prefect's server emits flow-run state events itself (task-run ones come from clients).
        await store_events(session, [await flow_run_state_event(session, state.id)])


async def enter_initial_state(session: Session, kind: RunKind, run_id: UUID, proposal: StateCreate | None) -> None:
    """Give a just-created run its first state: the one proposed, or PENDING (unorchestrated, as
    Prefect's server forces a new run's state)."""
    run = await read_run(session, kind, run_id)
    assert run is not None, "the run was inserted in this transaction"
    await enter_state(session, kind, run, state_from_proposal(proposal or StateCreate(type=StateType.PENDING)))
