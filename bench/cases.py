"""The requests of the server section: each endpoint's case, checked once through httpx before it is
timed, so that no server gets a figure for answering wrongly."""

from __future__ import annotations

import time

import httpx

from bench.driver import BenchError
from bench.load import Case
from bench.servers import Server

__all__ = ["CREATE_RUNS", "cases", "check", "create_runs_case", "logs_case", "set_state_case"]

CREATE_RUNS = "POST /api/flow_runs/"
CHECK_TRIES = 20


def check(server: Server, method: str, path: str, body: object, status: int) -> object:
    """One request through httpx, before any timing: the route must exist and answer correctly.
    A 503 is tried again a few times (Prefect's services hold its SQLite file after start-up)."""
    with httpx.Client(base_url=server.api_url, trust_env=False, timeout=30.0) as client:
        for _ in range(CHECK_TRIES):
            response = client.request(method, path, json=body)
            if response.status_code != 503:
                break
            time.sleep(0.5)
    if response.status_code != status:
        raise BenchError(f"{server.name} {method} /api{path}: HTTP {response.status_code}, expected {status}: "
                         f"{response.text[:300]}")
    return response.json()


def has_route(server: Server, path: str) -> bool:
    """Whether `server` serves `path` at all (an endpoint still being built is left out, not failed)."""
    with httpx.Client(base_url=server.api_url, trust_env=False, timeout=30.0) as client:
        return client.post(path, json={}).status_code not in (404, 405)


def cases(server: Server) -> list[Case]:
    """The endpoints in the order they run, each first checked once; set_state comes after them."""
    flow_id = check(server, "POST", "/flows/", {"name": "bench-flow"}, 201)["id"]  # type: ignore[index]
    run_id = check(server, "POST", "/flow_runs/", {"flow_id": flow_id}, 201)["id"]  # type: ignore[index]
    logs = _logs(run_id)
    pending = {"flow_runs": {"state": {"type": {"any_": ["PENDING"]}}}, "limit": 10}
    flows = {"flows": {"name": {"any_": ["bench-flow"]}}, "limit": 10}
    for method, path, body, status in [("GET", "/health", None, 200), ("POST", "/flows/", {"name": "bench-flow"}, 200),
                                       ("POST", "/flows/filter", flows, 200), ("POST", "/logs/", logs, 201),
                                       ("POST", "/flow_runs/filter", pending, 200),
                                       ("POST", "/task_runs/", _task_run(run_id, -1), 201)]:
        check(server, method, path, body, status)
    measured = [
        Case("GET  /api/health", lambda i: ("GET", "/api/health", None), 200, writes=False),
        Case("POST /api/flows/ (upsert)", lambda i: ("POST", "/api/flows/", {"name": "bench-flow"}), 200),
        Case("POST /api/flows/filter", lambda i: ("POST", "/api/flows/filter", flows), 200, writes=False),
        logs_case(run_id),
        create_runs_case(flow_id),
        Case("POST /api/flow_runs/filter", lambda i: ("POST", "/api/flow_runs/filter", pending), 200,
             writes=False),
        Case("POST /api/task_runs/", lambda i: ("POST", "/api/task_runs/", _task_run(run_id, i)), 201),
    ]
    if has_route(server, "/deployments/get_scheduled_flow_runs"):
        measured.append(_scheduled_runs_case(server, flow_id))
    return measured


def create_runs_case(flow_id: str) -> Case:
    """PENDING flow runs of `flow_id`, the answers kept for `set_state_case`."""
    return Case(CREATE_RUNS, lambda i: ("POST", "/api/flow_runs/", {"flow_id": flow_id, "state": {"type": "PENDING"}}),
                201, keep=True)


def logs_case(flow_run_id: str) -> Case:
    logs = _logs(flow_run_id)
    return Case("POST /api/logs/ (10 logs)", lambda i: ("POST", "/api/logs/", logs), 201)


def _logs(flow_run_id: str) -> list[dict[str, object]]:
    return [{"name": "bench", "level": 20, "message": f"log line {line}", "flow_run_id": flow_run_id,
             "timestamp": "2025-01-01T00:00:00+00:00"} for line in range(10)]


def _task_run(flow_run_id: str, index: int) -> dict[str, object]:
    return {"flow_run_id": flow_run_id, "task_key": "bench-task", "dynamic_key": str(index)}


def _scheduled_runs_case(server: Server, flow_id: str) -> Case:
    """A worker's poll: a deployment with 10 runs due, asked for them again and again."""
    deployment = check(server, "POST", "/deployments/", {"name": "bench-deployment", "flow_id": flow_id}, 201)
    deployment_id = deployment["id"]  # type: ignore[index]
    due = {"type": "SCHEDULED", "state_details": {"scheduled_time": "2025-01-01T00:00:00+00:00"}}
    for _ in range(10):
        check(server, "POST", "/flow_runs/", {"flow_id": flow_id, "deployment_id": deployment_id, "state": due}, 201)
    body = {"deployment_ids": [deployment_id], "limit": 10}
    check(server, "POST", "/deployments/get_scheduled_flow_runs", body, 200)
    return Case("POST /api/deployments/get_scheduled_flow_runs",
                lambda i: ("POST", "/api/deployments/get_scheduled_flow_runs", body), 200, accept=b"SCHEDULED")


def set_state_case(run_ids: list[str]) -> Case:
    """set_state on the runs made under load: all of them to RUNNING, then to COMPLETED, each ACCEPTed."""
    half = len(run_ids)

    def build(index: int) -> tuple[str, str, object]:
        run_id, state = (run_ids[index], "RUNNING") if index < half else (run_ids[index - half], "COMPLETED")
        return "POST", f"/api/flow_runs/{run_id}/set_state", {"state": {"type": state}}

    return Case("POST /api/flow_runs/{id}/set_state", build, 201, total=2 * half, accept=b'"ACCEPT"')


