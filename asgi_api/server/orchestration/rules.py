"""The orchestration rules of flow and task runs, in Prefect's order (`FLOW_RUN_RULES`, `TASK_RUN_RULES`).

Each rule looks at a `Transition` and returns an `Outcome` to decide it, or None to let the next
rule look; it may adjust the proposal or record run columns in `Transition.changes` on the way.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import msgspec

from asgi_api.server.orchestration.transition import Outcome, Rule, Transition
from asgi_api.server.schemas.orchestration import AbortDetails, RejectDetails, SetStateStatus, WaitDetails
from asgi_api.server.schemas.policies import FlowRunPolicy
from asgi_api.server.schemas.states import State, StateDetails, StateType

__all__ = [
    "DEPLOYMENT_SLOT_WAIT", "FLOW_RUN_RULES", "TASK_RUN_RULES", "bypass_cancelling_without_infrastructure",
    "copy_scheduled_time", "enforce_cancelling_to_cancelled", "ensure_only_scheduled_flows_marked_late",
    "handle_flow_terminal_states", "handle_pausing_flows", "handle_resuming_paused_flows",
    "handle_task_terminal_states", "prevent_duplicate_transitions", "prevent_pending_transitions", "retry_failed_flows",
    "secure_deployment_concurrency_slots", "wait_for_scheduled_time",
]


DEPLOYMENT_SLOT_WAIT = timedelta(seconds=30)  # Prefect's deployments.concurrency_slot_wait_seconds


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
    """PENDING is entered once, before the run starts: a second submission must not run it twice.
    Named sub-states of PENDING may follow it (Pending -> Submitting -> InfrastructurePending)."""
    initial, proposed = transition.initial, transition.proposed
    blocked = (StateType.PENDING, StateType.CANCELLING, StateType.RUNNING, StateType.CANCELLED)
    if initial is None or initial.type not in blocked or proposed.type is not StateType.PENDING:
        return None
    if initial.type is StateType.PENDING and proposed.name not in (initial.name, "Pending"):
        proposed.state_details.scheduled_time = initial.state_details.scheduled_time
        proposed.state_details.deployment_concurrency_lease_id = initial.state_details.deployment_concurrency_lease_id
        return None
    return _abort(f"This run is in a {initial.type.value} state and cannot transition to a PENDING state.")


def handle_pausing_flows(transition: Transition) -> Outcome | None:
    """Only a running flow pauses, each pause (by its `pause_key`) once; suspending (a pause that
    gives up the process and is rescheduled on resume) needs a deployment and no parent flow."""
    initial, proposed = transition.initial, transition.proposed
    if proposed.type is not StateType.PAUSED:
        return None
    verb = "suspend" if proposed.name == "Suspended" else "pause"
    if initial is None:
        return _abort(f"Cannot {verb} flows with no state.")
    if initial.type is not StateType.RUNNING:
        return _reject(f"Cannot {verb} flows that are not currently running.")
    key = proposed.state_details.pause_key or str(uuid4())
    pause_keys = _policy(transition).pause_keys or []
    if key in pause_keys:
        return _reject(f"This {verb} has already fired.")
    if proposed.state_details.pause_reschedule:
        if transition.run["parent_task_run_id"] is not None:
            return _abort(f"Cannot {verb} subflows.")
        if transition.run["deployment_id"] is None:
            return _abort(f"Cannot {verb} flows without a deployment.")
    _update_policy(transition, pause_keys=[*pause_keys, key])
    return None


def handle_resuming_paused_flows(transition: Transition) -> Outcome | None:
    """A paused run resumes into RUNNING, SCHEDULED or a final state, and not after its
    `pause_timeout`: then it fails instead."""
    initial, proposed = transition.initial, transition.proposed
    if initial is None or initial.type is not StateType.PAUSED:
        return None
    if not (proposed.type in (StateType.RUNNING, StateType.SCHEDULED) or proposed.is_final()):
        return _reject(f"This run cannot transition to the {proposed.type.value} state from the "
                       f"{initial.type.value} state.")
    verb = "suspend" if proposed.name == "Suspended" else "pause"
    shown = (proposed.name or proposed.type.value).lower()
    if initial.state_details.pause_reschedule and transition.run["deployment_id"] is None:
        return _reject(f"Cannot reschedule a {shown} flow run without a deployment.")
    timeout = initial.state_details.pause_timeout
    if timeout is not None and timeout < datetime.now(UTC):
        failed = State(type=StateType.FAILED, message=f"The flow was {shown} and never resumed.")
        return _reject(f"The flow run {verb} has timed out and can no longer resume.", failed)
    _update_policy(transition, resuming=True)
    return None


def secure_deployment_concurrency_slots(transition: Transition) -> Outcome | None:
    """A run of a deployment at its concurrency limit does not start: it waits its turn (Scheduled
    "AwaitingConcurrencySlot", retried after DEPLOYMENT_SLOT_WAIT) or, with the CANCEL_NEW
    strategy, is cancelled. A slot is held while a run is Pending, Running or Cancelling."""
    slots = transition.deployment_slots
    if slots is None or slots.active < slots.limit:
        return None
    reason = "Deployment concurrency limit reached."
    if slots.collision_strategy == "CANCEL_NEW":
        return _reject(reason, State(type=StateType.CANCELLED, message=reason))
    retry_at = datetime.now(UTC) + DEPLOYMENT_SLOT_WAIT
    return _reject(reason, State(type=StateType.SCHEDULED, name="AwaitingConcurrencySlot",
                                 state_details=StateDetails(scheduled_time=retry_at)))


def ensure_only_scheduled_flows_marked_late(transition: Transition) -> Outcome | None:
    """Only a run still waiting to start becomes Late: the late-runs service races the process that
    picks the run up, and must not drag a started run back."""
    initial, proposed = transition.initial, transition.proposed
    late = proposed.type is StateType.SCHEDULED and proposed.name == "Late"
    if late and (initial is None or initial.type is not StateType.SCHEDULED):
        return _reject("Only scheduled flows can be marked late.")
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
    delay = scheduled - datetime.now(UTC)  # whole seconds on the wire: clients parse `delay_seconds` as an int
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
    scheduled = datetime.now(UTC) + timedelta(seconds=float(policy.retry_delay or 0))
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
    bypass_cancelling_without_infrastructure, prevent_pending_transitions, secure_deployment_concurrency_slots,
    ensure_only_scheduled_flows_marked_late,
    handle_pausing_flows, handle_resuming_paused_flows, copy_scheduled_time, wait_for_scheduled_time,
    retry_failed_flows,
)
TASK_RUN_RULES: tuple[Rule, ...] = (
    prevent_duplicate_transitions, handle_task_terminal_states, copy_scheduled_time, wait_for_scheduled_time,
)
