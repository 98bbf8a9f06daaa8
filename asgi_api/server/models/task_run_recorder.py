"""Recording a batch of task-run changes set-based: a flow with many tasks reports thousands of
events a second, and five or six statements per event (the run's lookups, its upsert, its state)
could not keep up.

A batch costs a fixed handful of statements: one SELECT of its flow runs, one of the task runs it
names (by id or by natural key), then one insert of the new runs, one upsert of the changed ones and
one insert of the states. Between the reads and the writes the changes are applied in memory in
`occurred` order, exactly as recording them one by one would: a run is found by id, else by its
(flow run, task key, dynamic key); its current state moves only forward in time; an older state
joins its history only; a change naming a flow run this server does not have is not recorded.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec
import sqlalchemy as sa

from asgi_api.server.database import Session, tables, utcnow
from asgi_api.server.models.events import TaskRunChange
from asgi_api.server.schemas.core import TaskRun
from asgi_api.server.schemas.states import State

__all__ = ["record_task_run_changes"]

logger = logging.getLogger("asgi_api.events")

_task_run, _task_run_state = tables.task_run, tables.task_run_state
_RUN_FIELDS = ("name", "flow_run_id", "task_key", "dynamic_key", "cache_key", "cache_expiration", "task_version",
               "tags", "labels", "flow_run_run_count", "run_count", "expected_start_time",
               "next_scheduled_start_time", "start_time", "end_time", "total_run_time", "estimated_run_time",
               "estimated_start_time_delta")
_NaturalKey = tuple[UUID, str, str]  # flow run, task key, dynamic key: a run's identity within its flow run


class _Run:
    """A task run as the batch leaves it: its time of current state and, once changed, its columns."""

    __slots__ = ("id", "key", "new", "state_timestamp", "values")

    def __init__(self, run_id: UUID, key: _NaturalKey | None, state_timestamp: datetime | None, new: bool) -> None:
        self.id = run_id
        self.key = key
        self.state_timestamp = state_timestamp
        self.new = new
        self.values: dict[str, Any] | None = None


class _Runs:
    """The batch's task runs, found by id or by natural key as the lookups of one-by-one recording would."""

    def __init__(self) -> None:
        self._by_id: dict[UUID, _Run] = {}
        self._by_key: dict[_NaturalKey, _Run] = {}

    def add(self, run: _Run) -> None:
        self._by_id[run.id] = run
        if run.key is not None:
            self._by_key[run.key] = run

    def find(self, run_id: UUID, key: _NaturalKey | None) -> _Run | None:
        return self._by_id.get(run_id) or (None if key is None else self._by_key.get(key))

    def rekey(self, run: _Run, key: _NaturalKey | None) -> None:
        """An update rewrites the natural key columns too: later lookups find the run by its new key."""
        if run.key is not None and self._by_key.get(run.key) is run:
            del self._by_key[run.key]
        run.key = key
        if key is not None:
            self._by_key[key] = run

    def changed(self) -> list[_Run]:
        return [run for run in self._by_id.values() if run.values is not None]


async def record_task_run_changes(session: Session, changes: Sequence[TaskRunChange]) -> None:
    """Upsert the task runs the changes describe and add their states to the runs' histories."""
    if not changes:
        return
    ordered = sorted(changes, key=lambda change: change.state.timestamp)
    known = await _known_flow_runs(session, {change.task_run.flow_run_id for change in ordered} - {None})
    recordable = []
    for change in ordered:
        run, state = change.task_run, change.state
        if run.flow_run_id is None or run.flow_run_id in known:
            recordable.append(change)
        else:
            logger.warning("Task run %s belongs to unknown flow run %s: event %s not recorded",
                           run.id, run.flow_run_id, state.id)
    runs = await _stored_runs(session, recordable)
    for change in recordable:
        _apply(runs, change)
    await _write(session, runs.changed(), recordable)


def _apply(runs: _Runs, change: TaskRunChange) -> None:
    """One change, as recording it alone would: the run is created, moved forward, or only gains history."""
    run, state = change.task_run, change.state
    key = _natural_key(run.flow_run_id, run.task_key, run.dynamic_key)
    current = runs.find(run.id, key)
    if current is None:
        current = _Run(run.id, key, state.timestamp, new=True)
        current.values = _run_values(run, state)
        runs.add(current)
    elif current.state_timestamp is None or state.timestamp > current.state_timestamp:
        current.state_timestamp = state.timestamp
        current.values = _run_values(run, state)
        runs.rekey(current, key)
    state.state_details.task_run_id = current.id  # an existing run with the same natural key wins


async def _known_flow_runs(session: Session, flow_run_ids: set[UUID | None]) -> set[UUID]:
    if not flow_run_ids:
        return set()
    rows = await session.fetch_all(sa.select(tables.flow_run.c.id).where(tables.flow_run.c.id.in_(flow_run_ids)))
    return {row["id"] for row in rows}


async def _stored_runs(session: Session, changes: Iterable[TaskRunChange]) -> _Runs:
    """The stored task runs the changes name by id or by natural key, and the times of their current states."""
    runs = _Runs()
    ids = {change.task_run.id for change in changes}
    keys = {key for change in changes
            if (key := _natural_key(change.task_run.flow_run_id, change.task_run.task_key,
                                    change.task_run.dynamic_key)) is not None}
    if not ids:
        return runs
    c = _task_run.c
    named: sa.ColumnElement[bool] = c.id.in_(ids)
    if keys:
        named = sa.or_(named, sa.tuple_(c.flow_run_id, c.task_key, c.dynamic_key).in_(keys))
    query = (sa.select(c.id, c.flow_run_id, c.task_key, c.dynamic_key,
                       _task_run_state.c.timestamp.label("state_timestamp"))
             .select_from(_task_run.outerjoin(_task_run_state, c.state_id == _task_run_state.c.id))
             .where(named))
    for row in await session.fetch_all(query):
        key = _natural_key(row["flow_run_id"], row["task_key"], row["dynamic_key"])
        runs.add(_Run(row["id"], key, row["state_timestamp"], new=False))
    return runs


async def _write(session: Session, runs: list[_Run], changes: list[TaskRunChange]) -> None:
    """The new runs, the moved runs, then every state (a replayed one is already stored: skipped)."""
    now = utcnow()
    new = [{"id": run.id, "created": now, "updated": now, **(run.values or {})} for run in runs if run.new]
    moved = [{"id": run.id, "created": now, "updated": now, **(run.values or {})} for run in runs if not run.new]
    if new:
        await session.execute_many(session.insert(_task_run).on_conflict_do_nothing(), new)
    if moved:
        upsert = session.insert(_task_run)
        columns = {name: upsert.excluded[name] for name in moved[0] if name not in ("id", "created")}
        await session.execute_many(upsert.on_conflict_do_update(index_elements=[_task_run.c.id], set_=columns), moved)
    if not changes:
        return
    states = []
    for change in changes:
        state = change.state
        details = state.state_details
        states.append({"id": state.id, "created": now, "updated": now, "task_run_id": details.task_run_id,
                       "type": state.type.value, "name": state.name, "timestamp": state.timestamp,
                       "message": state.message, "data": state.data, "state_details": msgspec.to_builtins(details)})
    await session.execute_many(session.insert(_task_run_state)
                               .on_conflict_do_nothing(index_elements=[_task_run_state.c.id]), states)


def _run_values(run: TaskRun, state: State) -> dict[str, Any]:
    """The columns of a task run, with `state` as its current state."""
    values = {name: getattr(run, name) for name in _RUN_FIELDS}
    values.update(empirical_policy=msgspec.to_builtins(run.empirical_policy),
                  task_inputs=msgspec.to_builtins(run.task_inputs),
                  state_id=state.id, state_type=state.type.value, state_name=state.name)
    return values


def _natural_key(flow_run_id: UUID | None, task_key: str, dynamic_key: str) -> _NaturalKey | None:
    """None for a run without a flow run: NULLs are distinct in the unique index, so no other run shares it."""
    return None if flow_run_id is None else (flow_run_id, task_key, dynamic_key)
