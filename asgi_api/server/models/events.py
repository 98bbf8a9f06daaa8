"""Task runs recorded from events: since Prefect 3 a `@task` reports its state changes only as
`prefect.task-run.<StateName>` events, so these are how task runs reach the database.

Events may arrive late, twice (clients resend unconfirmed events after reconnecting) or out of
order, so recording is idempotent (a state's id is its event's id) and a run's current state only
ever moves forward in `occurred` time; older states still join the run's history.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID

import msgspec
import sqlalchemy as sa

from asgi_api.server.database import Session, tables, utcnow
from asgi_api.server.schemas.core import TaskRun
from asgi_api.server.schemas.events import Event, object_id
from asgi_api.server.schemas.states import State, StateCreate, state_from_proposal

logger = logging.getLogger("asgi_api.events")

TASK_RUN_EVENT_PREFIX = "prefect.task-run."
_SECONDS_FIELDS = ("total_run_time", "estimated_run_time", "estimated_start_time_delta")
_RUN_FIELDS = ("name", "flow_run_id", "task_key", "dynamic_key", "cache_key", "cache_expiration", "task_version",
               "tags", "labels", "flow_run_run_count", "run_count", "expected_start_time",
               "next_scheduled_start_time", "start_time", "end_time", *_SECONDS_FIELDS)


class InvalidTaskRunEvent(ValueError):
    """A task-run event whose payload does not describe a task run and its new state."""


@dataclass(frozen=True)
class TaskRunChange:
    """What one task-run event says: the run as the client sees it, and the state it entered."""

    task_run: TaskRun
    state: State


def task_run_change(event: Event) -> TaskRunChange | None:
    """The change a task-run state event reports; None for any other event."""
    task_run_id = object_id(event.resource, "task-run")
    if not event.event.startswith(TASK_RUN_EVENT_PREFIX) or task_run_id is None:
        return None
    flow_run_id = next((object_id(related, "flow-run") for related in event.related_with_role("flow-run")), None)
    try:
        proposal = msgspec.convert(event.payload["validated_state"], StateCreate)
        fields = {**_in_seconds(event.payload["task_run"]), "id": task_run_id, "flow_run_id": flow_run_id,
                  "created": event.occurred, "updated": event.occurred}
        task_run = msgspec.convert(fields, TaskRun)
    except (KeyError, TypeError, ValueError, msgspec.ValidationError) as exc:
        raise InvalidTaskRunEvent(f"Event {event.id} ({event.event}) does not describe a task run: {exc!r}") from None
    state = state_from_proposal(proposal, id=event.id, timestamp=event.occurred)
    state.state_details.task_run_id = task_run_id
    state.state_details.flow_run_id = flow_run_id
    return TaskRunChange(task_run, state)


async def record_task_run_change(session: Session, change: TaskRunChange) -> bool:
    """Upsert the task run and add the state to its history; False (nothing written) when the
    event names a flow run this server does not have (deleted, say)."""
    run, state = change.task_run, change.state
    if run.flow_run_id is not None and not await _flow_run_exists(session, run.flow_run_id):
        logger.warning("Task run %s belongs to unknown flow run %s: event %s not recorded",
                       run.id, run.flow_run_id, state.id)
        return False
    current = await _current(session, run)
    if current is None:
        now = utcnow()
        await session.execute(session.insert(tables.task_run)
                              .values(id=run.id, created=now, updated=now, **_run_values(run, state))
                              .on_conflict_do_nothing())
    elif current["state_timestamp"] is None or state.timestamp > current["state_timestamp"]:
        run_id = current["id"]  # an existing run with the same (flow run, task key, dynamic key) wins
        state.state_details.task_run_id = run_id
        await session.execute(sa.update(tables.task_run).where(tables.task_run.c.id == run_id)
                              .values(updated=utcnow(), **_run_values(run, state)))
    else:
        state.state_details.task_run_id = current["id"]  # a late event: history only
    await _insert_state(session, state)
    return True


async def _flow_run_exists(session: Session, flow_run_id: UUID) -> bool:
    query = sa.select(tables.flow_run.c.id).where(tables.flow_run.c.id == flow_run_id)
    return await session.fetch_one(query) is not None


async def _current(session: Session, run: TaskRun) -> dict[str, Any] | None:
    """The stored run (by id, else by its natural key) and the time of its current state."""
    task_run, task_run_state = tables.task_run, tables.task_run_state
    query = (sa.select(task_run.c.id, task_run_state.c.timestamp.label("state_timestamp"))
             .select_from(task_run.outerjoin(task_run_state, task_run.c.state_id == task_run_state.c.id)))
    row = await session.fetch_one(query.where(task_run.c.id == run.id))
    if row is None and run.flow_run_id is not None:
        row = await session.fetch_one(query.where(task_run.c.flow_run_id == run.flow_run_id,
                                                  task_run.c.task_key == run.task_key,
                                                  task_run.c.dynamic_key == run.dynamic_key))
    return row


async def _insert_state(session: Session, state: State) -> None:
    """Add `state` unless it is already stored (a replayed event)."""
    details = state.state_details
    now = utcnow()
    values = {"id": state.id, "created": now, "updated": now, "task_run_id": details.task_run_id,
              "type": state.type.value, "name": state.name, "timestamp": state.timestamp,
              "message": state.message, "data": state.data, "state_details": msgspec.to_builtins(details)}
    await session.execute(session.insert(tables.task_run_state).values(values)
                          .on_conflict_do_nothing(index_elements=[tables.task_run_state.c.id]))


def _run_values(run: TaskRun, state: State) -> dict[str, Any]:
    """The columns of a task run, with `state` as its current state."""
    values = {name: getattr(run, name) for name in _RUN_FIELDS}
    values.update(empirical_policy=msgspec.to_builtins(run.empirical_policy),
                  task_inputs=msgspec.to_builtins(run.task_inputs),
                  state_id=state.id, state_type=state.type.value, state_name=state.name)
    return values


def _in_seconds(task_run: dict[str, Any]) -> dict[str, Any]:
    """Durations as float seconds, whether the client sent numbers or ISO 8601 durations."""
    converted = dict(task_run)
    for name in _SECONDS_FIELDS:
        if isinstance(converted.get(name), str):
            converted[name] = msgspec.convert(converted[name], timedelta).total_seconds()
    return converted
