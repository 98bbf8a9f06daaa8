"""Request bodies shaped like what Prefect 3's client sends (model_dump(mode="json"))."""

from __future__ import annotations

FLOW_ID = "5b2bcbd4-3a5e-4d8d-9f30-d0c7f6d2c1a1"
FLOW_RUN_ID = "0e6a9d7c-1f7e-4c48-8c3a-2d8b7b8a4f10"
TASK_RUN_ID = "c7d1f0de-74a8-4a76-9d2e-5b1d6a3e9c22"
EVENT_ID = "7a1c2f3e-9b8d-4c6e-a5f4-3e2d1c0b9a88"

STATE_DETAILS = {
    "flow_run_id": None, "task_run_id": None, "child_flow_run_id": None, "scheduled_time": None,
    "cache_key": None, "cache_expiration": None, "deferred": False, "untrackable_result": False,
    "pause_timeout": None, "pause_reschedule": False, "pause_key": None, "run_input_keyset": None,
    "refresh_cache": None, "retriable": None, "transition_id": None, "task_parameters_id": None,
    "traceparent": None, "deployment_concurrency_lease_id": None,
}

PENDING = {"type": "PENDING", "name": "Pending", "message": None, "state_details": STATE_DETAILS,
           "data": None}

FLOW_RUN_CREATE = {
    "name": None,
    "flow_id": FLOW_ID,
    "deployment_id": None,
    "flow_version": "0b6e2d1c9f6b1f3c4a2e7d8f9a0b1c2d",
    "parameters": {"name": "marvin", "count": 3},
    "context": {},
    "parent_task_run_id": None,
    "infrastructure_document_id": None,
    "empirical_policy": {"max_retries": 0, "retry_delay_seconds": 0.0, "retries": 2,
                         "retry_delay": 5, "pause_keys": [], "resuming": False,
                         "retry_type": None},
    "tags": ["etl"],
    "labels": {},
    "idempotency_key": None,
    "work_pool_name": None,
    "work_queue_name": None,
    "job_variables": None,
    "state": PENDING,
}

SUBFLOW_TASK_RUN_CREATE = {
    "id": TASK_RUN_ID,
    "name": "child-flow",
    "flow_run_id": FLOW_RUN_ID,
    "task_key": "child_flow-3b4f2e1a",
    "dynamic_key": "0",
    "cache_key": None,
    "cache_expiration": None,
    "task_version": None,
    "empirical_policy": {"max_retries": 0, "retry_delay_seconds": 0.0, "retries": 0,
                         "retry_delay": 0, "retry_jitter_factor": None},
    "tags": [],
    "labels": {},
    "task_inputs": {
        "x": [{"input_type": "parameter", "name": "x"}],
        "y": [{"input_type": "task_run", "id": TASK_RUN_ID},
              {"input_type": "flow_run", "id": FLOW_RUN_ID}],
        "z": [{"input_type": "constant", "type": "int"}],
    },
    "state": PENDING,
}

LOG = {
    "name": "prefect.flow_runs",
    "level": 20,
    "message": "Beginning flow run 'witty-otter' for flow 'etl'",
    "timestamp": "2025-03-01T12:00:01.123456+00:00",
    "flow_run_id": FLOW_RUN_ID,
    "task_run_id": None,
    "worker_id": None,
}

TASK_RUN_EVENT = {
    "occurred": "2025-03-01T12:00:02.5+00:00",
    "event": "prefect.task-run.Completed",
    "resource": {
        "prefect.resource.id": f"prefect.task-run.{TASK_RUN_ID}",
        "prefect.resource.name": "say_hello-0b1",
        "prefect.run-count": "1",
        "prefect.state-message": "",
        "prefect.state-name": "Completed",
        "prefect.state-timestamp": "2025-03-01T12:00:02.5+00:00",
        "prefect.state-type": "COMPLETED",
        "prefect.orchestration": "client",
    },
    "related": [
        {"prefect.resource.id": f"prefect.flow-run.{FLOW_RUN_ID}",
         "prefect.resource.role": "flow-run", "prefect.resource.name": "witty-otter"},
        {"prefect.resource.id": f"prefect.flow.{FLOW_ID}", "prefect.resource.role": "flow",
         "prefect.resource.name": "etl"},
    ],
    "payload": {
        "intended": {"from": "RUNNING", "to": "COMPLETED"},
        "initial_state": {"type": "RUNNING", "name": "Running", "message": "",
                          "state_details": {}},
        "validated_state": {"type": "COMPLETED", "name": "Completed", "message": "",
                            "state_details": {}, "data": None},
        "task_run": {"name": "say_hello-0b1", "task_key": "say_hello-2f1e", "dynamic_key": "0"},
    },
    "id": EVENT_ID,
    "follows": None,
}
