"""Request bodies that create or change objects.

Unknown fields are ignored (newer clients send more). PATCH bodies mark every field
`msgspec.UNSET` by default, so a route updates exactly the fields the client sent: test with
`field is not msgspec.UNSET` (a field sent as `null` arrives as `None`).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import msgspec
from msgspec import UNSET, UnsetType

from asgi_api.server.schemas.fields import DateTime, DynamicKey, FlowName, Key, KeyValueLabels, LogLevel, VariableName
from asgi_api.server.schemas.policies import FlowRunPolicy, TaskRunPolicy
from asgi_api.server.schemas.states import StateCreate
from asgi_api.server.schemas.task_inputs import TaskInputs

MAX_VARIABLE_VALUE_LENGTH = 5000


class _Labelled(msgspec.Struct, kw_only=True):
    """Creates that carry labels; as in Prefect, `"labels": null` means no labels."""

    labels: KeyValueLabels | None = msgspec.field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.labels is None:
            self.labels = {}


class FlowCreate(_Labelled, kw_only=True):
    """`POST /flows/`: an upsert by name."""

    name: FlowName
    tags: list[str] = msgspec.field(default_factory=list)


class FlowUpdate(msgspec.Struct, kw_only=True):
    """`PATCH /flows/{id}`."""

    tags: list[str] | UnsetType = UNSET


class FlowRunCreate(_Labelled, kw_only=True):
    """`POST /flow_runs/`: a null `name` gets a generated slug, a null `state` means PENDING."""

    flow_id: UUID
    name: str | None = None
    flow_version: str | None = None
    parameters: dict[str, Any] = msgspec.field(default_factory=dict)
    context: dict[str, Any] = msgspec.field(default_factory=dict)
    parent_task_run_id: UUID | None = None
    state: StateCreate | None = None
    empirical_policy: FlowRunPolicy = msgspec.field(default_factory=FlowRunPolicy)
    tags: list[str] = msgspec.field(default_factory=list)
    idempotency_key: Key | None = None
    work_pool_name: str | None = None
    work_queue_name: str | None = None
    job_variables: dict[str, Any] | None = None
    deployment_id: UUID | None = None
    infrastructure_document_id: UUID | None = None


class FlowRunUpdate(msgspec.Struct, kw_only=True):
    """`PATCH /flow_runs/{id}`: only sent fields change; a run always has a name (no `null`)."""

    name: str | UnsetType = UNSET
    flow_version: str | None | UnsetType = UNSET
    parameters: dict[str, Any] | UnsetType = UNSET
    empirical_policy: FlowRunPolicy | UnsetType = UNSET
    tags: list[str] | UnsetType = UNSET
    infrastructure_pid: str | None | UnsetType = UNSET
    job_variables: dict[str, Any] | None | UnsetType = UNSET


class TaskRunCreate(_Labelled, kw_only=True):
    """`POST /task_runs/`: an upsert on `(flow_run_id, task_key, dynamic_key)`."""

    task_key: Key
    dynamic_key: DynamicKey
    id: UUID | None = None
    name: str | None = None
    flow_run_id: UUID | None = None
    cache_key: str | None = None
    cache_expiration: DateTime | None = None
    task_version: str | None = None
    empirical_policy: TaskRunPolicy = msgspec.field(default_factory=TaskRunPolicy)
    tags: list[str] = msgspec.field(default_factory=list)
    task_inputs: TaskInputs = msgspec.field(default_factory=dict)
    state: StateCreate | None = None


class LogCreate(msgspec.Struct, kw_only=True):
    """One item of the `POST /logs/` array (clients also send `worker_id`; it is ignored)."""

    name: str
    level: LogLevel
    message: str
    timestamp: DateTime
    flow_run_id: UUID | None = None
    task_run_id: UUID | None = None


class VariableCreate(msgspec.Struct, kw_only=True):
    """`POST /variables/`: `value` is required but may be any JSON, `null` included.

    The 5000-character limit on the serialised value is not expressible as a constraint: the
    route must call `variable_value_too_long(body.value)` and answer 422 when it is true.
    """

    name: VariableName
    value: Any
    tags: list[str] = msgspec.field(default_factory=list)


class VariableUpdate(msgspec.Struct, kw_only=True):
    """`PATCH /variables/{id}` and `/variables/name/{name}`: only sent fields change.

    A sent `value` (even `null`) must be checked with `variable_value_too_long` as on create.
    """

    name: VariableName | UnsetType = UNSET
    value: Any = UNSET
    tags: list[str] | UnsetType = UNSET


def variable_value_too_long(value: Any) -> bool:
    """Whether a variable value exceeds Prefect's limit of 5000 characters as compact JSON."""
    return len(msgspec.json.encode(value)) > MAX_VARIABLE_VALUE_LENGTH
