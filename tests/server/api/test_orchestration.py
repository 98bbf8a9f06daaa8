"""`set_state` on flow and task runs: what the engine relies on (mirrored fields, retries,
duplicate transitions, terminal states, scheduled times) and the 201/200/404 answers."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from tests.server.api.flow_helpers import create_flow_run, create_task_run, set_state

pytestmark = pytest.mark.anyio

PERSISTED = {"storage_key": "/results/abc", "serializer": {"type": "pickle"}}


async def read(client: httpx.AsyncClient, run: dict, runs: str = "flow_runs") -> dict:
    return (await client.get(f"/{runs}/{run['id']}")).json()


async def test_pending_running_completed(client: httpx.AsyncClient) -> None:
    run = await create_flow_run(client)
    result = await set_state(client, run, "RUNNING", expected_status=201)
    assert result["status"] == "ACCEPT" and result["details"] == {"type": "accept_details"}
    running = result["state"]
    assert running["type"] == "RUNNING" and running["state_details"]["flow_run_id"] == run["id"]
    after_running = await read(client, run)
    assert (after_running["run_count"], after_running["start_time"]) == (1, running["timestamp"])
    assert after_running["state"] == running and after_running["end_time"] is None
    completed = (await set_state(client, run, "COMPLETED", message="done", expected_status=201))["state"]
    final = await read(client, run)
    assert (final["state_type"], final["state_name"], final["state_id"]) == ("COMPLETED", "Completed", completed["id"])
    assert final["end_time"] == completed["timestamp"] and final["state"]["message"] == "done"
    started = datetime.fromisoformat(running["timestamp"])
    ended = datetime.fromisoformat(completed["timestamp"])
    assert final["total_run_time"] == pytest.approx((ended - started).total_seconds())
    assert final["expected_start_time"] == run["expected_start_time"] and final["run_count"] == 1


async def test_failed_with_retries_left_awaits_retry(client: httpx.AsyncClient) -> None:
    run = await create_flow_run(client, empirical_policy={"retries": 1, "retry_delay": 0})
    await set_state(client, run, "RUNNING", expected_status=201)
    result = await set_state(client, run, "FAILED", message="boom", expected_status=201)
    assert result["status"] == "REJECT" and result["details"] == {"type": "reject_details", "reason": "Retrying"}
    retry = result["state"]
    assert (retry["type"], retry["name"], retry["message"]) == ("SCHEDULED", "AwaitingRetry", "boom")
    stored = await read(client, run)
    assert stored["state"] == retry and stored["state_name"] == "AwaitingRetry"
    assert stored["empirical_policy"]["retry_type"] == "in_process"
    again = await set_state(client, run, "RUNNING", name="Retrying", expected_status=201)
    assert again["status"] == "ACCEPT" and (await read(client, run))["run_count"] == 2
    failed = await set_state(client, run, "FAILED", expected_status=201)  # no retries left
    assert failed["status"] == "ACCEPT" and failed["state"]["type"] == "FAILED"
    final = await read(client, run)
    assert final["state_type"] == "FAILED" and final["end_time"] == failed["state"]["timestamp"]
    assert final["empirical_policy"]["retry_type"] is None


async def test_retry_delay_makes_the_next_start_wait(client: httpx.AsyncClient) -> None:
    run = await create_flow_run(client, empirical_policy={"retries": 2, "retry_delay": 30})
    await set_state(client, run, "RUNNING")
    retry = (await set_state(client, run, "FAILED"))["state"]
    scheduled = datetime.fromisoformat(retry["state_details"]["scheduled_time"])
    assert (scheduled - datetime.fromisoformat(retry["timestamp"])).total_seconds() == pytest.approx(30, abs=1)
    waiting = await set_state(client, run, "RUNNING", expected_status=200)
    delay = waiting["details"]["delay_seconds"]  # whole seconds: Prefect's client rejects a fraction
    assert waiting["status"] == "WAIT" and isinstance(delay, int) and 25 < delay <= 30
    assert waiting["state"]["id"] == retry["id"]


async def test_a_run_without_retries_fails(client: httpx.AsyncClient) -> None:
    run = await create_flow_run(client)
    await set_state(client, run, "RUNNING")
    assert (await set_state(client, run, "FAILED"))["status"] == "ACCEPT"


async def test_duplicate_transition_id_gets_the_current_state(client: httpx.AsyncClient) -> None:
    run = await create_flow_run(client)
    details = {"transition_id": str(uuid.uuid4())}
    first = await set_state(client, run, "RUNNING", state_details=details, expected_status=201)
    repeat = await set_state(client, run, "RUNNING", state_details=details, expected_status=200)
    assert repeat["status"] == "REJECT" and repeat["state"] == first["state"]
    assert (await read(client, run))["run_count"] == 1


async def test_leaving_a_completed_run_with_a_result(client: httpx.AsyncClient) -> None:
    run = await create_flow_run(client)
    await set_state(client, run, "RUNNING")
    completed = (await set_state(client, run, "COMPLETED", data=PERSISTED))["state"]
    rejected = await set_state(client, run, "RUNNING", expected_status=200)
    assert rejected["status"] == "REJECT" and rejected["state"] == completed
    aborted = await set_state(client, run, "CRASHED", expected_status=200)
    assert aborted["status"] == "ABORT" and aborted["details"]["type"] == "abort_details"
    forced = await set_state(client, run, "RUNNING", force=True, expected_status=201)
    assert forced["status"] == "ACCEPT"
    rerun = await read(client, run)
    assert (rerun["state_type"], rerun["run_count"], rerun["end_time"]) == ("RUNNING", 2, None)


async def test_rerunning_a_failed_flow_run(client: httpx.AsyncClient) -> None:
    run = await create_flow_run(client)
    await set_state(client, run, "RUNNING")
    await set_state(client, run, "FAILED")
    assert (await set_state(client, run, "RUNNING", expected_status=201))["status"] == "ACCEPT"
    await set_state(client, run, "COMPLETED")
    rescheduled = await set_state(client, run, "SCHEDULED", expected_status=200)
    assert rescheduled["status"] == "ABORT"  # no deployment to pick it up


async def test_pending_twice_is_aborted(client: httpx.AsyncClient) -> None:
    run = await create_flow_run(client)
    assert (await set_state(client, run, "PENDING", expected_status=200))["status"] == "ABORT"


async def test_named_pending_sub_states_may_follow_pending(client: httpx.AsyncClient) -> None:
    later = (datetime.now(timezone.utc) + timedelta(seconds=2)).isoformat()
    run = await create_flow_run(client, state={"type": "SCHEDULED", "state_details": {"scheduled_time": later}})
    await set_state(client, run, "PENDING", expected_status=201)
    submitting = await set_state(client, run, "PENDING", name="Submitting", expected_status=201)
    scheduled = submitting["state"]["state_details"]["scheduled_time"]
    assert submitting["status"] == "ACCEPT" and datetime.fromisoformat(scheduled) == datetime.fromisoformat(later)
    again = await set_state(client, run, "PENDING", name="Submitting", expected_status=200)  # a second submitter
    assert again["status"] == "ABORT"
    assert (await set_state(client, run, "PENDING", expected_status=200))["status"] == "ABORT"


async def test_cancelling_only_leads_to_cancelled(client: httpx.AsyncClient) -> None:
    run = await create_flow_run(client)
    await set_state(client, run, "RUNNING")
    await set_state(client, run, "CANCELLING")
    assert (await set_state(client, run, "COMPLETED"))["status"] == "REJECT"
    assert (await set_state(client, run, "CANCELLED"))["status"] == "ACCEPT"


async def test_cancelling_a_scheduled_run_without_a_process_cancels_it(client: httpx.AsyncClient) -> None:
    run = await create_flow_run(client, state={"type": "SCHEDULED"})
    result = await set_state(client, run, "CANCELLING", expected_status=201)
    assert result["status"] == "REJECT" and result["state"]["type"] == "CANCELLED"
    assert result["details"]["reason"] == "Scheduled flow run has no infrastructure to terminate."
    stored = await read(client, run)
    assert (stored["state_type"], stored["state"]["id"]) == ("CANCELLED", result["state"]["id"])
    assert stored["end_time"] == result["state"]["timestamp"]


async def test_cancelling_a_run_with_a_process_waits_for_it(client: httpx.AsyncClient) -> None:
    run = await create_flow_run(client, state={"type": "SCHEDULED"})
    assert (await client.patch(f"/flow_runs/{run['id']}", json={"infrastructure_pid": "host:42"})).status_code == 204
    result = await set_state(client, run, "CANCELLING", expected_status=201)
    assert result["status"] == "ACCEPT" and (await read(client, run))["state_type"] == "CANCELLING"


async def test_cancelling_a_suspended_run_cancels_it(client: httpx.AsyncClient) -> None:
    run = await create_flow_run(client, deployment_id=str(uuid.uuid4()))  # suspending needs a deployment
    await set_state(client, run, "RUNNING")
    await set_state(client, run, "PAUSED", name="Suspended", state_details={"pause_reschedule": True})
    result = await set_state(client, run, "CANCELLING", expected_status=201)
    assert result["status"] == "REJECT" and result["state"]["type"] == "CANCELLED"


async def test_scheduled_in_the_future_waits(client: httpx.AsyncClient) -> None:
    later = (datetime.now(timezone.utc) + timedelta(hours=1)).isoformat()
    run = await create_flow_run(client, state={"type": "SCHEDULED", "state_details": {"scheduled_time": later}})
    pending = await set_state(client, run, "PENDING", expected_status=201)
    assert pending["state"]["state_details"]["scheduled_time"] == run["state"]["state_details"]["scheduled_time"]
    waiting = await set_state(client, run, "RUNNING", expected_status=200)
    assert waiting["status"] == "WAIT" and waiting["details"]["delay_seconds"] > 3500


async def test_set_state_of_an_unknown_run(client: httpx.AsyncClient) -> None:
    for runs, label in (("flow_runs", "Flow run"), ("task_runs", "Task run")):
        run_id = uuid.uuid4()
        response = await client.post(f"/{runs}/{run_id}/set_state", json={"state": {"type": "RUNNING"}})
        assert (response.status_code, response.json()) == (
            404, {"exception_message": f"{label} with id {run_id} not found"})


async def test_bad_proposals_are_422(client: httpx.AsyncClient) -> None:
    run = await create_flow_run(client)
    for body in ({"state": {"type": "SIDEWAYS"}}, {}, {"state": None}):
        response = await client.post(f"/flow_runs/{run['id']}/set_state", json=body)
        assert response.status_code == 422, body
    assert (await read(client, run))["state_type"] == "PENDING"


async def test_task_runs_are_orchestrated_too(client: httpx.AsyncClient) -> None:
    flow_run = await create_flow_run(client)
    await set_state(client, flow_run, "RUNNING")
    task_run = await create_task_run(client, flow_run["id"], empirical_policy={"retries": 3})
    assert task_run["state_type"] == "PENDING"
    running = await set_state(client, task_run, "RUNNING", runs="task_runs", expected_status=201)
    assert running["state"]["state_details"]["task_run_id"] == task_run["id"]
    failed = await set_state(client, task_run, "FAILED", runs="task_runs", expected_status=201)
    assert failed["status"] == "ACCEPT"  # task retries are the client's job
    stored = await read(client, task_run, "task_runs")
    assert (stored["run_count"], stored["flow_run_run_count"], stored["state_type"]) == (1, 1, "FAILED")
    assert stored["end_time"] == failed["state"]["timestamp"] and stored["start_time"] is not None
    retrying = await set_state(client, task_run, "RUNNING", runs="task_runs", name="Retrying")
    assert retrying["status"] == "ACCEPT"
    assert (await read(client, task_run, "task_runs"))["run_count"] == 1  # counting afresh after a terminal state
    await set_state(client, task_run, "COMPLETED", runs="task_runs", data=PERSISTED)
    assert (await set_state(client, task_run, "RUNNING", runs="task_runs"))["status"] == "REJECT"
    assert (await set_state(client, task_run, "PAUSED", runs="task_runs"))["status"] == "ABORT"
    forced = await set_state(client, task_run, "RUNNING", runs="task_runs", force=True, expected_status=201)
    assert forced["status"] == "ACCEPT"


async def test_a_subflows_parent_task_run_follows_the_subflow(client: httpx.AsyncClient) -> None:
    parent = await create_flow_run(client)
    placeholder = await create_task_run(client, parent["id"], task_key="child")
    subflow = await create_flow_run(client, parent_task_run_id=placeholder["id"])
    for state_type in ("RUNNING", "COMPLETED"):
        stored = (await set_state(client, subflow, state_type, expected_status=201))["state"]
        task = await read(client, placeholder, runs="task_runs")
        assert (task["state_type"], task["state"]["timestamp"]) == (state_type, stored["timestamp"])
        assert task["state"]["state_details"]["child_flow_run_id"] == subflow["id"]
    assert task["run_count"] == 1 and task["end_time"] == stored["timestamp"]


async def test_pause_and_resume(client: httpx.AsyncClient) -> None:
    run = await create_flow_run(client)
    not_running = await set_state(client, run, "PAUSED", expected_status=200)
    assert not_running["status"] == "REJECT"
    await set_state(client, run, "RUNNING")
    paused = await set_state(client, run, "PAUSED", state_details={"pause_key": "1"}, expected_status=201)
    assert paused["status"] == "ACCEPT" and (await read(client, run))["empirical_policy"]["pause_keys"] == ["1"]
    resumed = await client.post(f"/flow_runs/{run['id']}/resume", json={})
    assert resumed.status_code == 201, resumed.text
    assert resumed.json()["status"] == "ACCEPT" and resumed.json()["state"]["type"] == "RUNNING"
    after = await read(client, run)
    assert after["state_type"] == "RUNNING" and after["empirical_policy"]["resuming"] is True
    again = await set_state(client, run, "PAUSED", state_details={"pause_key": "1"}, expected_status=200)
    assert again["status"] == "REJECT" and again["details"]["reason"] == "This pause has already fired."
    not_paused = await client.post(f"/flow_runs/{run['id']}/resume", json={})
    assert not_paused.status_code == 200
    assert not_paused.json() == {"state": None, "status": "ABORT", "details": {
        "type": "abort_details", "reason": "Cannot resume a flow run that is not paused."}}
    assert (await client.post(f"/flow_runs/{uuid.uuid4()}/resume", json={})).status_code == 404


async def test_a_pause_past_its_timeout_fails_on_resume(client: httpx.AsyncClient) -> None:
    run = await create_flow_run(client)
    await set_state(client, run, "RUNNING")
    past = (datetime.now(timezone.utc) - timedelta(seconds=1)).isoformat()
    await set_state(client, run, "PAUSED", state_details={"pause_timeout": past})
    resumed = (await client.post(f"/flow_runs/{run['id']}/resume", json={})).json()
    assert resumed["status"] == "REJECT" and resumed["state"]["type"] == "FAILED"
    assert (await read(client, run))["state_type"] == "FAILED"


async def test_suspending_needs_a_deployment(client: httpx.AsyncClient) -> None:
    run = await create_flow_run(client)
    await set_state(client, run, "RUNNING")
    suspended = await set_state(client, run, "PAUSED", name="Suspended", state_details={"pause_reschedule": True},
                                expected_status=200)
    assert suspended["status"] == "ABORT"
    assert suspended["details"]["reason"] == "Cannot suspend flows without a deployment."


async def _limited_runs(client: httpx.AsyncClient, count: int, **deployment: object) -> list[dict]:
    flow = (await client.post("/flows/", json={"name": "limited"})).json()
    created = await client.post("/deployments/", json={"name": "one-at-a-time", "flow_id": flow["id"],
                                                       "concurrency_limit": 1, **deployment})
    assert created.status_code == 201, created.text
    url = f"/deployments/{created.json()['id']}/create_flow_run"
    return [(await client.post(url, json={})).json() for _ in range(count)]


async def test_a_deployment_at_its_concurrency_limit_enqueues_further_runs(client: httpx.AsyncClient) -> None:
    first, second, third = await _limited_runs(client, 3)
    assert (await set_state(client, first, "PENDING", expected_status=201))["status"] == "ACCEPT"
    submitting = await set_state(client, first, "PENDING", name="Submitting", expected_status=201)
    assert submitting["status"] == "ACCEPT"  # the run holding the slot moves on
    before = datetime.now(timezone.utc)
    refused = await set_state(client, second, "PENDING", expected_status=201)
    assert (refused["status"], refused["details"]["reason"]) == ("REJECT", "Deployment concurrency limit reached.")
    assert (refused["state"]["type"], refused["state"]["name"]) == ("SCHEDULED", "AwaitingConcurrencySlot")
    retry_at = datetime.fromisoformat(refused["state"]["state_details"]["scheduled_time"])
    assert before + timedelta(seconds=29) < retry_at < before + timedelta(seconds=60)
    assert (await read(client, second))["state_name"] == "AwaitingConcurrencySlot"
    assert (await set_state(client, third, "PENDING", force=True))["status"] == "ACCEPT"  # force skips the rules

    await set_state(client, first, "RUNNING")
    await set_state(client, first, "COMPLETED")
    await set_state(client, third, "CANCELLED", force=True)
    assert (await set_state(client, second, "PENDING", expected_status=201))["status"] == "ACCEPT"  # a slot is free


async def test_cancel_new_cancels_a_run_beyond_the_limit(client: httpx.AsyncClient) -> None:
    first, second = await _limited_runs(client, 2, concurrency_options={"collision_strategy": "CANCEL_NEW"})
    await set_state(client, first, "PENDING")
    await set_state(client, first, "RUNNING")
    refused = await set_state(client, second, "PENDING", expected_status=201)
    assert (refused["status"], refused["state"]["type"]) == ("REJECT", "CANCELLED")
    assert refused["state"]["message"] == "Deployment concurrency limit reached."
    assert (await read(client, second))["state_type"] == "CANCELLED"
