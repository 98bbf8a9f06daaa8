"""Events as the client emits them over `/events/in`, and the concurrency-lease bodies."""

from __future__ import annotations

from uuid import UUID

import msgspec
import pytest

from asgi_api.server.schemas import (
    ConcurrencyLeaseRequest,
    ConcurrencyLeaseResponse,
    Event,
    EventsAuth,
    StateCreate,
    object_id,
)
from tests.server.schemas.bodies import EVENT_ID, FLOW_RUN_ID, TASK_RUN_EVENT, TASK_RUN_ID


def decode(body: object, type_: type) -> object:
    return msgspec.json.decode(msgspec.json.encode(body), type=type_, strict=False)


def test_task_run_event_decodes() -> None:
    event = decode(TASK_RUN_EVENT, Event)
    assert event.id == UUID(EVENT_ID) and event.occurred.utcoffset() is not None
    assert object_id(event.resource, "task-run") == UUID(TASK_RUN_ID)
    [flow_run] = event.related_with_role("flow-run")
    assert object_id(flow_run, "flow-run") == UUID(FLOW_RUN_ID)
    state = decode(event.payload["validated_state"], StateCreate)
    assert state.name == "Completed"


def test_object_id_of_other_resources() -> None:
    assert object_id({"prefect.resource.id": f"prefect.flow-run.{FLOW_RUN_ID}"}, "task-run") is None
    assert object_id({"prefect.resource.id": "prefect.task-run.not-a-uuid"}, "task-run") is None


def test_minimal_event_takes_defaults() -> None:
    event = decode({"id": EVENT_ID, "occurred": "2025-03-01T12:00:00Z", "event": "x.y",
                    "resource": {"prefect.resource.id": "x"}}, Event)
    assert (event.related, event.payload, event.follows) == ([], {}, None)


@pytest.mark.parametrize("change", [
    {"resource": {"prefect.resource.name": "no id"}},
    {"resource": {"prefect.resource.id": ""}},
    {"related": [{"prefect.resource.id": "prefect.flow.x"}]},
])
def test_malformed_resources_are_rejected(change: dict) -> None:
    with pytest.raises(msgspec.ValidationError):
        decode(dict(TASK_RUN_EVENT, **change), Event)


def test_events_auth_frame() -> None:
    assert decode({"type": "auth", "token": None}, EventsAuth).token is None
    with pytest.raises(msgspec.ValidationError):
        decode({"type": "ping"}, EventsAuth)


def test_concurrency_lease_request() -> None:
    body = {"names": ["tag:database"], "slots": 1, "mode": "concurrency", "lease_duration": 300,
            "holder": {"type": "task_run", "id": TASK_RUN_ID}}
    request = decode(body, ConcurrencyLeaseRequest)
    assert request.holder.id == UUID(TASK_RUN_ID) and request.lease_duration == 300.0
    for bad in ({"slots": 0}, {"names": []}, {"lease_duration": 10}, {"mode": "other"}):
        with pytest.raises(msgspec.ValidationError):
            decode(dict(body, **bad), ConcurrencyLeaseRequest)


def test_concurrency_lease_response_shape() -> None:
    response = ConcurrencyLeaseResponse(lease_id=UUID(EVENT_ID))
    assert msgspec.json.decode(msgspec.json.encode(response)) == {"lease_id": EVENT_ID, "limits": []}
