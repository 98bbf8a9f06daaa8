"""Orchestration: deciding what happens to a proposed state (`set_state` on a flow or task run).

Rules run in Prefect's order; the first that returns an `Outcome` decides, and when none does the
proposal is accepted. Rules may also adjust the proposal or record other run columns to write
with it (`Transition.changes`). `force=true` skips the rules: the proposal is stored as is.

What is stored: an accepted proposal, or the replacement state of a REJECT (flow-run retries
answer FAILED with a SCHEDULED "AwaitingRetry" that becomes the run's state). Every other outcome
(a plain REJECT, ABORT, WAIT) stores nothing and returns the current state. Either way
`enter_state` keeps the run's mirrored fields, so the rules only decide.

Flow-run retries are the server's job (a FAILED proposal while retries are left becomes
AwaitingRetry); task-run retries are the client's (it proposes AwaitingRetry itself), so task
runs only get the terminal-state and timing rules.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, NamedTuple
from uuid import UUID

import msgspec

from asgi_api.server.database import Session, utcnow
from asgi_api.server.database.session import Row
from asgi_api.server.exceptions import ObjectNotFoundError
from asgi_api.server.models.states import FLOW_RUNS, TASK_RUNS, RunKind, enter_state, read_run
from asgi_api.server.schemas.orchestration import (
    AbortDetails,
    AcceptDetails,
    OrchestrationDetails,
    OrchestrationResult,
    RejectDetails,
    SetStateStatus,
    WaitDetails,
)
from asgi_api.server.schemas.policies import FlowRunPolicy
from asgi_api.server.schemas.states import State, StateCreate, StateDetails, StateType, state_from_proposal


@dataclass
class Transition:
    """A run (with its current `state`) and the state proposed for it."""

    run: Row
    proposed: State
    changes: dict[str, Any] = field(default_factory=dict)

    @property
    def initial(self) -> State | None:
        return self.run["state"]


class Outcome(NamedTuple):
    """A rule's decision; `state` is a REJECT's replacement state (None: keep the current one)."""

    status: SetStateStatus
    details: OrchestrationDetails
    state: State | None = None


Rule = Callable[[Transition], "Outcome | None"]


def _reject(reason: str, state: State | None = None) -> Outcome:
    return Outcome(SetStateStatus.REJECT, RejectDetails(reason=reason), state)


def _abort(reason: str) -> Outcome:
    return Outcome(SetStateStatus.ABORT, AbortDetails(reason=reason))


def _has_persisted_result(state: State) -> bool:
    """Whether a state carries a result reference (Prefect marks the other kind "unpersisted")."""
    data = state.data
    return bool(data) and not (isinstance(data, dict) and data.get("type") == "unpersisted")


# -- rules ------------------------------------------------------------------------------------


def prevent_duplicate_transitions(transition: Transition) -> Outcome | None:
    """A retried request (same `transition_id` as the current state) gets the current state back."""
    initial, proposed = transition.initial, transition.proposed
    transition_id = proposed.state_details.transition_id
    if initial is not None and transition_id is not None and initial.state_details.transition_id == transition_id:
        return _reject("This run has already made this state transition.")
    return None


def handle_flow_terminal_states(transition: Transition) -> Outcome | None:
    """A finished flow run may be re-run, but not crashed, paused or cancelled again, not rescheduled
    without a deployment, and not restarted when it completed with a stored result."""
    initial, proposed = transition.initial, transition.proposed
    if initial is None or not initial.is_final():
        return None
    if proposed.type in (StateType.CANCELLING, StateType.PAUSED, StateType.CRASHED):
        return _abort(f"Run is already in terminal state {initial.type.value}.")
    if initial.type is StateType.COMPLETED and not proposed.is_final() and _has_persisted_result(initial):
        return _reject("Run is already COMPLETED.")
    if proposed.type is StateType.SCHEDULED and transition.run["deployment_id"] is None:
        return _abort("Cannot reschedule a run without an associated deployment.")
    if not proposed.is_final():  # a re-run: forget the previous run's pauses and retries
        retry_type = "reschedule" if proposed.type is StateType.SCHEDULED else None
        _update_policy(transition, resuming=False, pause_keys=[], retry_type=retry_type)
    return None


def handle_task_terminal_states(transition: Transition) -> Outcome | None:
    """As for flows; a task run leaving a terminal state for a new attempt starts counting runs afresh."""
    initial, proposed = transition.initial, transition.proposed
    if initial is None or not initial.is_final():
        return None
    if proposed.type in (StateType.CANCELLING, StateType.PAUSED, StateType.CRASHED):
        return _abort(f"Run is already {initial.type.value}.")
    if initial.type is StateType.COMPLETED and _has_persisted_result(initial):
        return _reject("This run is already completed.")
    if not proposed.is_final():
        transition.changes["run_count"] = 0
    return None


def enforce_cancelling_to_cancelled(transition: Transition) -> Outcome | None:
    """A flow run being cancelled may only end up cancelled."""
    initial = transition.initial
    cancelling = initial is not None and initial.type in (StateType.CANCELLING, StateType.CANCELLED)
    if cancelling and transition.proposed.type is not StateType.CANCELLED:
        return _reject("Cannot transition flows that are cancelling to a state other than Cancelled.")
    return None


def bypass_cancelling_without_infrastructure(transition: Transition) -> Outcome | None:
    """Cancelling a run that has no process to stop (Scheduled without an `infrastructure_pid`, or
    a suspended pause) goes straight to Cancelled: nothing would ever finish the cancellation."""
    initial = transition.initial
    if initial is None or transition.proposed.type is not StateType.CANCELLING:
        return None
    no_process = initial.type is StateType.SCHEDULED and not transition.run["infrastructure_pid"]
    if no_process or initial.name == "Resuming":
        return _reject("Scheduled flow run has no infrastructure to terminate.", State(type=StateType.CANCELLED))
    if initial.type is StateType.PAUSED and initial.state_details.pause_reschedule:
        return _reject("Suspended flow run has no infrastructure to terminate.", State(type=StateType.CANCELLED))
    return None


def prevent_pending_transitions(transition: Transition) -> Outcome | None:
    """PENDING is entered once, before the run starts: a second submission must not run it twice."""
    initial = transition.initial
    blocked = (StateType.PENDING, StateType.CANCELLING, StateType.RUNNING, StateType.CANCELLED)
    if initial is not None and initial.type in blocked and transition.proposed.type is StateType.PENDING:
        return _abort(f"This run is in a {initial.type.value} state and cannot transition to a PENDING state.")
    return None


def copy_scheduled_time(transition: Transition) -> Outcome | None:
    """SCHEDULED -> PENDING keeps the scheduled time, which `wait_for_scheduled_time` then honours."""
    initial, proposed = transition.initial, transition.proposed
    if initial is not None and initial.type is StateType.SCHEDULED and proposed.type is StateType.PENDING:
        proposed.state_details.scheduled_time = initial.state_details.scheduled_time
    return None


def wait_for_scheduled_time(transition: Transition) -> Outcome | None:
    """A run may not start before its scheduled time: the client is told how long to wait."""
    initial = transition.initial
    if initial is None or initial.type not in (StateType.SCHEDULED, StateType.PENDING):
        return None
    scheduled = initial.state_details.scheduled_time
    if transition.proposed.type is not StateType.RUNNING or scheduled is None:
        return None
    delay = scheduled - utcnow()  # whole seconds on the wire: clients parse `delay_seconds` as an int
    delay_seconds = math.floor(delay.total_seconds()) + round(delay.microseconds / 1e6)
    if delay_seconds > 0:
        return Outcome(SetStateStatus.WAIT, WaitDetails(delay_seconds=delay_seconds,
                                                        reason="Scheduled time is in the future."))
    return None


def retry_failed_flows(transition: Transition) -> Outcome | None:
    """RUNNING -> FAILED while `run_count <= retries`: REJECT with AwaitingRetry, `retry_delay` ahead."""
    initial, proposed = transition.initial, transition.proposed
    if initial is None or initial.type is not StateType.RUNNING or proposed.type is not StateType.FAILED:
        return None
    policy = _policy(transition)
    if policy.retries is None or transition.run["run_count"] > policy.retries:
        _update_policy(transition, retry_type=None)
        return None
    scheduled = utcnow() + timedelta(seconds=float(policy.retry_delay or 0))
    retry = State(type=StateType.SCHEDULED, name="AwaitingRetry", message=proposed.message, data=proposed.data,
                  state_details=StateDetails(scheduled_time=scheduled))
    _update_policy(transition, resuming=False, pause_keys=[], retry_type="in_process")
    return _reject("Retrying", retry)


def _policy(transition: Transition) -> FlowRunPolicy:
    current = transition.changes.get("empirical_policy", transition.run["empirical_policy"])
    return msgspec.convert(current, FlowRunPolicy)


def _update_policy(transition: Transition, **fields: Any) -> None:
    """Record a change of the flow run's `empirical_policy`, written if the transition is stored."""
    policy = msgspec.structs.replace(_policy(transition), **fields)
    transition.changes["empirical_policy"] = msgspec.to_builtins(policy)


FLOW_RUN_RULES: tuple[Rule, ...] = (
    prevent_duplicate_transitions, handle_flow_terminal_states, enforce_cancelling_to_cancelled,
    bypass_cancelling_without_infrastructure, prevent_pending_transitions, copy_scheduled_time,
    wait_for_scheduled_time, retry_failed_flows,
)
TASK_RUN_RULES: tuple[Rule, ...] = (
    prevent_duplicate_transitions, handle_task_terminal_states, copy_scheduled_time, wait_for_scheduled_time,
)


# -- set_state ----------------------------------------------------------------------------------


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
    outcome = None if force else next(filter(None, (rule(transition) for rule in rules)), None)
    if outcome is None:
        outcome = Outcome(SetStateStatus.ACCEPT, AcceptDetails(), transition.proposed)
    if outcome.state is None:
        return SetStateResult(OrchestrationResult(state=run["state"], status=outcome.status, details=outcome.details),
                              stored=False)
    await enter_state(session, kind, run, outcome.state, transition.changes)
    if kind is FLOW_RUNS and run["parent_task_run_id"] is not None:
        await _mirror_to_parent_task(session, run, outcome.state)
    return SetStateResult(OrchestrationResult(state=outcome.state, status=outcome.status, details=outcome.details),
                          stored=True)


async def _mirror_to_parent_task(session: Session, subflow_run: Row, state: State) -> None:
    """A subflow's parent task run takes every state the subflow takes: Prefect's client never
    reports that task's states itself (the server does it, as Prefect's does)."""
    parent = await read_run(session, TASK_RUNS, subflow_run["parent_task_run_id"], for_update=True)
    if parent is None:
        return  # the parent task run was deleted, or never recorded
    mirrored = State(type=state.type, name=state.name, message=state.message, timestamp=state.timestamp,
                     state_details=StateDetails(child_flow_run_id=subflow_run["id"]))
    await enter_state(session, TASK_RUNS, parent, mirrored)
