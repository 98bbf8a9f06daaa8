"""Work pools, their queues and their workers: the stored shapes and request bodies of `/work_pools`.

A pool is where a worker looks for runs: every pool has a "default" queue, deployments name a pool
and a queue, and a worker of the pool heartbeats and asks for the scheduled runs of its queues.
Statuses are derived on read: a pool is READY while one of its workers heartbeats, a queue while
someone polls it, and both are PAUSED when paused.
"""

from __future__ import annotations

import enum
import json
import re
from datetime import timedelta
from typing import Annotated, Any
from uuid import UUID

import msgspec
from msgspec import UNSET, UnsetType

from asgi_api.server.schemas.core import FlowRun, StoredObject
from asgi_api.server.schemas.fields import DateTime, Name, NonNegativeInt, PositiveInt
from asgi_api.server.schemas.filters import IdFilter

__all__ = [
    "DEFAULT_HEARTBEAT_INTERVAL", "INACTIVITY_HEARTBEAT_MULTIPLE", "FlowRunSlotSummary", "Worker", "WorkerFilter",
    "WorkerFlowRunResponse", "WorkerStatus", "WorkPool", "WorkPoolConcurrencyStatus", "WorkPoolCreate",
    "WorkPoolFilter", "WorkPoolStatus", "WorkPoolUpdate", "WorkQueue", "WorkQueueConcurrencyStatus",
    "WorkQueueConcurrencyStatusDetail", "WorkQueueCreate", "WorkQueueFilter", "WorkQueueHealthPolicy",
    "WorkQueueStatus", "WorkQueueStatusDetail", "WorkQueueUpdate", "validate_base_job_template",
]

DEFAULT_HEARTBEAT_INTERVAL = 30  # seconds, when a worker does not say (Prefect's default)
INACTIVITY_HEARTBEAT_MULTIPLE = 3  # a worker is OFFLINE after this many missed heartbeats

_PLACEHOLDER = re.compile(r"\{\{\s*([\w\.\-\[\]$]+)\s*\}\}")


def validate_base_job_template(template: dict[str, Any]) -> None:
    """`{}`, or a `job_configuration` whose `{{ placeholders }}` are all properties of `variables`
    (what a worker renders a job from); anything else is a ValueError, the request's 422."""
    if not template:
        return
    config, variables = template.get("job_configuration"), template.get("variables")
    if not (config and variables) or not isinstance(config, dict) or not isinstance(variables, dict):
        raise ValueError("The `base_job_template` must contain both a `job_configuration` key and a `variables` key.")
    used = {name for value in config.values() for name in _PLACEHOLDER.findall(json.dumps(value))}
    properties = variables.get("properties") or {}
    missing = used - set(properties if isinstance(properties, dict) else ())
    if missing:
        raise ValueError("The variables specified in the job configuration template must be present as properties "
                         f"in the variables schema. Your job configuration uses the following undeclared "
                         f"variable(s): {', '.join(sorted(missing))}.")


class WorkPoolStatus(str, enum.Enum):
    READY = "READY"
    NOT_READY = "NOT_READY"
    PAUSED = "PAUSED"


WorkQueueStatus = WorkPoolStatus  # the same three words, one meaning: can work be picked up here


class WorkerStatus(str, enum.Enum):
    ONLINE = "ONLINE"
    OFFLINE = "OFFLINE"


class StorageConfiguration(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    bundle_upload_step: dict[str, Any] | None = None
    bundle_execution_step: dict[str, Any] | None = None
    default_result_storage_block_id: UUID | None = None


class WorkPoolCreate(msgspec.Struct, kw_only=True):
    """`POST /work_pools/`: `type` and `base_job_template` are stored as given."""

    name: Annotated[str, msgspec.Meta(min_length=1)]
    description: str | None = None
    type: str = "prefect-agent"
    base_job_template: dict[str, Any] = msgspec.field(default_factory=dict)
    is_paused: bool = False
    concurrency_limit: NonNegativeInt | None = None
    storage_configuration: StorageConfiguration = msgspec.field(default_factory=StorageConfiguration)

    def __post_init__(self) -> None:
        validate_base_job_template(self.base_job_template)


class WorkPoolUpdate(msgspec.Struct, kw_only=True):
    """`PATCH /work_pools/{name}`: only sent fields change."""

    description: str | None | UnsetType = UNSET
    is_paused: bool | None | UnsetType = UNSET
    base_job_template: dict[str, Any] | None | UnsetType = UNSET
    concurrency_limit: NonNegativeInt | None | UnsetType = UNSET
    storage_configuration: StorageConfiguration | None | UnsetType = UNSET

    def __post_init__(self) -> None:
        if isinstance(self.base_job_template, dict):
            validate_base_job_template(self.base_job_template)


class WorkPool(StoredObject, kw_only=True):
    """A pool as the server returns it (Prefect's WorkPoolResponse)."""

    name: str
    description: str | None = None
    type: str
    base_job_template: dict[str, Any] = msgspec.field(default_factory=dict)
    is_paused: bool = False
    concurrency_limit: int | None = None
    status: WorkPoolStatus | None = None
    default_queue_id: UUID | None = None
    storage_configuration: StorageConfiguration = msgspec.field(default_factory=StorageConfiguration)
    active_slots: int | None = None


class WorkQueueCreate(msgspec.Struct, kw_only=True):
    """`POST /work_pools/{name}/queues`: a null priority puts the queue after the pool's others."""

    name: Name
    description: str | None = ""
    is_paused: bool = False
    concurrency_limit: NonNegativeInt | None = None
    priority: PositiveInt | None = None


class WorkQueueUpdate(msgspec.Struct, kw_only=True):
    """`PATCH /work_pools/{name}/queues/{queue}`: only sent fields change."""

    name: Name | UnsetType = UNSET
    description: str | None | UnsetType = UNSET
    is_paused: bool | UnsetType = UNSET
    concurrency_limit: NonNegativeInt | None | UnsetType = UNSET
    priority: PositiveInt | UnsetType = UNSET


class WorkQueue(StoredObject, kw_only=True):
    """A queue as the server returns it (Prefect's WorkQueueResponse)."""

    name: str
    description: str | None = ""
    is_paused: bool = False
    concurrency_limit: int | None = None
    priority: int = 1
    work_pool_id: UUID
    work_pool_name: str
    filter: dict[str, Any] | None = None
    last_polled: DateTime | None = None
    status: WorkQueueStatus = WorkQueueStatus.NOT_READY
    active_slots: int | None = None


class FlowRunSlotSummary(msgspec.Struct, kw_only=True):
    """A run holding a slot of a pool or queue (Pending, Running or Cancelling)."""

    id: UUID
    name: str
    state_type: str | None = None
    state_name: str | None = None
    start_time: DateTime | None = None
    state_timestamp: DateTime | None = None
    time_in_current_state: timedelta | None = None


class WorkQueueConcurrencyStatusDetail(msgspec.Struct, kw_only=True):
    """One queue in a pool's `concurrency_status`: its slots and (some of) the runs holding them."""

    queue_id: UUID
    queue_name: str
    active_slots: int
    concurrency_limit: int | None = None
    flow_runs: list[FlowRunSlotSummary] = msgspec.field(default_factory=list)
    flow_run_count: int | None = None


class WorkPoolConcurrencyStatus(msgspec.Struct, kw_only=True):
    """`POST /work_pools/{name}/concurrency_status`: the pool's slots, its queues a page at a time."""

    active_slots: int
    concurrency_limit: int | None = None
    queues: list[WorkQueueConcurrencyStatusDetail] = msgspec.field(default_factory=list)
    count: int
    limit: int
    pages: int
    page: int


class WorkQueueConcurrencyStatus(msgspec.Struct, kw_only=True):
    """`POST /work_queues/{id}/concurrency_status`: the queue's slots and a page of their runs."""

    active_slots: int
    concurrency_limit: int | None = None
    flow_runs: list[FlowRunSlotSummary] = msgspec.field(default_factory=list)
    count: int
    limit: int
    pages: int
    page: int


class WorkQueueHealthPolicy(msgspec.Struct, kw_only=True):
    """When a queue counts as healthy: no more late runs, and no longer unpolled, than this."""

    maximum_late_runs: int | None = 0
    maximum_seconds_since_last_polled: int | None = 60


class WorkQueueStatusDetail(msgspec.Struct, kw_only=True):
    """`GET /work_queues/{id}/status`: what `prefect work-queue inspect` shows of a queue's health."""

    healthy: bool
    late_runs_count: int = 0
    last_polled: DateTime | None = None
    health_check_policy: WorkQueueHealthPolicy


class Worker(StoredObject, kw_only=True):
    name: str
    work_pool_id: UUID
    last_heartbeat_time: DateTime | None = None
    heartbeat_interval_seconds: NonNegativeInt | None = None
    status: WorkerStatus = WorkerStatus.OFFLINE


class WorkerFlowRunResponse(msgspec.Struct, kw_only=True):
    """One due run in a pool's `get_scheduled_flow_runs` answer, with where the worker found it."""

    work_pool_id: UUID
    work_queue_id: UUID
    flow_run: FlowRun


class _AnyStrings(msgspec.Struct, kw_only=True):
    any_: list[str] | None = None


class _QueueNames(_AnyStrings, kw_only=True):
    startswith_: list[str] | None = None


class _Statuses(msgspec.Struct, kw_only=True):
    any_: list[WorkerStatus] | None = None
    not_any_: list[WorkerStatus] | None = None


class WorkPoolFilter(msgspec.Struct, kw_only=True):
    id: IdFilter | None = None
    name: _AnyStrings | None = None
    type: _AnyStrings | None = None


class WorkQueueFilter(msgspec.Struct, kw_only=True):
    id: IdFilter | None = None
    name: _QueueNames | None = None


class WorkerFilter(msgspec.Struct, kw_only=True):
    status: _Statuses | None = None
