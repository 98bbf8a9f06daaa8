"""Run states: the state types, a state's details, a stored state and a proposed state."""

from __future__ import annotations

import enum
from typing import Any
from uuid import UUID, uuid4

import msgspec

from asgi_api.server.schemas.fields import DateTime, utc_now


class StateType(str, enum.Enum):
    """The kind of a state; names such as "AwaitingRetry" refine a type, they do not add one."""

    SCHEDULED = "SCHEDULED"
    PENDING = "PENDING"
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"
    CRASHED = "CRASHED"
    PAUSED = "PAUSED"
    CANCELLING = "CANCELLING"


TERMINAL_STATE_TYPES = frozenset(
    {StateType.COMPLETED, StateType.FAILED, StateType.CANCELLED, StateType.CRASHED}
)


def default_state_name(state_type: StateType) -> str:
    """The name a state gets when none was sent: its type in title case ("Completed")."""
    return state_type.value.title()


class StateDetails(msgspec.Struct, kw_only=True):
    """Bookkeeping that travels with a state; clients read and write most of it themselves."""

    flow_run_id: UUID | None = None
    task_run_id: UUID | None = None
    child_flow_run_id: UUID | None = None
    scheduled_time: DateTime | None = None
    cache_key: str | None = None
    cache_expiration: DateTime | None = None
    deferred: bool | None = False
    untrackable_result: bool = False
    pause_timeout: DateTime | None = None
    pause_reschedule: bool = False
    pause_key: str | None = None
    run_input_keyset: dict[str, str] | None = None
    refresh_cache: bool | None = None
    retriable: bool | None = None
    transition_id: UUID | None = None
    task_parameters_id: UUID | None = None
    traceparent: str | None = None
    deployment_concurrency_lease_id: UUID | None = None


class _StateFields(msgspec.Struct, kw_only=True):
    """What a proposed and a stored state share, with the defaults Prefect's server fills in."""

    type: StateType
    name: str | None = None
    message: str | None = None
    data: Any = None
    state_details: StateDetails = msgspec.field(default_factory=StateDetails)

    def __post_init__(self) -> None:
        # Runs on decode as well as on construction, so a state is never nameless and a
        # SCHEDULED state always says when (the scheduler and the retry logic read it).
        if self.name is None:
            self.name = default_state_name(self.type)
        if self.type is StateType.SCHEDULED and self.state_details.scheduled_time is None:
            self.state_details.scheduled_time = utc_now()


class StateCreate(_StateFields, kw_only=True):
    """A state proposed by a client: the server assigns `id` and `timestamp`."""


class State(_StateFields, kw_only=True):
    """A stored state, as returned on runs, by `/flow_run_states/` and in orchestration results."""

    id: UUID = msgspec.field(default_factory=uuid4)
    timestamp: DateTime = msgspec.field(default_factory=utc_now)

    def is_final(self) -> bool:
        """Terminal states are left only with `force=true`."""
        return self.type in TERMINAL_STATE_TYPES


def state_from_proposal(
    proposal: StateCreate, *, id: UUID | None = None, timestamp: DateTime | None = None
) -> State:
    """The state the server stores for a proposal; events pass their own id and `occurred`."""
    return State(
        id=id or uuid4(),
        timestamp=timestamp or utc_now(),
        type=proposal.type,
        name=proposal.name,
        message=proposal.message,
        data=proposal.data,
        state_details=proposal.state_details,
    )
