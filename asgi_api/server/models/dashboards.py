"""The dashboards' reads: run history per interval and state, lateness, the flow-run history
scatter, task-run counts over time, and a flow run's graph. Each selects the few columns it needs
once and aggregates in Python, over the runs the caller's filter (a WHERE clause) matches."""

from __future__ import annotations

import math
import uuid
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from asgi_api.server.database import Session, tables, utcnow
from asgi_api.server.models.filters import flow_runs_where, task_runs_where
from asgi_api.server.models.sorting import flow_run_order_by
from asgi_api.server.schemas.dashboards import (
    Edge,
    Graph,
    GraphArtifact,
    GraphState,
    HistoryResponse,
    HistoryResponseState,
    Node,
    SimpleFlowRun,
    TaskRunCount,
)
from asgi_api.server.schemas.filters import FlowFilter, FlowRunFilter, TaskRunFilter
from asgi_api.server.schemas.sorting import FlowRunSort
from asgi_api.server.schemas.states import TERMINAL_STATE_TYPES, StateType

__all__ = ["MAX_INTERVALS", "TASK_RUN_COUNT_BUCKETS", "RunFilters", "average_lateness", "flow_run_graph",
           "flow_run_points", "run_history", "task_run_counts"]

MAX_INTERVALS = 500  # more intervals than a chart can show are refused
TASK_RUN_COUNT_BUCKETS = 20  # as many as Prefect's dashboard draws
_FAILED = {StateType.FAILED.value, StateType.CRASHED.value}
_TERMINAL = [state.value for state in TERMINAL_STATE_TYPES]

RunFilters = tuple[FlowFilter | None, FlowRunFilter | None, TaskRunFilter | None]
"""The `flows`, `flow_runs` and `task_runs` keys of a request body."""


async def run_history(session: Session, kind: str, filters: RunFilters, start: datetime, end: datetime,
                      interval: timedelta) -> list[HistoryResponse]:
    """The flow or task runs (`kind`) that started, or were expected to, in each interval from
    `start` to `end`, counted per current state, with their summed run time and lateness."""
    table = tables.flow_run if kind == "flow_run" else tables.task_run
    where = (flow_runs_where if kind == "flow_run" else task_runs_where)(session.dialect, *filters)
    count = max(1, math.ceil((end - start) / interval))
    if count > MAX_INTERVALS:
        raise ValueError(f"History would have {count} intervals; at most {MAX_INTERVALS} are allowed.")
    c = table.c
    when = sa.func.coalesce(c.start_time, c.expected_start_time)
    rows = await session.fetch_all(
        sa.select(when.label("at"), c.state_type, c.state_name, c.total_run_time, c.estimated_start_time_delta)
        .where(where, when >= start, when < end, c.state_type.is_not(None)))
    totals: dict[int, dict[tuple[str, str], list[float]]] = defaultdict(dict)
    for row in rows:
        index = int((row["at"] - start) / interval)
        total = totals[index].setdefault((row["state_type"], row["state_name"]), [0, 0.0, 0.0])
        total[0] += 1
        total[1] += row["total_run_time"] or 0.0
        total[2] += row["estimated_start_time_delta"] or 0.0
    return [HistoryResponse(
        interval_start=start + index * interval, interval_end=min(start + (index + 1) * interval, end),
        states=[HistoryResponseState(state_type=StateType(kind), state_name=name, count_runs=int(runs),
                                     sum_estimated_run_time=run_time, sum_estimated_lateness=lateness)
                for (kind, name), (runs, run_time, lateness) in sorted(totals[index].items())])
        for index in range(count)]


async def average_lateness(session: Session, filters: RunFilters) -> float | None:
    """Mean seconds the matching flow runs started late (a run not started yet is late until now)."""
    where = flow_runs_where(session.dialect, *filters)
    c = tables.flow_run.c
    rows = await session.fetch_all(sa.select(c.start_time, c.expected_start_time, c.state_type)
                                   .where(where, c.expected_start_time.is_not(None)))
    if not rows:
        return None
    now = utcnow()

    def late(row: dict[str, Any]) -> float:
        expected = row["expected_start_time"]
        if row["start_time"] is not None:
            return max(0.0, (row["start_time"] - expected).total_seconds())
        if row["state_type"] not in _TERMINAL:
            return max(0.0, (now - expected).total_seconds())
        return 0.0

    return sum(map(late, rows)) / len(rows)


async def flow_run_points(session: Session, filters: RunFilters, sort: FlowRunSort, limit: int,
                          offset: int) -> list[SimpleFlowRun]:
    where = flow_runs_where(session.dialect, *filters)
    c = tables.flow_run.c
    rows = await session.fetch_all(
        sa.select(c.id, c.state_type, c.start_time, c.expected_start_time, c.total_run_time,
                  c.estimated_start_time_delta)
        .where(where).order_by(*flow_run_order_by(sort)).limit(limit).offset(offset))
    return [SimpleFlowRun(id=row["id"], state_type=row["state_type"],
                          timestamp=row["start_time"] or row["expected_start_time"], duration=row["total_run_time"],
                          lateness=row["estimated_start_time_delta"]) for row in rows]


async def task_run_counts(session: Session, filters: RunFilters, start: datetime,
                          end: datetime) -> list[TaskRunCount]:
    """Finished task runs that started in each twentieth of `start`..`end`: completed and failed."""
    where = task_runs_where(session.dialect, *filters)
    c = tables.task_run.c
    rows = await session.fetch_all(sa.select(c.start_time, c.state_type).where(
        where, c.state_type.in_(_TERMINAL), c.start_time >= start, c.start_time <= end))
    width = (end - start) / TASK_RUN_COUNT_BUCKETS
    counts = [TaskRunCount(completed=0, failed=0) for _ in range(TASK_RUN_COUNT_BUCKETS)]
    for row in rows:
        index = min(int((row["start_time"] - start) / width), TASK_RUN_COUNT_BUCKETS - 1) if width else 0
        bucket = counts[index]
        if row["state_type"] in _FAILED:
            bucket.failed += 1
        else:
            bucket.completed += 1
    return counts


async def flow_run_graph(session: Session, flow_run_id: uuid.UUID, since: datetime) -> Graph | None:
    """The run's task runs past Pending (a subflow's placeholder shown as its flow run), linked by the
    task inputs that fed them, as Prefect's graph-v2 draws them; None when there is no such flow run."""
    run = await session.fetch_one(sa.select(tables.flow_run).where(tables.flow_run.c.id == flow_run_id))
    if run is None:
        return None
    task, flow_run = tables.task_run.c, tables.flow_run.c
    tasks = await session.fetch_all(sa.select(tables.task_run).where(
        task.flow_run_id == flow_run_id, task.state_type != StateType.PENDING.value))
    subflows = {row["parent_task_run_id"]: row for row in await session.fetch_all(
        sa.select(tables.flow_run, tables.flow.c.name.label("flow_name"))
        .join(tables.flow, tables.flow.c.id == flow_run.flow_id)
        .where(flow_run.parent_task_run_id.in_([row["id"] for row in tasks])))}
    node_id = {row["id"]: subflows[row["id"]]["id"] if row["id"] in subflows else row["id"] for row in tasks}
    artifacts = await _artifacts(session, flow_run_id)

    # `__parents__` inputs name the task runs a task ran inside of (its encapsulating nodes); the
    # other task-run inputs are the upstream nodes that fed it
    parents: dict[uuid.UUID, dict[uuid.UUID, None]] = defaultdict(dict)  # dicts: ordered sets
    encapsulating: dict[uuid.UUID, dict[uuid.UUID, None]] = defaultdict(dict)
    for row in tasks:
        for key, inputs in (row["task_inputs"] or {}).items():
            edges = (encapsulating if key == "__parents__" else parents)[node_id[row["id"]]]
            for reference in inputs:
                upstream = reference.get("id") if reference.get("input_type") == "task_run" else None
                if upstream is not None and uuid.UUID(upstream) in node_id:
                    edges[node_id[uuid.UUID(upstream)]] = None
    children: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
    for child, upstreams in parents.items():
        for parent in upstreams:
            children[parent].add(child)

    nodes: list[tuple[uuid.UUID, Node]] = []
    for row in tasks:
        subflow = subflows.get(row["id"])
        identity = node_id[row["id"]]
        start, end = _node_times(row, subflow)
        if start is None or (end is not None and end < since):
            continue
        nodes.append((identity, Node(
            kind="task-run" if subflow is None else "flow-run", id=identity,
            label=row["name"] if subflow is None else f"{subflow['flow_name']} / {subflow['name']}",
            state_type=StateType((subflow or row)["state_type"] or row["state_type"]), start_time=start, end_time=end,
            parents=[Edge(id=edge) for edge in sorted(parents[identity])],
            children=[Edge(id=edge) for edge in sorted(children[identity])],
            encapsulating=[Edge(id=edge) for edge in encapsulating[identity]],
            artifacts=artifacts.get(row["id"], []))))
    nodes.sort(key=lambda item: (item[1].start_time, item[1].end_time is None, item[1].end_time or since))
    states = await session.fetch_all(sa.select(tables.flow_run_state).where(
        tables.flow_run_state.c.flow_run_id == flow_run_id).order_by(tables.flow_run_state.c.timestamp))
    return Graph(start_time=run["start_time"] or run["expected_start_time"], end_time=run["end_time"],
                 root_node_ids=[identity for identity, node in nodes if not node.parents], nodes=nodes,
                 artifacts=artifacts.get(None, []),
                 states=[GraphState(id=state["id"], timestamp=state["timestamp"], type=StateType(state["type"]),
                                    name=state["name"]) for state in states])


def _node_times(task: dict[str, Any], subflow: dict[str, Any] | None) -> tuple[datetime | None, datetime | None]:
    """A node's span as Prefect draws it: the subflow run's times before its placeholder task run's,
    and a run not started yet (a task run Scheduled for a task worker) from its expected start. (A run
    created in a terminal state got its start and end times on entering it.)"""
    sources = ([subflow] if subflow is not None else []) + [task]
    start = next((row[key] for row in sources for key in ("start_time", "expected_start_time") if row[key]), None)
    return start, next((row["end_time"] for row in sources if row["end_time"]), None)


async def _artifacts(session: Session, flow_run_id: uuid.UUID) -> dict[uuid.UUID | None, list[GraphArtifact]]:
    """The run's artifacts by task run (None: the flow run's own), results left out as in Prefect."""
    artifact, collection = tables.artifact.c, tables.artifact_collection.c
    latest = sa.select(collection.latest_id).where(collection.latest_id == artifact.id).exists()
    rows = await session.fetch_all(sa.select(tables.artifact, latest.label("is_latest")).where(
        artifact.flow_run_id == flow_run_id, sa.or_(artifact.type.is_(None), artifact.type != "result"))
        .order_by(artifact.created))
    found: dict[uuid.UUID | None, list[GraphArtifact]] = defaultdict(list)
    for row in rows:
        found[row["task_run_id"]].append(GraphArtifact(
            id=row["id"], created=row["created"], key=row["key"], type=row["type"],
            is_latest=row["key"] is None or bool(row["is_latest"]),  # a keyless artifact has no newer version
            data=row["data"] if row["type"] == "progress" else None))
    return found
