"""Prefect 3's own client and flow engine against a real server, with no error and no warning.

The scripts in `prefect_scripts/` run in a separate venv holding `prefect` (see `prefect_venv`),
pointed at the server by PREFECT_API_URL; what they reported is then read back with httpx.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from asgi_api.server.subprocess import SubprocessASGIServer
from tests.server.e2e.conftest import require
from tests.server.e2e.prefect_venv import PREFECT_VERSION, PrefectVenvError, prefect_python

SCRIPTS = Path(__file__).resolve().parent / "prefect_scripts"
SCRIPT_TIMEOUT = 180.0
EVENTS_TIMEOUT = 15.0  # task runs are recorded from events, which the server may still be taking in
DELIBERATE = "e2e deliberate first-attempt failure"  # the one error run_flows.py logs on purpose
# A log record at WARNING or above (Prefect's console format: "12:00:00.000 | WARNING | ..."), or a
# Python warning ("...Warning: ...").
COMPLAINT = re.compile(r"\|\s*(WARNING|ERROR|CRITICAL)\s*\||\bWARNING\b|\bERROR\b|\w+Warning:")


@pytest.fixture(scope="session")
def prefect() -> Path:
    """The Prefect venv's interpreter, built on first use."""
    try:
        return prefect_python()
    except PrefectVenvError as exc:
        require(f"cannot build a venv with prefect=={PREFECT_VERSION}: {exc}")
        raise


def run_script(python: Path, script: str, server: SubprocessASGIServer, home: Path, *args: str) -> Any:
    """Runs a script (with `args`) against `server`; asserts exit 0 and no complaint; returns its
    JSON output."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("PREFECT_")}
    env.update({
        "PREFECT_API_URL": server.api_url,
        "PREFECT_HOME": str(home),
        "PREFECT_RESULTS_LOCAL_STORAGE_PATH": str(home / "results"),  # nothing lands in the user's ~/.prefect
        "PREFECT_MEMO_STORE_PATH": str(home / "memo_store.toml"),
        "PREFECT_SERVER_ALLOW_EPHEMERAL_MODE": "false",  # never fall back on a server of its own
        "PREFECT_LOGGING_TO_API_ENABLED": "true",
        "PREFECT_LOGGING_COLORS": "false",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "COLUMNS": "500",  # one log record a line
    })
    run = subprocess.run([str(python), str(SCRIPTS / script), *args], env=env, capture_output=True, text=True,
                         timeout=SCRIPT_TIMEOUT, stdin=subprocess.DEVNULL, cwd=home)
    output = f"exit code {run.returncode}\nstdout:\n{run.stdout}\nstderr:\n{run.stderr}"
    assert run.returncode == 0, output
    complaints = [line for line in (run.stdout + run.stderr).splitlines()
                  if COMPLAINT.search(line) and DELIBERATE not in line]
    assert not complaints, "Prefect complained:\n" + "\n".join(complaints) + "\n\n" + output
    return json.loads(run.stdout.strip().splitlines()[-1])


def wait_for(read: Callable[[], list[dict[str, Any]]],
             done: Callable[[list[dict[str, Any]]], bool]) -> list[dict[str, Any]]:
    """`read()` until `done` says yes, within EVENTS_TIMEOUT; returns the last result either way."""
    deadline = time.monotonic() + EVENTS_TIMEOUT
    found = read()
    while not done(found) and time.monotonic() < deadline:
        time.sleep(0.2)
        found = read()
    return found


def summary(runs: list[dict[str, Any]]) -> list[tuple[str, str, str, list[str]]]:
    return [(run["name"], run["state_type"], run["state_name"], run["tags"]) for run in runs]


def test_flows_and_tasks(prefect: Path, server: SubprocessASGIServer, tmp_path: Path) -> None:
    ids = run_script(prefect, "run_flows.py", server, tmp_path)
    assert ids["parent_result"] == 9 and ids["flaky_result"] == 2
    with httpx.Client(base_url=server.api_url, timeout=10.0, trust_env=False) as api:

        def post(path: str, body: dict[str, Any]) -> Any:
            response = api.post(path, json=body)
            assert response.status_code == 200, f"POST {path} {body}: {response.status_code} {response.text}"
            return response.json()

        def history(run_id: str) -> list[tuple[str, str]]:
            states = api.get("/flow_run_states/", params={"flow_run_id": run_id})
            assert states.status_code == 200, states.text
            return [(state["type"], state["name"]) for state in states.json()]

        parent = api.get(f"/flow_runs/{ids['parent']}").json()
        assert (parent["name"], parent["state_type"], parent["run_count"]) == ("e2e-parent-1", "COMPLETED", 1), parent
        assert [kind for kind, _ in history(ids["parent"])] == ["PENDING", "RUNNING", "COMPLETED"]

        children = post("/flow_runs/filter", {"flow_runs": {"parent_flow_run_id": {"any_": [ids["parent"]]}}})
        assert [run["state_type"] for run in children] == ["COMPLETED"], children
        child = children[0]
        assert child["parent_task_run_id"], child

        def tasks_of(run_id: str) -> list[dict[str, Any]]:
            return post("/task_runs/filter", {"flow_runs": {"id": {"any_": [run_id]}}})

        def all_completed(count: int) -> Callable[[list[dict[str, Any]]], bool]:
            return lambda runs: len(runs) == count and all(run["state_type"] == "COMPLETED" for run in runs)

        # add and double (recorded from events), and the subflow's placeholder; then the subflow's double.
        parent_tasks = wait_for(lambda: tasks_of(ids["parent"]), all_completed(3))
        placeholders = [run for run in parent_tasks if run["id"] == child["parent_task_run_id"]]
        tasks = [run for run in parent_tasks if run not in placeholders]
        assert len(placeholders) == 1 and all_completed(2)(tasks), summary(parent_tasks)
        assert any("e2e-tagged" in run["tags"] for run in tasks), summary(tasks)
        child_tasks = wait_for(lambda: tasks_of(child["id"]), all_completed(1))
        assert all_completed(1)(child_tasks), summary(child_tasks)

        logs = post("/logs/filter", {"logs": {"flow_run_id": {"any_": [ids["parent"], child["id"]]}}})
        messages = {log["message"]: log for log in logs}
        assert {"flow log: starting with 1", "subflow log: got 4", "task log: doubling 2"} <= set(messages), logs
        assert messages["task log: doubling 2"]["task_run_id"] in {run["id"] for run in tasks}

        flaky = api.get(f"/flow_runs/{ids['flaky']}").json()
        assert (flaky["state_type"], flaky["run_count"]) == ("COMPLETED", 2), flaky
        states = history(ids["flaky"])
        assert ("SCHEDULED", "AwaitingRetry") in states and states[-1][0] == "COMPLETED", states

        # Prefect's server copies every subflow state onto the subflow's placeholder task run.
        assert placeholders[0]["state_type"] == "COMPLETED", summary(placeholders)


def test_api_client(prefect: Path, server: SubprocessASGIServer, tmp_path: Path) -> None:
    report = run_script(prefect, "use_client.py", server, tmp_path)
    assert report["run_flow_ids"] == [report["flow_id"]]
    assert report["completed_status"] == "ACCEPT"
    assert report["tagged"] == ["client-run-0", "client-run-1", "client-run-2"]
    assert report["counted"] == 3
    assert report["history"] == ["PENDING", "RUNNING", "COMPLETED"]
    assert report["read_back"] == {"name": "client-run-1", "parameters": {"number": 1}, "state": "PENDING"}
    assert report["variable"]["stored"] == {"answer": 42} and report["variable"]["gone"]
    with httpx.Client(base_url=server.api_url, timeout=10.0, trust_env=False) as api:
        assert api.get(f"/variables/{report['variable']['id']}").status_code == 404
        assert api.get(f"/flows/{report['flow_id']}").json()["name"] == "e2e-client-flow"
