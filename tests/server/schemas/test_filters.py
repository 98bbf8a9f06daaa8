"""Filter and sort bodies as the client and the UI send them."""

from __future__ import annotations

from datetime import datetime, timezone
from uuid import UUID

import msgspec
import pytest

from asgi_api.server.schemas.filters import (
    FlowFilter,
    FlowRunFilter,
    LogFilter,
    Operator,
    TaskRunFilter,
    VariableFilter,
)
from asgi_api.server.schemas.sorting import FlowRunSort, FlowSort, LogSort, TaskRunSort, VariableSort
from asgi_api.server.schemas.states import StateType
from tests.server.schemas.bodies import FLOW_RUN_ID


def decode(body: object, type_: type) -> object:
    return msgspec.json.decode(msgspec.json.encode(body), type=type_, strict=False)


def test_subflow_lookup_filter() -> None:
    # What the engine sends to find an existing subflow run for a parent task run.
    body = {"operator": "and_", "id": None, "name": None, "tags": None, "deployment_id": None,
            "work_queue_name": None, "state": None, "flow_version": None, "start_time": None,
            "end_time": None, "expected_start_time": None, "next_scheduled_start_time": None,
            "parent_flow_run_id": None, "parent_task_run_id": {"operator": "and_",
                                                             "any_": [FLOW_RUN_ID],
                                                             "is_null_": None},
            "idempotency_key": None}
    flow_runs = decode(body, FlowRunFilter)
    assert flow_runs.parent_task_run_id.any_ == [UUID(FLOW_RUN_ID)]
    assert flow_runs.operator is Operator.and_ and flow_runs.state is None


def test_every_criterion_is_optional() -> None:
    for filter_type in (FlowFilter, FlowRunFilter, TaskRunFilter, LogFilter, VariableFilter):
        assert decode({}, filter_type) == filter_type()


def test_nested_state_and_time_filters() -> None:
    body = {"operator": "or_",
            "state": {"type": {"any_": ["RUNNING", "PENDING"]}, "name": {"not_any_": ["Late"]}},
            "start_time": {"after_": "2025-03-01T00:00:00Z", "is_null_": False},
            "tags": {"all_": ["etl"], "any_": ["a", "b"], "is_null_": False, "operator": "or_"},
            "a_key_from_the_future": 1}
    flow_runs = decode(body, FlowRunFilter)
    assert flow_runs.operator is Operator.or_
    assert flow_runs.state.type.any_ == [StateType.RUNNING, StateType.PENDING]
    assert flow_runs.state.name.not_any_ == ["Late"]
    assert flow_runs.start_time.after_ == datetime(2025, 3, 1, tzinfo=timezone.utc)
    assert flow_runs.tags.operator is Operator.or_


def test_task_run_filter_keys() -> None:
    task_runs = decode({"subflow_runs": {"exists_": True}, "flow_run_id": {"is_null_": True},
                        "name": {"like_": "say"}}, TaskRunFilter)
    assert task_runs.subflow_runs.exists_ is True and task_runs.flow_run_id.is_null_ is True
    assert task_runs.name.like_ == "say"


def test_log_filter() -> None:
    logs = decode({"level": {"ge_": 20, "le_": 50}, "flow_run_id": {"any_": [FLOW_RUN_ID]},
                   "task_run_id": {"is_null_": True}, "text": {"query": "error"}}, LogFilter)
    assert (logs.level.ge_, logs.level.le_, logs.text.query) == (20, 50, "error")


def test_log_text_query_is_at_most_200_characters() -> None:
    assert decode({"text": {"query": "q" * 200}}, LogFilter).text.query == "q" * 200
    with pytest.raises(msgspec.ValidationError, match="length"):
        decode({"text": {"query": "q" * 201}}, LogFilter)


@pytest.mark.parametrize("body", [
    {"operator": "xor_"},
    {"id": {"any_": ["not-a-uuid"]}},
    {"state": {"type": {"any_": ["DONE"]}}},
    {"start_time": {"before_": "2025-03-01T00:00:00"}},
])
def test_invalid_filters(body: dict) -> None:
    with pytest.raises(msgspec.ValidationError):
        decode(body, FlowRunFilter)


def test_sort_values() -> None:
    assert [s.value for s in FlowSort] == ["CREATED_DESC", "UPDATED_DESC", "NAME_ASC", "NAME_DESC"]
    assert [s.value for s in VariableSort] == [s.value for s in FlowSort]
    assert [s.value for s in LogSort] == ["TIMESTAMP_ASC", "TIMESTAMP_DESC"]
    assert {s.value for s in FlowRunSort} - {s.value for s in TaskRunSort} == {
        "START_TIME_ASC", "START_TIME_DESC"}
    assert msgspec.json.decode(b'"END_TIME_DESC"', type=FlowRunSort) is FlowRunSort.END_TIME_DESC
    with pytest.raises(msgspec.ValidationError):
        msgspec.json.decode(b'"name_asc"', type=FlowSort)
