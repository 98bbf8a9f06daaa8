"""The scheduler makes the runs schedules ask for, once, and a broken schedule stops only itself;
late runs are marked Late unless they were picked up; expired pauses fail; what a cancelled flow run
leaves behind is cancelled. On each backend."""

from __future__ import annotations

import uuid
from datetime import timedelta

import anyio
import pytest
import sqlalchemy as sa

from asgi_api.server.database import Database, tables, utcnow
from asgi_api.server.models import deployments, flows, task_runs
from asgi_api.server.models.flow_runs import create_flow_run
from asgi_api.server.models.orchestration import set_flow_run_state
from asgi_api.server.schemas.actions import FlowCreate, FlowRunCreate, TaskRunCreate
from asgi_api.server.schemas.deployments import DeploymentCreate, DeploymentScheduleCreate
from asgi_api.server.schemas.states import StateCreate, StateDetails, StateType
from asgi_api.server.services import cancellation_cleanup, late_runs, pause_expirations
from asgi_api.server.services.scheduler import Scheduler

pytestmark = pytest.mark.anyio


async def create_deployment(database: Database, name: str, *schedules: dict, paused: bool = False) -> uuid.UUID:
    async with database.transaction(write=True) as session:
        flow, _ = await flows.create_flow(session, FlowCreate(name="etl"))
        body = DeploymentCreate(name=name, flow_id=flow.id, paused=paused,
                                schedules=[DeploymentScheduleCreate(schedule=schedule) for schedule in schedules])
        deployment, _ = await deployments.create_deployment(session, body)
    return deployment.id


async def scheduled_times(database: Database, deployment_id: uuid.UUID) -> list:
    run = tables.flow_run.c
    async with database.transaction() as session:
        rows = await session.fetch_all(sa.select(run.expected_start_time, run.auto_scheduled, run.state_name)
                                       .where(run.deployment_id == deployment_id).order_by(run.expected_start_time))
    assert all(row["auto_scheduled"] and row["state_name"] == "Scheduled" for row in rows)
    return [row["expected_start_time"] for row in rows]


async def test_schedules_runs_ahead_once(database: Database) -> None:
    hourly = await create_deployment(database, "hourly", {"interval": 3600})
    every_second = await create_deployment(database, "fast", {"interval": 1})
    paused = await create_deployment(database, "paused", {"interval": 60}, paused=True)
    await create_deployment(database, "unscheduled")

    await Scheduler(database).run_once()
    hourly_runs = await scheduled_times(database, hourly)
    assert len(hourly_runs) == 3 and hourly_runs[0] >= utcnow() - timedelta(seconds=5)  # MIN_RUNS
    assert len(await scheduled_times(database, every_second)) == 100  # MAX_RUNS caps an hour of seconds
    assert await scheduled_times(database, paused) == []

    await Scheduler(database).run_once()  # enough runs ahead: nothing new
    assert await scheduled_times(database, hourly) == hourly_runs


async def test_concurrent_ticks_make_no_duplicates(database: Database) -> None:
    deployment_id = await create_deployment(database, "fast", {"cron": "* * * * *"}, {"interval": 30})
    async with anyio.create_task_group() as group:
        for _ in range(3):
            group.start_soon(Scheduler(database).run_once)
    times = await scheduled_times(database, deployment_id)
    schedules = tables.deployment_schedule.c
    async with database.transaction() as session:
        count = await session.fetch_val(sa.select(sa.func.count()).where(schedules.deployment_id == deployment_id))
    assert count == 2 and len(times) >= 6
    run = tables.flow_run.c
    async with database.transaction() as session:
        keys = [row["idempotency_key"] for row in await session.fetch_all(
            sa.select(run.idempotency_key).where(run.deployment_id == deployment_id))]
    assert len(keys) == len(set(keys))


async def test_a_broken_schedule_does_not_stop_the_others(database: Database, caplog: pytest.LogCaptureFixture) -> None:
    broken = await create_deployment(database, "broken", {"interval": 60})
    healthy = await create_deployment(database, "healthy", {"interval": 60})
    async with database.transaction(write=True) as session:  # as an older version might have stored it
        await session.execute(sa.update(tables.deployment_schedule)
                              .where(tables.deployment_schedule.c.deployment_id == broken)
                              .values(schedule={"cron": "not a cron"}))
    await Scheduler(database).run_once()
    assert await scheduled_times(database, broken) == []
    assert len(await scheduled_times(database, healthy)) == 61  # every minute through an hour ahead
    assert f"Could not schedule runs of deployment {broken}" in caplog.text


async def test_late_runs(database: Database) -> None:
    deployment_id = await create_deployment(database, "late")
    ids = []
    async with database.transaction(write=True) as session:
        flow_id = await session.fetch_val(sa.select(tables.deployment.c.flow_id))
        for minutes in (-10, -5, 10):  # two past their time, one in the future
            state = StateCreate(type=StateType.SCHEDULED,
                                state_details=StateDetails(scheduled_time=utcnow() + timedelta(minutes=minutes)))
            created, _ = await create_flow_run(session, FlowRunCreate(flow_id=flow_id, state=state,
                                                                      deployment_id=deployment_id))
            ids.append(created.id)
        await set_flow_run_state(session, ids[1], StateCreate(type=StateType.PENDING))  # picked up meanwhile
    await late_runs.LateRuns(database).run_once()
    run = tables.flow_run.c
    async with database.transaction() as session:
        rows = {row["id"]: row for row in await session.fetch_all(
            sa.select(run.id, run.state_name, run.next_scheduled_start_time, run.expected_start_time))}
    assert [rows[run_id]["state_name"] for run_id in ids] == ["Late", "Pending", "Scheduled"]
    assert rows[ids[0]]["next_scheduled_start_time"] == rows[ids[0]]["expected_start_time"]


async def test_expired_pauses_fail(database: Database) -> None:
    async with database.transaction(write=True) as session:
        flow, _ = await flows.create_flow(session, FlowCreate(name="etl"))
        ids = []
        for seconds in (-1, 300, None):  # expired, not yet, no timeout
            created, _ = await create_flow_run(session, FlowRunCreate(flow_id=flow.id))
            await set_flow_run_state(session, created.id, StateCreate(type=StateType.RUNNING))
            timeout = None if seconds is None else utcnow() + timedelta(seconds=seconds)
            await set_flow_run_state(session, created.id, StateCreate(
                type=StateType.PAUSED, state_details=StateDetails(pause_timeout=timeout)))
            ids.append(created.id)
    await pause_expirations.PauseExpirations(database).run_once()
    run = tables.flow_run.c
    async with database.transaction() as session:
        states = {row["id"]: row["state_type"] for row in await session.fetch_all(sa.select(run.id, run.state_type))}
    assert [states[run_id] for run_id in ids] == ["FAILED", "PAUSED", "PAUSED"]


async def test_cancellation_cleanup(database: Database) -> None:
    """A cancelled flow run's unfinished task runs and subflow runs are cancelled; others stay."""
    async with database.transaction(write=True) as session:
        flow, _ = await flows.create_flow(session, FlowCreate(name="etl"))
        parent, _ = await create_flow_run(session, FlowRunCreate(flow_id=flow.id))
        other, _ = await create_flow_run(session, FlowRunCreate(flow_id=flow.id))
        running = StateCreate(type=StateType.RUNNING)
        tasks = {}
        for name, flow_run_id, state in (("running", parent.id, running),
                                         ("done", parent.id, StateCreate(type=StateType.COMPLETED)),
                                         ("elsewhere", other.id, running), ("parent", parent.id, running)):
            created, _ = await task_runs.create_task_run(session, TaskRunCreate(
                flow_run_id=flow_run_id, task_key=name, dynamic_key="0", state=state))
            tasks[name] = created.id
        subflow, _ = await create_flow_run(session, FlowRunCreate(flow_id=flow.id, parent_task_run_id=tasks["parent"],
                                                                  state=running))
        await set_flow_run_state(session, parent.id, StateCreate(type=StateType.CANCELLED), force=True)
    await cancellation_cleanup.CancellationCleanup(database).run_once()
    task, run = tables.task_run.c, tables.flow_run.c
    async with database.transaction() as session:
        rows = await session.fetch_all(sa.select(task.id, task.state_type))
        task_states = {row["id"]: row["state_type"] for row in rows}
        subflow_state = await session.fetch_val(sa.select(run.state_type).where(run.id == subflow.id))
    assert {name: task_states[task_id] for name, task_id in tasks.items()} == {
        "running": "CANCELLED", "done": "COMPLETED", "elsewhere": "RUNNING", "parent": "CANCELLED"}
    assert subflow_state == "CANCELLED"
