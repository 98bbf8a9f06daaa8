"""States: defaults the server fills in, and the orchestration result's wire shape."""

from __future__ import annotations

from datetime import datetime, timezone
from uuid import UUID, uuid4

import msgspec
import pytest

from asgi_api.server.schemas import (
    AbortDetails,
    AcceptDetails,
    OrchestrationResult,
    RejectDetails,
    SetStateStatus,
    State,
    StateCreate,
    StateType,
    WaitDetails,
    default_state_name,
    state_from_proposal,
)
from tests.server.schemas.bodies import PENDING

WHEN = datetime(2025, 3, 1, 12, 0, tzinfo=timezone.utc)


def wire(obj: object) -> object:
    return msgspec.json.decode(msgspec.json.encode(obj))


def test_client_state_decodes() -> None:
    state = msgspec.json.decode(msgspec.json.encode(PENDING), type=StateCreate, strict=False)
    assert state.type is StateType.PENDING and state.name == "Pending"
    assert state.state_details.untrackable_result is False


@pytest.mark.parametrize(("type_", "name"), [
    (StateType.COMPLETED, "Completed"), (StateType.CANCELLING, "Cancelling"),
    (StateType.RUNNING, "Running"),
])
def test_name_defaults_to_the_type_in_title_case(type_: StateType, name: str) -> None:
    assert default_state_name(type_) == name
    decoded = msgspec.json.decode(f'{{"type": "{type_.value}"}}', type=StateCreate)
    assert decoded.name == name
    assert State(type=type_).name == name


def test_sent_names_are_kept() -> None:
    state = msgspec.json.decode(b'{"type": "SCHEDULED", "name": "AwaitingRetry"}', type=StateCreate)
    assert state.name == "AwaitingRetry"


def test_scheduled_states_always_have_a_scheduled_time() -> None:
    state = msgspec.json.decode(b'{"type": "SCHEDULED"}', type=StateCreate)
    assert state.state_details.scheduled_time.tzinfo is not None
    sent = msgspec.json.decode(
        b'{"type": "SCHEDULED", "state_details": {"scheduled_time": "2025-03-01T12:00:00Z"}}',
        type=StateCreate,
    )
    assert sent.state_details.scheduled_time == WHEN
    assert msgspec.json.decode(b'{"type": "RUNNING"}', type=StateCreate).state_details.scheduled_time is None


def test_unknown_state_type_is_rejected() -> None:
    with pytest.raises(msgspec.ValidationError):
        msgspec.json.decode(b'{"type": "running"}', type=StateCreate)


def test_state_from_proposal_takes_event_identity() -> None:
    event_id = uuid4()
    state = state_from_proposal(StateCreate(type=StateType.COMPLETED, message="done"),
                                id=event_id, timestamp=WHEN)
    assert (state.id, state.timestamp, state.name, state.message) == (event_id, WHEN, "Completed", "done")
    assert state.is_final()
    assert not state_from_proposal(StateCreate(type=StateType.RUNNING)).is_final()


def test_state_wire_shape() -> None:
    state_id = UUID("11111111-2222-3333-4444-555555555555")
    body = wire(State(id=state_id, type=StateType.FAILED, timestamp=WHEN, data={"x": 1}))
    assert body["id"] == str(state_id) and body["type"] == "FAILED" and body["name"] == "Failed"
    assert body["timestamp"] == "2025-03-01T12:00:00Z" and body["data"] == {"x": 1}
    assert body["state_details"]["pause_reschedule"] is False


@pytest.mark.parametrize(("details", "expected"), [
    (AcceptDetails(), {"type": "accept_details"}),
    (RejectDetails(reason="duplicate"), {"type": "reject_details", "reason": "duplicate"}),
    (AbortDetails(reason="terminal"), {"type": "abort_details", "reason": "terminal"}),
    (WaitDetails(delay_seconds=5, reason="busy"),
     {"type": "wait_details", "delay_seconds": 5.0, "reason": "busy"}),
])
def test_orchestration_result_wire_shape(details: object, expected: dict) -> None:
    status = SetStateStatus.ACCEPT if isinstance(details, AcceptDetails) else SetStateStatus.REJECT
    body = wire(OrchestrationResult(state=None, status=status, details=details))
    assert body == {"state": None, "status": status.value, "details": expected}
    assert msgspec.json.decode(msgspec.json.encode(body), type=OrchestrationResult).details == details
