"""The stored objects of the REST API, as the server returns them.

Every stored object carries `id`, `created` and `updated`. Timedeltas are float seconds on the
wire, which is what Prefect's client parses back into `timedelta`.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import msgspec

from asgi_api.server.schemas.fields import DateTime, KeyValueLabels
from asgi_api.server.schemas.policies import FlowRunPolicy, TaskRunPolicy
from asgi_api.server.schemas.states import State, StateType
from asgi_api.server.schemas.task_inputs import TaskInputs


class StoredObject(msgspec.Struct, kw_only=True):
    """The identity and audit fields every stored object has."""

    id: UUID
    created: DateTime
    updated: DateTime


class Flow(StoredObject, kw_only=True):
    """A flow: a name that runs are grouped under."""

    name: str
    tags: list[str] = msgspec.field(default_factory=list)
    labels: KeyValueLabels = msgspec.field(default_factory=dict)


class CreatedBy(msgspec.Struct, kw_only=True):
    """Who created a run (a deployment, an automation...); null for runs a client started."""

    id: UUID | None = None
    type: str | None = None
    display_value: str | None = None


class _Run(StoredObject, kw_only=True):
    """The denormalised state and timing fields flow runs and task runs both keep."""

    state_id: UUID | None = None
    state_type: StateType | None = None
    state_name: str | None = None
    run_count: int = 0
    expected_start_time: DateTime | None = None
    next_scheduled_start_time: DateTime | None = None
    start_time: DateTime | None = None
    end_time: DateTime | None = None
    total_run_time: float = 0.0
    estimated_run_time: float = 0.0
    estimated_start_time_delta: float = 0.0
    state: State | None = None


class FlowRun(_Run, kw_only=True):
    """A flow run with its current `state` (Prefect's FlowRunResponse)."""

    name: str
    flow_id: UUID
    deployment_id: UUID | None = None
    deployment_version: str | None = None
    work_queue_id: UUID | None = None
    work_queue_name: str | None = None
    work_pool_id: UUID | None = None
    work_pool_name: str | None = None
    parent_task_run_id: UUID | None = None
    created_by: CreatedBy | None = None
    flow_version: str | None = None
    parameters: dict[str, Any] = msgspec.field(default_factory=dict)
    idempotency_key: str | None = None
    context: dict[str, Any] = msgspec.field(default_factory=dict)
    empirical_policy: FlowRunPolicy = msgspec.field(default_factory=FlowRunPolicy)
    tags: list[str] = msgspec.field(default_factory=list)
    labels: KeyValueLabels = msgspec.field(default_factory=dict)
    job_variables: dict[str, Any] | None = None
    infrastructure_document_id: UUID | None = None
    infrastructure_pid: str | None = None
    auto_scheduled: bool = False


class TaskRun(_Run, kw_only=True):
    """A task run with its current `state`."""

    name: str
    flow_run_id: UUID | None = None
    task_key: str
    dynamic_key: str
    cache_key: str | None = None
    cache_expiration: DateTime | None = None
    task_version: str | None = None
    empirical_policy: TaskRunPolicy = msgspec.field(default_factory=TaskRunPolicy)
    tags: list[str] = msgspec.field(default_factory=list)
    labels: KeyValueLabels = msgspec.field(default_factory=dict)
    task_inputs: TaskInputs = msgspec.field(default_factory=dict)
    flow_run_run_count: int = 0


class Log(StoredObject, kw_only=True):
    """One log line of a run."""

    name: str
    level: int
    message: str
    timestamp: DateTime
    flow_run_id: UUID | None = None
    task_run_id: UUID | None = None


class Variable(StoredObject, kw_only=True):
    """A named JSON value (any JSON: string, number, bool, object, array or null)."""

    name: str
    value: Any = None
    tags: list[str] = msgspec.field(default_factory=list)
