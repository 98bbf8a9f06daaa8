"""Deployments and their schedules: the stored shapes and the request bodies of `/deployments`.

A deployment is a flow made runnable by name: `flow.serve()` and `deploy()` create one, runs are
made from it (`create_flow_run`, the scheduler) and picked up by the process serving it or by a
worker of its pool. Schedules belong to one deployment each; `schedule` is an interval, cron or
rrule object (see `asgi_api.server.schemas.schedules`).
"""

from __future__ import annotations

import enum
from typing import Any
from uuid import UUID

import msgspec
from msgspec import UNSET, UnsetType

from asgi_api.server.schemas.core import CreatedBy, StoredObject
from asgi_api.server.schemas.fields import DateTime, FlowName, KeyValueLabels, PositiveInt
from asgi_api.server.schemas.policies import FlowRunPolicy
from asgi_api.server.schemas.schedules import parse_schedule
from asgi_api.server.schemas.states import StateCreate

__all__ = [
    "ConcurrencyOptions", "Deployment", "DeploymentCreate", "DeploymentFlowRunCreate",
    "DeploymentPaginationResponse", "DeploymentSchedule", "DeploymentScheduleCreate", "DeploymentScheduleUpdate",
    "DeploymentSort", "DeploymentStatus", "DeploymentUpdate", "MAX_SCHEDULED_RUNS",
]

MAX_SCHEDULED_RUNS = 50  # Prefect's `deployment_schedule_max_scheduled_runs` default


class DeploymentStatus(str, enum.Enum):
    """READY while something (a `serve` process, a worker) polls for the deployment's runs."""

    READY = "READY"
    NOT_READY = "NOT_READY"


class CollisionStrategy(str, enum.Enum):
    """What a run beyond the deployment's `concurrency_limit` does: wait its turn, or be cancelled."""

    ENQUEUE = "ENQUEUE"
    CANCEL_NEW = "CANCEL_NEW"


class ConcurrencyOptions(msgspec.Struct, kw_only=True):
    collision_strategy: CollisionStrategy = CollisionStrategy.ENQUEUE


def _max_runs(value: int | None) -> None:
    if value is not None and value > MAX_SCHEDULED_RUNS:
        raise ValueError(f"`max_scheduled_runs` must be less than or equal to {MAX_SCHEDULED_RUNS}.")


class DeploymentScheduleCreate(msgspec.Struct, kw_only=True):
    """One schedule in `POST /deployments/` or `POST /deployments/{id}/schedules`."""

    schedule: Any
    active: bool = True
    max_scheduled_runs: PositiveInt | None = None
    parameters: dict[str, Any] = msgspec.field(default_factory=dict)
    slug: str | None = None

    def __post_init__(self) -> None:
        self.schedule = parse_schedule(self.schedule)  # a ValueError here is the request's 422
        _max_runs(self.max_scheduled_runs)


class DeploymentScheduleUpdate(msgspec.Struct, kw_only=True):
    """`PATCH /deployments/{id}/schedules/{schedule_id}`: only sent fields change."""

    schedule: Any = UNSET
    active: bool | UnsetType = UNSET
    max_scheduled_runs: PositiveInt | None | UnsetType = UNSET
    parameters: dict[str, Any] | UnsetType = UNSET
    slug: str | None | UnsetType = UNSET

    def __post_init__(self) -> None:
        if self.schedule is not UNSET:
            self.schedule = parse_schedule(self.schedule)
        if self.max_scheduled_runs is not UNSET:
            _max_runs(self.max_scheduled_runs)


class DeploymentSchedule(StoredObject, kw_only=True):
    deployment_id: UUID
    schedule: Any  # a `Schedule` (msgspec types a union of Structs only when they are tagged)
    active: bool = True
    max_scheduled_runs: int | None = None
    parameters: dict[str, Any] = msgspec.field(default_factory=dict)
    slug: str | None = None


class _DeploymentFields(msgspec.Struct, kw_only=True):
    """What a create body and a stored deployment share."""

    version: str | None = None
    description: str | None = None
    paused: bool = False
    concurrency_limit: PositiveInt | None = None
    concurrency_options: ConcurrencyOptions | None = None
    parameters: dict[str, Any] = msgspec.field(default_factory=dict)
    parameter_openapi_schema: dict[str, Any] | None = None
    enforce_parameter_schema: bool = True
    tags: list[str] = msgspec.field(default_factory=list)
    work_queue_name: str | None = None
    work_pool_name: str | None = None
    path: str | None = None
    entrypoint: str | None = None
    pull_steps: list[dict[str, Any]] | None = None
    job_variables: dict[str, Any] = msgspec.field(default_factory=dict)
    storage_document_id: UUID | None = None
    infrastructure_document_id: UUID | None = None


class DeploymentCreate(_DeploymentFields, kw_only=True):
    """`POST /deployments/`: an upsert on (flow, name); a null `labels` means none."""

    name: FlowName
    flow_id: UUID
    schedules: list[DeploymentScheduleCreate] = msgspec.field(default_factory=list)
    labels: KeyValueLabels | None = msgspec.field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.labels is None:
            self.labels = {}
        if self.parameter_openapi_schema is None:
            self.parameter_openapi_schema = {"type": "object", "properties": {}}


class DeploymentUpdate(msgspec.Struct, kw_only=True):
    """`PATCH /deployments/{id}`: only sent fields change; sent `schedules` replace the old ones."""

    version: str | None | UnsetType = UNSET
    description: str | None | UnsetType = UNSET
    paused: bool | UnsetType = UNSET
    schedules: list[DeploymentScheduleCreate] | UnsetType = UNSET
    concurrency_limit: PositiveInt | None | UnsetType = UNSET
    concurrency_options: ConcurrencyOptions | None | UnsetType = UNSET
    parameters: dict[str, Any] | UnsetType = UNSET
    parameter_openapi_schema: dict[str, Any] | None | UnsetType = UNSET
    enforce_parameter_schema: bool | UnsetType = UNSET
    tags: list[str] | UnsetType = UNSET
    labels: KeyValueLabels | UnsetType = UNSET
    work_queue_name: str | None | UnsetType = UNSET
    work_pool_name: str | None | UnsetType = UNSET
    path: str | None | UnsetType = UNSET
    entrypoint: str | None | UnsetType = UNSET
    pull_steps: list[dict[str, Any]] | None | UnsetType = UNSET
    job_variables: dict[str, Any] | None | UnsetType = UNSET
    storage_document_id: UUID | None | UnsetType = UNSET
    infrastructure_document_id: UUID | None | UnsetType = UNSET


class Deployment(_DeploymentFields, kw_only=True):
    """A deployment as the server returns it (Prefect's DeploymentResponse); msgspec takes one base
    with fields, so the stored-object fields are spelled out here."""

    id: UUID
    created: DateTime
    updated: DateTime
    name: str
    flow_id: UUID
    schedules: list[DeploymentSchedule] = msgspec.field(default_factory=list)
    labels: KeyValueLabels = msgspec.field(default_factory=dict)
    status: DeploymentStatus = DeploymentStatus.NOT_READY
    last_polled: DateTime | None = None
    work_queue_id: UUID | None = None
    created_by: CreatedBy | None = None
    updated_by: CreatedBy | None = None
    global_concurrency_limit: dict[str, Any] | None = None


class DeploymentFlowRunCreate(msgspec.Struct, kw_only=True):
    """`POST /deployments/{id}/create_flow_run`: parameters are merged over the deployment's, tags
    added to its tags; a null `state` means SCHEDULED now."""

    name: str | None = None
    parameters: dict[str, Any] = msgspec.field(default_factory=dict)
    state: StateCreate | None = None
    context: dict[str, Any] = msgspec.field(default_factory=dict)
    empirical_policy: FlowRunPolicy = msgspec.field(default_factory=FlowRunPolicy)
    tags: list[str] = msgspec.field(default_factory=list)
    labels: KeyValueLabels | None = None
    idempotency_key: str | None = None
    parent_task_run_id: UUID | None = None
    work_queue_name: str | None = None
    job_variables: dict[str, Any] | None = None
    infrastructure_document_id: UUID | None = None
    enforce_parameter_schema: bool | None = None


class DeploymentSort(str, enum.Enum):
    """Default: NAME_ASC."""

    CREATED_DESC = "CREATED_DESC"
    UPDATED_DESC = "UPDATED_DESC"
    NAME_ASC = "NAME_ASC"
    NAME_DESC = "NAME_DESC"


class DeploymentPaginationResponse(msgspec.Struct, kw_only=True):
    results: list[Deployment]
    count: int
    limit: int
    pages: int
    page: int
