"""Read-only shapes the dashboards of Prefect's UI ask for: run history, the flow-run history
scatter, task-run counts, paginated runs and a flow run's graph. Timedeltas are float seconds."""

from __future__ import annotations

from typing import Any, Literal
from uuid import UUID

import msgspec

from asgi_api.server.schemas.core import FlowRun, TaskRun
from asgi_api.server.schemas.fields import DateTime
from asgi_api.server.schemas.states import StateType


class HistoryResponseState(msgspec.Struct, kw_only=True):
    state_type: StateType
    state_name: str
    count_runs: int
    sum_estimated_run_time: float
    sum_estimated_lateness: float


class HistoryResponse(msgspec.Struct, kw_only=True):
    """The runs of one interval, counted per state."""

    interval_start: DateTime
    interval_end: DateTime
    states: list[HistoryResponseState]


class SimpleFlowRun(msgspec.Struct, kw_only=True):
    """A point of the flow-run history chart."""

    id: UUID
    state_type: StateType | None
    timestamp: DateTime | None
    duration: float
    lateness: float


class TaskRunCount(msgspec.Struct, kw_only=True):
    completed: int
    failed: int


class FlowRunPaginationResponse(msgspec.Struct, kw_only=True):
    results: list[FlowRun]
    count: int
    limit: int
    pages: int
    page: int


class TaskRunPaginationResponse(msgspec.Struct, kw_only=True):
    results: list[TaskRun]
    count: int
    limit: int
    pages: int
    page: int


class Edge(msgspec.Struct, kw_only=True):
    id: UUID


class GraphState(msgspec.Struct, kw_only=True):
    id: UUID
    timestamp: DateTime
    type: StateType
    name: str


class GraphArtifact(msgspec.Struct, kw_only=True):
    id: UUID
    created: DateTime
    key: str | None
    type: str | None
    is_latest: bool
    data: Any = None  # only progress artifacts carry their data


class Node(msgspec.Struct, kw_only=True):
    kind: Literal["flow-run", "task-run"]
    id: UUID
    label: str
    state_type: StateType
    start_time: DateTime
    end_time: DateTime | None
    parents: list[Edge]
    children: list[Edge]
    encapsulating: list[Edge]
    artifacts: list[GraphArtifact]


class Graph(msgspec.Struct, kw_only=True):
    """`GET /flow_runs/{id}/graph-v2`: the run's task runs and subflow runs, and what fed what."""

    start_time: DateTime | None
    end_time: DateTime | None
    root_node_ids: list[UUID]
    nodes: list[tuple[UUID, Node]]
    artifacts: list[GraphArtifact]
    states: list[GraphState]


class SimpleNextFlowRun(msgspec.Struct, kw_only=True):
    """A flow's next scheduled run, on Prefect's flows page."""

    id: UUID
    flow_id: UUID
    name: str
    state_name: str
    state_type: StateType
    next_scheduled_start_time: DateTime
