"""Filter bodies of the `/filter`, `/count` and `/paginate` routes.

Every criterion is optional and `null` means "not filtering on this". Within a criterion all
given conditions must hold; objects with an `operator` combine their criteria with it (`and_`
by default). Sub-filters are shared between resources where their shape is the same, e.g.
`TimeFilter` serves `start_time`, `end_time`, `expected_start_time` and a log's `timestamp`.

Meaning of the keys: `any_` = value in the list; `not_any_` = value not in the list;
`like_` = case-insensitive substring; `all_` = has every one of these tags; `is_null_` = true:
value is null (tags: empty), false: it is not; `before_`/`after_` = at or before/after;
`ge_`/`le_` = at least/at most; `exists_` on `subflow_runs` = true: the task run stands for a
subflow run, false: it does not.
"""

from __future__ import annotations

import enum
from typing import Annotated
from uuid import UUID

import msgspec

from asgi_api.server.schemas.fields import DateTime, LogLevel
from asgi_api.server.schemas.states import StateType


class Operator(str, enum.Enum):
    """How a filter object combines its criteria."""

    and_ = "and_"
    or_ = "or_"


class _Combined(msgspec.Struct, kw_only=True):
    """A filter object whose criteria are combined with `operator`."""

    operator: Operator = Operator.and_


# -- criteria on one column ------------------------------------------------------------------


class IdFilter(msgspec.Struct, kw_only=True):
    """On an object's own `id`."""

    any_: list[UUID] | None = None
    not_any_: list[UUID] | None = None


class NameFilter(msgspec.Struct, kw_only=True):
    """On a `name`."""

    any_: list[str] | None = None
    like_: str | None = None


class ValueFilter(msgspec.Struct, kw_only=True):
    """On a plain string column (`flow_version`, `idempotency_key`)."""

    any_: list[str] | None = None
    not_any_: list[str] | None = None


class TagsFilter(_Combined, kw_only=True):
    """On a `tags` list."""

    all_: list[str] | None = None
    any_: list[str] | None = None
    is_null_: bool | None = None


class ReferenceFilter(_Combined, kw_only=True):
    """On a nullable reference to another object (`deployment_id`, `flow_run_id`, ...)."""

    any_: list[UUID] | None = None
    is_null_: bool | None = None


class WorkQueueNameFilter(_Combined, kw_only=True):
    """On `work_queue_name`."""

    any_: list[str] | None = None
    is_null_: bool | None = None


class TimeFilter(msgspec.Struct, kw_only=True):
    """On a datetime column; both bounds are inclusive."""

    before_: DateTime | None = None
    after_: DateTime | None = None
    is_null_: bool | None = None


class StateTypeFilter(msgspec.Struct, kw_only=True):
    """On `state_type`."""

    any_: list[StateType] | None = None
    not_any_: list[StateType] | None = None


class StateNameFilter(msgspec.Struct, kw_only=True):
    """On `state_name`."""

    any_: list[str] | None = None
    not_any_: list[str] | None = None


class StateFilter(_Combined, kw_only=True):
    """On a run's current state."""

    type: StateTypeFilter | None = None
    name: StateNameFilter | None = None


class SubflowRunsFilter(msgspec.Struct, kw_only=True):
    """Whether a task run stands for a subflow run."""

    exists_: bool | None = None


class LogLevelFilter(msgspec.Struct, kw_only=True):
    """On a log's numeric `level`."""

    ge_: LogLevel | None = None
    le_: LogLevel | None = None


class LogTextFilter(msgspec.Struct, kw_only=True):
    """Free-text search in a log's message."""

    query: Annotated[str, msgspec.Meta(max_length=200)]


# -- filter objects per resource -------------------------------------------------------------


class FlowFilter(_Combined, kw_only=True):
    """The `flows` body key."""

    id: IdFilter | None = None
    name: NameFilter | None = None
    tags: TagsFilter | None = None


class FlowRunFilter(_Combined, kw_only=True):
    """The `flow_runs` body key."""

    id: IdFilter | None = None
    name: NameFilter | None = None
    tags: TagsFilter | None = None
    deployment_id: ReferenceFilter | None = None
    work_queue_name: WorkQueueNameFilter | None = None
    state: StateFilter | None = None
    flow_version: ValueFilter | None = None
    start_time: TimeFilter | None = None
    end_time: TimeFilter | None = None
    expected_start_time: TimeFilter | None = None
    next_scheduled_start_time: TimeFilter | None = None
    parent_flow_run_id: ReferenceFilter | None = None
    parent_task_run_id: ReferenceFilter | None = None
    idempotency_key: ValueFilter | None = None


class TaskRunFilter(_Combined, kw_only=True):
    """The `task_runs` body key."""

    id: IdFilter | None = None
    name: NameFilter | None = None
    tags: TagsFilter | None = None
    state: StateFilter | None = None
    start_time: TimeFilter | None = None
    end_time: TimeFilter | None = None
    subflow_runs: SubflowRunsFilter | None = None
    flow_run_id: ReferenceFilter | None = None


class LogFilter(_Combined, kw_only=True):
    """The `logs` body key."""

    level: LogLevelFilter | None = None
    timestamp: TimeFilter | None = None
    flow_run_id: ReferenceFilter | None = None
    task_run_id: ReferenceFilter | None = None
    text: LogTextFilter | None = None


class VariableFilter(_Combined, kw_only=True):
    """The `variables` body key."""

    id: IdFilter | None = None
    name: NameFilter | None = None
    tags: TagsFilter | None = None


class FlowOrDeploymentNameFilter(msgspec.Struct, kw_only=True):
    """A substring of the deployment's name or of its flow's name."""

    like_: str | None = None


class PausedFilter(msgspec.Struct, kw_only=True):
    """On a boolean `paused`."""

    eq_: bool | None = None


class WorkQueueNamesFilter(msgspec.Struct, kw_only=True):
    """On a deployment's `work_queue_name`."""

    any_: list[str] | None = None


class DeploymentFilter(_Combined, kw_only=True):
    """The `deployments` body key of the filter routes."""

    id: IdFilter | None = None
    name: NameFilter | None = None
    flow_or_deployment_name: FlowOrDeploymentNameFilter | None = None
    paused: PausedFilter | None = None
    tags: TagsFilter | None = None
    work_queue_name: WorkQueueNamesFilter | None = None
