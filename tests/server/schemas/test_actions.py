"""Action bodies as Prefect 3's client sends them decode into the request Structs."""

from __future__ import annotations

import copy
from uuid import UUID

import msgspec
import pytest

from asgi_api.server.schemas import (
    Constant,
    FlowCreate,
    FlowRunCreate,
    FlowRunResult,
    FlowRunUpdate,
    FlowUpdate,
    LogCreate,
    Parameter,
    StateType,
    TaskRunCreate,
    TaskRunResult,
    VariableCreate,
    VariableUpdate,
    variable_value_too_long,
)
from tests.server.schemas.bodies import (
    FLOW_ID,
    FLOW_RUN_CREATE,
    FLOW_RUN_ID,
    LOG,
    SUBFLOW_TASK_RUN_CREATE,
    TASK_RUN_ID,
)


def decode(body: object, type_: type) -> object:
    """Decode as the framework does: JSON bytes, lax scalars."""
    return msgspec.json.decode(msgspec.json.encode(body), type=type_, strict=False)


def test_flow_run_create_from_client_body() -> None:
    run = decode(FLOW_RUN_CREATE, FlowRunCreate)
    assert run.flow_id == UUID(FLOW_ID)
    assert run.name is None
    assert run.parameters == {"name": "marvin", "count": 3}
    assert run.state.type is StateType.PENDING
    assert run.empirical_policy.retries == 2 and run.empirical_policy.retry_delay == 5
    assert run.tags == ["etl"]


def test_flow_run_create_minimal_body_takes_defaults() -> None:
    run = decode({"flow_id": FLOW_ID}, FlowRunCreate)
    assert run.state is None and run.name is None and run.idempotency_key is None
    assert run.parameters == {} and run.context == {} and run.tags == [] and run.labels == {}
    policy = run.empirical_policy
    assert (policy.max_retries, policy.retry_delay_seconds, policy.retries) == (0, 0.0, None)
    assert (policy.pause_keys, policy.resuming, policy.retry_type) == ([], False, None)


def test_null_labels_mean_no_labels() -> None:
    assert decode({"flow_id": FLOW_ID, "labels": None}, FlowRunCreate).labels == {}
    assert decode({"name": "etl", "labels": None}, FlowCreate).labels == {}


def test_unknown_fields_are_ignored() -> None:
    body = dict(FLOW_RUN_CREATE, some_future_field={"x": 1})
    body["state"] = dict(body["state"], future_state_field=True)
    assert decode(body, FlowRunCreate).flow_id == UUID(FLOW_ID)


def test_flow_run_create_requires_a_flow_id() -> None:
    with pytest.raises(msgspec.ValidationError, match="flow_id"):
        decode({"name": "x"}, FlowRunCreate)


def test_legacy_policy_fields_fill_the_new_ones() -> None:
    body = {"flow_id": FLOW_ID, "empirical_policy": {"max_retries": 3, "retry_delay_seconds": 10}}
    policy = decode(body, FlowRunCreate).empirical_policy
    assert policy.retries == 3 and policy.retry_delay == 10


def test_task_run_create_with_every_input_kind() -> None:
    run = decode(SUBFLOW_TASK_RUN_CREATE, TaskRunCreate)
    assert run.id == UUID(TASK_RUN_ID) and run.flow_run_id == UUID(FLOW_RUN_ID)
    assert run.task_inputs == {
        "x": [Parameter(name="x")],
        "y": [TaskRunResult(id=UUID(TASK_RUN_ID)), FlowRunResult(id=UUID(FLOW_RUN_ID))],
        "z": [Constant(type="int")],
    }


def test_task_inputs_round_trip() -> None:
    run = decode(SUBFLOW_TASK_RUN_CREATE, TaskRunCreate)
    wire = msgspec.json.decode(msgspec.json.encode(run.task_inputs))
    assert wire == SUBFLOW_TASK_RUN_CREATE["task_inputs"]


def test_task_run_policy_accepts_a_list_of_delays() -> None:
    body = copy.deepcopy(SUBFLOW_TASK_RUN_CREATE)
    body["empirical_policy"] = {"retries": 3, "retry_delay": [1, 2.5, 10], "retry_jitter_factor": 0.5}
    policy = decode(body, TaskRunCreate).empirical_policy
    assert policy.retry_delay == [1, 2.5, 10] and policy.retry_jitter_factor == 0.5


@pytest.mark.parametrize("policy", [{"retry_jitter_factor": -1}, {"retry_delay": list(range(51))}])
def test_task_run_policy_constraints(policy: dict) -> None:
    body = dict(SUBFLOW_TASK_RUN_CREATE, empirical_policy=policy)
    with pytest.raises(msgspec.ValidationError):
        decode(body, TaskRunCreate)


def test_unknown_task_input_type_is_rejected() -> None:
    body = dict(SUBFLOW_TASK_RUN_CREATE, task_inputs={"x": [{"input_type": "nope"}]})
    with pytest.raises(msgspec.ValidationError, match="input_type"):
        decode(body, TaskRunCreate)


def test_task_run_create_requires_keys() -> None:
    with pytest.raises(msgspec.ValidationError, match="dynamic_key"):
        decode({"task_key": "t"}, TaskRunCreate)


@pytest.mark.parametrize("name", ["my-flow", "ETL flow: daily!", "café"])
def test_flow_names_allowed(name: str) -> None:
    assert decode({"name": name}, FlowCreate).name == name


@pytest.mark.parametrize("name", ["a/b", "50%", "a&b", "a>b", "a<b"])
def test_flow_names_with_banned_characters(name: str) -> None:
    with pytest.raises(msgspec.ValidationError, match="regex"):
        decode({"name": name}, FlowCreate)


def test_logs_array_ignores_worker_id() -> None:
    logs = decode([LOG, dict(LOG, task_run_id=TASK_RUN_ID, level=40)], list[LogCreate])
    assert logs[0].flow_run_id == UUID(FLOW_RUN_ID) and logs[0].task_run_id is None
    assert logs[1].level == 40 and logs[0].timestamp.utcoffset() is not None


def test_naive_datetimes_are_rejected() -> None:
    with pytest.raises(msgspec.ValidationError, match="timezone"):
        decode(dict(LOG, timestamp="2025-03-01T12:00:01"), LogCreate)


def test_variable_create() -> None:
    variable = decode({"name": "api_base-url_2", "value": {"url": "x"}, "tags": ["a"]}, VariableCreate)
    assert (variable.name, variable.value, variable.tags) == ("api_base-url_2", {"url": "x"}, ["a"])
    assert decode({"name": "nothing", "value": None}, VariableCreate).value is None


@pytest.mark.parametrize("body", [
    {"name": "Upper", "value": 1},
    {"name": "has space", "value": 1},
    {"name": "dot.ted", "value": 1},
    {"name": "", "value": 1},
    {"name": "a" * 256, "value": 1},
    {"name": "no_value"},
])
def test_variable_create_violations(body: dict) -> None:
    with pytest.raises(msgspec.ValidationError):
        decode(body, VariableCreate)


def test_variable_name_at_the_length_limit() -> None:
    assert decode({"name": "a" * 255, "value": 1}, VariableCreate).name == "a" * 255


def test_variable_value_length_is_measured_as_compact_json() -> None:
    assert not variable_value_too_long("x" * 4998)  # 5000 with the quotes
    assert variable_value_too_long("x" * 4999)
    assert not variable_value_too_long(None)
    assert variable_value_too_long({"k": ["v" * 1000] * 5})


def test_patch_bodies_tell_missing_from_null() -> None:
    update = decode({"flow_version": None, "tags": ["a"]}, FlowRunUpdate)
    assert update.flow_version is None and update.tags == ["a"]
    assert update.name is msgspec.UNSET and update.parameters is msgspec.UNSET
    assert update.empirical_policy is msgspec.UNSET and update.job_variables is msgspec.UNSET

    variable = decode({"value": None}, VariableUpdate)
    assert variable.value is None and variable.name is msgspec.UNSET and variable.tags is msgspec.UNSET
    assert decode({}, VariableUpdate).value is msgspec.UNSET
    assert decode({}, FlowUpdate).tags is msgspec.UNSET


def test_patch_bodies_still_validate_what_is_sent() -> None:
    with pytest.raises(msgspec.ValidationError):
        decode({"name": None}, FlowRunUpdate)  # a run always has a name
    with pytest.raises(msgspec.ValidationError):
        decode({"name": "Not Valid"}, VariableUpdate)
    with pytest.raises(msgspec.ValidationError):
        decode({"tags": None}, FlowUpdate)


def test_unset_fields_are_left_out_when_encoding() -> None:
    assert msgspec.json.decode(msgspec.json.encode(FlowRunUpdate(name="renamed"))) == {"name": "renamed"}
