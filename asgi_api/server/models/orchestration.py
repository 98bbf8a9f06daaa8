"""Setting a run's state: read and lock the run, let `asgi_api.server.orchestration` decide, store the outcome.

What is stored: an accepted proposal, or the replacement state of a REJECT (flow-run retries
answer FAILED with a SCHEDULED "AwaitingRetry" that becomes the run's state). Every other outcome
(a plain REJECT, ABORT, WAIT) stores nothing and returns the current state. Either way
`enter_state` keeps the run's mirrored fields, so the rules only decide. `force=true` skips the
rules: the proposal is stored as is.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple
from uuid import UUID

import sqlalchemy as sa

from asgi_api.server.database import Session, tables
from asgi_api.server.database.session import Row
from asgi_api.server.exceptions import ObjectNotFoundError
from asgi_api.server.models.states import FLOW_RUNS, TASK_RUNS, RunKind, enter_state, read_run
from asgi_api.server.orchestration import FLOW_RUN_RULES, TASK_RUN_RULES, DeploymentSlots, Rule, Transition, decide
from asgi_api.server.schemas.orchestration import OrchestrationResult
from asgi_api.server.schemas.states import State, StateCreate, StateDetails, StateType, state_from_proposal

__all__ = ["SetStateResult", "set_flow_run_state", "set_task_run_state"]


class SetStateResult(NamedTuple):
    """The answer for the client, and whether a new state was stored (201) or not (200)."""

    result: OrchestrationResult
    stored: bool


async def set_flow_run_state(session: Session, flow_run_id: UUID, proposal: StateCreate,
                             force: bool = False) -> SetStateResult:
    return await _set_state(session, FLOW_RUNS, FLOW_RUN_RULES, flow_run_id, proposal, force)


async def set_task_run_state(session: Session, task_run_id: UUID, proposal: StateCreate,
                             force: bool = False) -> SetStateResult:
    return await _set_state(session, TASK_RUNS, TASK_RUN_RULES, task_run_id, proposal, force)


async def _set_state(session: Session, kind: RunKind, rules: Sequence[Rule], run_id: UUID,
                     proposal: StateCreate, force: bool) -> SetStateResult:
    """Lock the run, apply the rules (unless `force`), store the resulting state if there is one."""
    run = await read_run(session, kind, run_id, for_update=True)
    if run is None:
        raise ObjectNotFoundError(f"{kind.label} with id {run_id} not found")
    transition = Transition(run, state_from_proposal(proposal))
    if kind is FLOW_RUNS and not force:
        transition.deployment_slots = await _deployment_slots(session, run, transition.proposed)
    outcome = decide(transition, () if force else rules)
    if outcome.state is None:
        return SetStateResult(OrchestrationResult(state=run["state"], status=outcome.status, details=outcome.details),
                              stored=False)
    await enter_state(session, kind, run, outcome.state, transition.changes)
    if kind is FLOW_RUNS and run["parent_task_run_id"] is not None:
        await _mirror_to_parent_task(session, run, outcome.state)
    return SetStateResult(OrchestrationResult(state=outcome.state, status=outcome.status, details=outcome.details),
                          stored=True)


_HOLDING_A_SLOT = (StateType.PENDING.value, StateType.RUNNING.value, StateType.CANCELLING.value)


async def _deployment_slots(session: Session, run: Row, proposed: State) -> DeploymentSlots | None:
    """For a run of a deployment with a concurrency limit about to start (to PENDING from a state
    holding no slot): the limit, the slots its runs hold, and its collision strategy. The
    deployment's row stays locked to the end of the transaction (on PostgreSQL), so two runs
    proposed at once cannot both take the last slot."""
    initial = run["state"]
    if (proposed.type is not StateType.PENDING or run["deployment_id"] is None
            or (initial is not None and initial.type.value in _HOLDING_A_SLOT)):
        return None
    deployment = await session.fetch_one(
        sa.select(tables.deployment.c.concurrency_limit, tables.deployment.c.concurrency_options)
        .where(tables.deployment.c.id == run["deployment_id"]).with_for_update())
    if deployment is None or deployment["concurrency_limit"] is None:
        return None
    flow_run = tables.flow_run
    active = await session.fetch_val(sa.select(sa.func.count()).select_from(flow_run).where(
        flow_run.c.deployment_id == run["deployment_id"], flow_run.c.state_type.in_(_HOLDING_A_SLOT)))
    options = deployment["concurrency_options"] or {}
    return DeploymentSlots(deployment["concurrency_limit"], int(active), options.get("collision_strategy", "ENQUEUE"))


async def _mirror_to_parent_task(session: Session, subflow_run: Row, state: State) -> None:
    """A subflow's parent task run takes every state the subflow takes: Prefect's client never
    reports that task's states itself (the server does it, as Prefect's does)."""
    parent = await read_run(session, TASK_RUNS, subflow_run["parent_task_run_id"], for_update=True)
    if parent is None:
        return  # the parent task run was deleted, or never recorded
    mirrored = State(type=state.type, name=state.name, message=state.message, timestamp=state.timestamp,
                     state_details=StateDetails(child_flow_run_id=subflow_run["id"]))
    await enter_state(session, TASK_RUNS, parent, mirrored)
