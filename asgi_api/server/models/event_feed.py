"""The events `/events/out` subscribers follow, read back from what the database already holds.

The events clients follow (`prefect deployment run --watch`,
a `serve` process listening for cancellations) are run state changes, and every state is a row:
a flow run's `prefect.flow-run.<State>` event is its state row (the event id is the state id, as
in Prefect), a task run's `prefect.task-run.<State>` event is the task-run state recorded from the
client's own event. Reading them from the database lets any server process answer any subscriber.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from asgi_api.server.database import Session, tables
from asgi_api.server.database.session import Row
from asgi_api.server.schemas.events import RESOURCE_ID, RESOURCE_ROLE, Event, EventFilter

__all__ = ["flow_run_state_event", "read_state_events"]

_MESSAGE_LIMIT = 100_000


def _state_payload(row: Row, prefix: str) -> dict[str, str]:
    payload = {"type": row[f"{prefix}type"], "name": row[f"{prefix}name"]}
    if row[f"{prefix}message"]:
        payload["message"] = row[f"{prefix}message"][:_MESSAGE_LIMIT]
    return payload


def _event(kind: str, row: Row, related: list[dict[str, str]]) -> Event:
    """The state-change event of one state row (joined with its run's name and counters)."""
    return Event(
        id=row["id"], occurred=row["timestamp"], event=f"prefect.{kind}.{row['name']}",
        resource={
            RESOURCE_ID: f"prefect.{kind}.{row['run_id']}", "prefect.resource.name": row["run_name"],
            "prefect.run-count": str(row["run_count"]),
            "prefect.state-message": (row["message"] or "")[:_MESSAGE_LIMIT],
            "prefect.state-name": row["name"], "prefect.state-timestamp": row["timestamp"].isoformat(),
            "prefect.state-type": row["type"],
        },
        related=related,
        payload={"intended": {"to": row["type"]}, "validated_state": _state_payload(row, "")},
    )


def _related(resource_id: str, role: str, name: str | None = None) -> dict[str, str]:
    related = {RESOURCE_ID: resource_id, RESOURCE_ROLE: role}
    if name is not None:
        related["prefect.resource.name"] = name
    return related


def _flow_run_ids(event_filter: EventFilter) -> list[str] | None:
    """The flow runs a filter names, if it names only flow runs (so the query can narrow on them)."""
    criteria = [criterion for criterion in (event_filter.resource, event_filter.any_resource)
                if criterion is not None and criterion.id is not None]
    if not criteria:
        return None
    ids = [resource_id for criterion in criteria for resource_id in criterion.id or []]
    prefix = "prefect.flow-run."
    if not all(resource_id.startswith(prefix) for resource_id in ids):
        return None
    return [resource_id[len(prefix):] for resource_id in ids]


def _state_names(event_filter: EventFilter, kind: str) -> list[str] | None:
    """The state names of `kind` the filter's event names allow: None for any, [] for none."""
    names = event_filter.event
    prefix = f"prefect.{kind}."
    if names is None:
        return None
    if names.prefix is not None and not any(prefix.startswith(p) or p.startswith(prefix) for p in names.prefix):
        return []
    if names.name is None:
        return None
    return [name[len(prefix):] for name in names.name if name.startswith(prefix)]


async def read_state_events(session: Session, event_filter: EventFilter, since: datetime,
                            limit: int = 200) -> list[Event]:
    """The state-change events at or after `since` (and before the filter's `until`) that match
    `event_filter`, oldest first."""
    until = event_filter.occurred.until
    run_ids = _flow_run_ids(event_filter)
    events = []
    flow_run_states = _state_names(event_filter, "flow-run")
    if flow_run_states != []:
        conditions = _window(tables.flow_run_state, since, until, flow_run_states)
        events += await _flow_run_events(session, conditions, run_ids, limit)
    task_run_states = _state_names(event_filter, "task-run")
    if task_run_states != []:
        events += await _task_run_events(session, since, until, run_ids, task_run_states, limit)
    events.sort(key=lambda event: event.occurred)
    return [event for event in events if event_filter.matches(event)][:limit]


def _window(state: sa.Table, since: datetime, until: datetime | None,
            state_names: list[str] | None) -> list[sa.ColumnElement[bool]]:
    conditions = [state.c.timestamp >= since]
    if until is not None:
        conditions.append(state.c.timestamp <= until)
    if state_names is not None:
        conditions.append(state.c.name.in_(state_names))
    return conditions


def _state_columns(state: sa.Table) -> list[Any]:
    return [state.c.id, state.c.type, state.c.name, state.c.message, state.c.timestamp]


async def flow_run_state_event(session: Session, state_id: UUID) -> Event:
    """The `prefect.flow-run.<State>` event of one stored flow-run state, as subscribers get it
    (stored too when the state is entered, so that `/events/filter` finds it, as in Prefect)."""
    [event] = await _flow_run_events(session, [tables.flow_run_state.c.id == state_id], None, 1)
    return event


async def _flow_run_events(session: Session, conditions: list[sa.ColumnElement[bool]], run_ids: list[str] | None,
                           limit: int) -> list[Event]:
    state, run, flow = tables.flow_run_state, tables.flow_run, tables.flow
    query = (sa.select(*_state_columns(state), run.c.id.label("run_id"), run.c.name.label("run_name"),
                       run.c.run_count, run.c.deployment_id, run.c.tags, flow.c.id.label("flow_id"),
                       flow.c.name.label("flow_name"))
             .select_from(state.join(run, run.c.id == state.c.flow_run_id).join(flow, flow.c.id == run.c.flow_id))
             .where(*conditions).order_by(state.c.timestamp, state.c.id).limit(limit))
    if run_ids is not None:
        query = query.where(run.c.id.in_(_uuids(run_ids)))
    events = []
    for row in await session.fetch_all(query):
        related = [_related(f"prefect.flow.{row['flow_id']}", "flow", row["flow_name"])]
        if row["deployment_id"] is not None:
            related.append(_related(f"prefect.deployment.{row['deployment_id']}", "deployment"))
        related += [_related(f"prefect.tag.{tag}", "tag") for tag in row["tags"] or []]
        events.append(_event("flow-run", row, related))
    return events


async def _task_run_events(session: Session, since: datetime, until: datetime | None, run_ids: list[str] | None,
                           state_names: list[str] | None, limit: int) -> list[Event]:
    state, run = tables.task_run_state, tables.task_run
    query = (sa.select(*_state_columns(state), run.c.id.label("run_id"), run.c.name.label("run_name"),
                       run.c.run_count, run.c.flow_run_id)
             .select_from(state.join(run, run.c.id == state.c.task_run_id))
             .where(*_window(state, since, until, state_names)).order_by(state.c.timestamp, state.c.id).limit(limit))
    if run_ids is not None:
        query = query.where(run.c.flow_run_id.in_(_uuids(run_ids)))
    events = []
    for row in await session.fetch_all(query):
        related = [] if row["flow_run_id"] is None else [_related(f"prefect.flow-run.{row['flow_run_id']}",
                                                                  "flow-run")]
        events.append(_event("task-run", row, related))
    return events


def _uuids(values: list[str]) -> list[UUID]:
    found = []
    for value in values:
        try:
            found.append(UUID(value))
        except ValueError:
            continue
    return found
