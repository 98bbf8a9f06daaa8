"""Response objects encode to Prefect's wire shapes."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from uuid import uuid4

import msgspec

from asgi_api.server.schemas import (
    CsrfToken,
    Flow,
    FlowPaginationResponse,
    FlowRun,
    Log,
    State,
    StateType,
    TaskRun,
    Variable,
)

CREATED = datetime(2025, 3, 1, 12, 0, tzinfo=timezone.utc)
IDS = {"created": CREATED, "updated": CREATED}


def wire(obj: object) -> dict:
    return msgspec.json.decode(msgspec.json.encode(obj))


def test_flow_run_wire_shape() -> None:
    state = State(type=StateType.COMPLETED, timestamp=CREATED)
    run = FlowRun(
        id=uuid4(), **IDS, name="witty-otter", flow_id=uuid4(), state_id=state.id,
        state_type=StateType.COMPLETED, state_name="Completed", run_count=1,
        start_time=CREATED, end_time=CREATED + timedelta(seconds=90),
        total_run_time=timedelta(seconds=90.5).total_seconds(), state=state,
        labels={"prefect.flow.id": "x", "team": "data", "priority": 2, "gpu": False},
    )
    body = wire(run)
    assert body["created"] == "2025-03-01T12:00:00Z" and body["end_time"] == "2025-03-01T12:01:30Z"
    assert body["state_type"] == "COMPLETED" and body["state"]["type"] == "COMPLETED"
    assert body["total_run_time"] == 90.5
    assert body["estimated_run_time"] == 0.0 and body["estimated_start_time_delta"] == 0.0
    assert body["empirical_policy"] == {
        "max_retries": 0, "retry_delay_seconds": 0.0, "retries": None, "retry_delay": None,
        "pause_keys": [], "resuming": False, "retry_type": None,
    }
    assert body["labels"]["priority"] == 2 and body["auto_scheduled"] is False
    for key in ("work_queue_id", "work_pool_id", "work_pool_name", "created_by",
                "infrastructure_pid", "deployment_version", "next_scheduled_start_time"):
        assert body[key] is None


def test_task_run_wire_shape() -> None:
    body = wire(TaskRun(id=uuid4(), **IDS, name="say_hello-0b1", task_key="say_hello-2f1e",
                        dynamic_key="0"))
    assert body["task_inputs"] == {} and body["flow_run_run_count"] == 0
    assert body["empirical_policy"] == {
        "max_retries": 0, "retry_delay_seconds": 0.0, "retries": None, "retry_delay": None,
        "retry_jitter_factor": None,
    }
    assert body["state"] is None and body["total_run_time"] == 0.0


def test_small_objects_wire_shapes() -> None:
    flow_id = uuid4()
    assert wire(Flow(id=flow_id, **IDS, name="etl")) == {
        "id": str(flow_id), "created": "2025-03-01T12:00:00Z", "updated": "2025-03-01T12:00:00Z",
        "name": "etl", "tags": [], "labels": {},
    }
    log = wire(Log(id=uuid4(), **IDS, name="prefect", level=20, message="hi", timestamp=CREATED))
    assert log["flow_run_id"] is None and log["timestamp"] == "2025-03-01T12:00:00Z"
    assert wire(Variable(id=uuid4(), **IDS, name="v", value=[1, "a"]))["value"] == [1, "a"]
    token = wire(CsrfToken(id=uuid4(), **IDS, token="t", client="c", expiration=CREATED))
    assert set(token) == {"id", "created", "updated", "token", "client", "expiration"}


def test_pagination_wire_shape() -> None:
    page = FlowPaginationResponse(results=[], count=0, limit=10, pages=0, page=1)
    assert wire(page) == {"results": [], "count": 0, "limit": 10, "pages": 0, "page": 1}


def test_responses_decode_back_like_a_client_would() -> None:
    run = FlowRun(id=uuid4(), **IDS, name="r", flow_id=uuid4(),
                  state=State(type=StateType.RUNNING, timestamp=CREATED))
    assert msgspec.json.decode(msgspec.json.encode(run), type=FlowRun) == run
