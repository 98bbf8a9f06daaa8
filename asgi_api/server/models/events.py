"""Task-run events read as changes: since Prefect 3 a `@task` reports its state changes only as
`prefect.task-run.<StateName>` events, so these are how task runs reach the database (recorded by
`task_run_recorder`).

Events may arrive late, twice (clients resend unconfirmed events after reconnecting) or out of
order, so a change carries what recording needs to stay idempotent: its state's id is its event's
id and its state's timestamp the event's `occurred`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import msgspec

from asgi_api.server.schemas.core import TaskRun
from asgi_api.server.schemas.events import Event, object_id
from asgi_api.server.schemas.states import State, StateCreate, state_from_proposal

__all__ = ["TASK_RUN_EVENT_PREFIX", "InvalidTaskRunEvent", "TaskRunChange", "task_run_change"]

TASK_RUN_EVENT_PREFIX = "prefect.task-run."
_SECONDS_FIELDS = ("total_run_time", "estimated_run_time", "estimated_start_time_delta")


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


def _in_seconds(task_run: dict[str, Any]) -> dict[str, Any]:
    """Durations as float seconds, whether the client sent numbers or ISO 8601 durations."""
    converted = dict(task_run)
    for name in _SECONDS_FIELDS:
        if isinstance(converted.get(name), str):
            converted[name] = msgspec.convert(converted[name], timedelta).total_seconds()
    return converted
