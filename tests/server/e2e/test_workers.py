"""A process worker end to end: `prefect worker start --pool ... --type process` (which creates the
pool with the process worker's job template), a deployment made with
`flow.from_source(<folder>).deploy(...)`, `prefect deployment run --watch` followed to Completed
with the run's logs, and a running run cancelled (as `prefect flow-run cancel` does) that the
worker stops. One server, one worker and one deployment per backend; the worker polls every second."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from asgi_api.server.subprocess import SubprocessASGIServer
from tests.server.e2e.test_deployments import RUN_TIMEOUT, SCRIPTS, prefect, prefect_env

__all__ = ["prefect"]  # the session fixture, shared with the deployment tests

POOL = "e2e-pool"
DEPLOYMENT = "hello/e2e-worker"
WORKER_START_TIMEOUT = 120.0


def _cli(prefect: Path, env: dict[str, str], cwd: Path, *command: str, timeout: float = 120) -> str:
    run = subprocess.run([str(prefect.parent / "prefect"), *command], env=env, cwd=cwd, capture_output=True,
                         text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    assert run.returncode == 0, f"{command}: exit {run.returncode}\n{run.stdout}\n{run.stderr}"
    return run.stdout


def _worker_env(server: SubprocessASGIServer, home: Path) -> dict[str, str]:
    return {**prefect_env(server, home),
            "PREFECT_WORKER_QUERY_SECONDS": "1",  # poll for due runs every second (10 by default)
            "PREFECT_WORKER_HEARTBEAT_SECONDS": "5"}


@contextlib.contextmanager
def _worker(prefect: Path, server: SubprocessASGIServer, home: Path) -> Iterator[Path]:
    """`prefect worker start --pool POOL --type process` in the background (it creates the pool)
    until it has heartbeated; yields its log."""
    log_path = home / "worker.log"
    with open(log_path, "w+") as log:
        process = subprocess.Popen([str(prefect.parent / "prefect"), "worker", "start", "--pool", POOL, "--type",
                                    "process", "--prefetch-seconds", "5"], env=_worker_env(server, home), cwd=home,
                                   stdout=log, stderr=subprocess.STDOUT, text=True, stdin=subprocess.DEVNULL,
                                   start_new_session=True)  # its flow run processes too
        try:
            deadline = time.monotonic() + WORKER_START_TIMEOUT
            with httpx.Client(base_url=server.api_url, timeout=10.0, trust_env=False) as api:
                while not api.post(f"/work_pools/{POOL}/workers/filter").is_success:
                    assert process.poll() is None, f"the worker exited {process.returncode}:\n{log_path.read_text()}"
                    assert time.monotonic() < deadline, f"the worker never heartbeated:\n{log_path.read_text()}"
                    time.sleep(0.5)
            yield log_path
        finally:
            os.killpg(process.pid, signal.SIGINT)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                pass
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _wait_for_state(api: httpx.Client, run_id: str, state_type: str, log: Path) -> None:
    deadline = time.monotonic() + RUN_TIMEOUT
    while api.get(f"/flow_runs/{run_id}").json()["state_type"] != state_type:
        assert time.monotonic() < deadline, f"never {state_type}:\n{log.read_text()}"
        time.sleep(0.5)


def test_a_process_worker_runs_and_cancels_deployment_runs(prefect: Path, server: SubprocessASGIServer,
                                                           tmp_path: Path) -> None:
    """On each backend (`server` runs on SQLite and on PostgreSQL)."""
    env = prefect_env(server, tmp_path)
    flows = tmp_path / "flows"
    flows.mkdir()
    shutil.copy(SCRIPTS / "worker_flow.py", flows)
    with _worker(prefect, server, tmp_path) as log, \
            httpx.Client(base_url=server.api_url, timeout=10.0, trust_env=False) as api:
        pool = api.get(f"/work_pools/{POOL}").json()
        assert "command" in pool["base_job_template"]["variables"]["properties"], pool  # the process worker's
        deploy = subprocess.run([str(prefect), str(flows / "worker_flow.py"), POOL], env=env, cwd=tmp_path,
                                capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
        assert deploy.returncode == 0, f"{deploy.stdout}\n{deploy.stderr}"
        deployment = api.get(f"/deployments/name/{DEPLOYMENT}").json()

        # A run to follow to its end, and beside it one to cancel while it runs.
        watch = subprocess.Popen([str(prefect.parent / "prefect"), "deployment", "run", DEPLOYMENT, "--param",
                                  "name=cli", "--watch", "--watch-timeout", str(RUN_TIMEOUT)], env=env, cwd=tmp_path,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)
        with watch:
            long = api.post(f"/deployments/{deployment['id']}/create_flow_run", json={"parameters": {"sleep": 600}})
            assert long.status_code == 201, long.text
            run_id = long.json()["id"]
            _wait_for_state(api, run_id, "RUNNING", log)
            cancel = api.post(f"/flow_runs/{run_id}/set_state", json={"state": {"type": "CANCELLING"}})
            assert cancel.json()["status"] == "ACCEPT", cancel.text  # as `prefect flow-run cancel` asks
            _wait_for_state(api, run_id, "CANCELLED", log)  # the worker heard of it and stopped the process
            stdout, stderr = watch.communicate(timeout=RUN_TIMEOUT + 30)
        output = f"exit code {watch.returncode}\n{stdout}\n{stderr}\nworker:\n{log.read_text()}"
        assert watch.returncode == 0 and "Flow run finished successfully in 'Completed'." in stdout, output
        assert "hello cli from a worker" in stdout, output  # the run's log, written by the worker's child
        assert "Submitting" in stdout, output  # the worker's own proposal

        runs = api.post("/flow_runs/filter", json={"flow_runs": {"deployment_id": {"any_": [deployment["id"]]}},
                                                   "sort": "START_TIME_ASC"}).json()
        assert [run["state_type"] for run in runs].count("COMPLETED") == 1, runs
        assert all((run["work_pool_name"], run["work_queue_name"]) == (POOL, "default") for run in runs), runs
        assert all(run["infrastructure_pid"] for run in runs), runs  # the worker names the process it started
        [worker] = api.post(f"/work_pools/{POOL}/workers/filter").json()
        assert worker["status"] == "ONLINE", worker
        assert api.get(f"/work_pools/{POOL}").json()["status"] == "READY"
        assert api.get(f"/deployments/{deployment['id']}").json()["status"] == "READY"
    worker_log = log.read_text()
    complaints = [line for line in worker_log.splitlines() if " | WARNING " in line or " | ERROR " in line]
    assert not complaints, "\n".join([*complaints, "worker:", worker_log])
