"""Deployments end to end: `flow.serve()` in a Prefect process registers a deployment on a real
server, `prefect deployment run --watch` makes a run, the serving process executes it, and the
watching CLI follows it (over `/events/out` and `/logs/out`) until it is Completed. On PostgreSQL
the serving process and the CLI talk to two server processes on one database."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from asgi_api.server.subprocess import SubprocessASGIServer
from tests.server.e2e.conftest import require
from tests.server.e2e.prefect_venv import PREFECT_VERSION, PrefectVenvError, prefect_python

SCRIPTS = Path(__file__).resolve().parent / "prefect_scripts"
DEPLOYMENT = "greet/e2e-served"
SERVE_START_TIMEOUT = 120.0
RUN_TIMEOUT = 180


@pytest.fixture(scope="session")
def prefect() -> Path:
    try:
        return prefect_python()
    except PrefectVenvError as exc:
        require(f"cannot build a venv with prefect=={PREFECT_VERSION}: {exc}")
        raise


@pytest.fixture
def cli_server(database_url: str, server: SubprocessASGIServer,
               start_server: Callable[[], SubprocessASGIServer]) -> SubprocessASGIServer:
    """The server the CLI and the test talk to. On PostgreSQL it is a second server process on the
    same database (`serve` talks to the first), so a run made here is found there, and its states,
    events and logs stored there are followed here."""
    return server if database_url.startswith("sqlite") else start_server()


def prefect_env(server: SubprocessASGIServer, home: Path) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith("PREFECT_")}
    env.update({
        "PREFECT_API_URL": server.api_url, "PREFECT_HOME": str(home),
        "PREFECT_SERVER_ALLOW_EPHEMERAL_MODE": "false", "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1", "PREFECT_LOGGING_COLORS": "false", "COLUMNS": "500",
        "PREFECT_RUNNER_POLL_FREQUENCY": "1",  # the serving process looks for due runs every second
    })
    return env


@pytest.fixture
def serve(request: pytest.FixtureRequest, prefect: Path, server: SubprocessASGIServer,
          tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    """`flow.serve()` running in the background until the deployment is registered (indirect
    parameter: the seconds between scheduled runs; none by default)."""
    interval = [str(request.param)] if hasattr(request, "param") else []
    log = open(tmp_path / "serve.log", "w+")
    process = subprocess.Popen([str(prefect), str(SCRIPTS / "serve_flow.py"), *interval],
                               env=prefect_env(server, tmp_path),
                               cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT, text=True,
                               stdin=subprocess.DEVNULL, start_new_session=True)  # its runs' processes too
    try:
        deadline = time.monotonic() + SERVE_START_TIMEOUT
        with httpx.Client(base_url=server.api_url, timeout=10.0, trust_env=False) as api:
            while api.get(f"/deployments/name/{DEPLOYMENT}").status_code != 200:
                log_text = (tmp_path / "serve.log").read_text()
                assert process.poll() is None, f"serve exited {process.returncode}:\n{log_text}"
                assert time.monotonic() < deadline, "the deployment never appeared"
                time.sleep(0.5)
        yield process
    finally:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            pass
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # flow runs still starting up ignore SIGINT
        process.wait()
        log.close()


@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
def test_serve_and_run_a_deployment(prefect: Path, cli_server: SubprocessASGIServer, serve: subprocess.Popen[str],
                                    tmp_path: Path) -> None:
    cli = prefect.parent / "prefect"
    run = subprocess.run([str(cli), "deployment", "run", DEPLOYMENT, "--param", "name=cli", "--watch",
                          "--watch-timeout", str(RUN_TIMEOUT)], env=prefect_env(cli_server, tmp_path), cwd=tmp_path,
                         capture_output=True, text=True, timeout=RUN_TIMEOUT + 30, stdin=subprocess.DEVNULL)
    output = f"exit code {run.returncode}\nstdout:\n{run.stdout}\nstderr:\n{run.stderr}\n" \
             f"serve:\n{(tmp_path / 'serve.log').read_text()}"
    assert run.returncode == 0, output
    assert "Flow run finished successfully in 'Completed'." in run.stdout, output
    for event in ("prefect.flow-run.Scheduled", "prefect.flow-run.Pending", "prefect.flow-run.Running",
                  "prefect.flow-run.Completed"):
        assert event in run.stdout, output  # followed live over /events/out
    assert "greeting cli" in run.stdout, output  # the run's log, over /logs/out
    with httpx.Client(base_url=cli_server.api_url, timeout=10.0, trust_env=False) as api:
        deployment = api.get(f"/deployments/name/{DEPLOYMENT}").json()
        assert deployment["status"] == "READY", deployment
        runs = {"flow_runs": {"deployment_id": {"any_": [deployment["id"]]}}}
        [flow_run] = api.post("/flow_runs/filter", json=runs).json()
        assert (flow_run["state_type"], flow_run["parameters"]["name"]) == ("COMPLETED", "cli"), flow_run
    complaints = [line for line in (tmp_path / "serve.log").read_text().splitlines() if "WARNING" in line]
    assert not complaints, "\n".join([*complaints, output])
    for command, expected in ((["deployment", "ls"], "greet/e2e-served"),
                              (["deployment", "inspect", DEPLOYMENT], "'name': 'e2e-served'")):
        listed = subprocess.run([str(cli), *command], env=prefect_env(cli_server, tmp_path), cwd=tmp_path,
                                capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
        assert listed.returncode == 0 and expected in listed.stdout, f"{command}: {listed.stdout}\n{listed.stderr}"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("serve", [1], indirect=True)
def test_an_interval_schedule_makes_runs_the_serving_process_executes(
        server: SubprocessASGIServer, serve: subprocess.Popen[str], tmp_path: Path) -> None:
    with httpx.Client(base_url=server.api_url, timeout=10.0, trust_env=False) as api:
        deployment = api.get(f"/deployments/name/{DEPLOYMENT}").json()
        assert [s["schedule"]["interval"] for s in deployment["schedules"]] == [1.0], deployment
        completed = {"deployment_id": {"any_": [deployment["id"]]}, "state": {"type": {"any_": ["COMPLETED"]}}}
        deadline = time.monotonic() + RUN_TIMEOUT
        while len(done := api.post("/flow_runs/filter", json={"flow_runs": completed}).json()) < 2:
            assert time.monotonic() < deadline, (tmp_path / "serve.log").read_text()
            time.sleep(1)
    assert all(run["auto_scheduled"] and "auto-scheduled" in run["tags"] for run in done), done
    assert all(run["parameters"]["name"] == "served" for run in done), done


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_server_processes_schedule_each_run_once(start_server: Callable[[], SubprocessASGIServer]) -> None:
    """Both processes run the scheduler on the same database; every scheduled time gets one run."""
    first, second = start_server(), start_server()
    with httpx.Client(base_url=first.api_url, timeout=10.0, trust_env=False) as api:
        flow = api.post("/flows/", json={"name": "twice"}).json()
        response = api.post("/deployments/", json={"name": "fast", "flow_id": flow["id"],
                                                    "schedules": [{"schedule": {"interval": 1}}]})
        assert response.status_code == 201, response.text
        deployment_id = response.json()["id"]
    with httpx.Client(base_url=second.api_url, timeout=10.0, trust_env=False) as api:
        body = {"flow_runs": {"deployment_id": {"any_": [deployment_id]}}}
        deadline = time.monotonic() + 60
        while api.post("/flow_runs/count", json=body).json() < 100:  # the first tick makes 100 (MAX_RUNS)
            assert time.monotonic() < deadline, "the scheduler made no runs"
            time.sleep(0.5)
        time.sleep(6)  # a further tick of each process, which must add nothing twice
        runs = api.post("/flow_runs/filter", json=body).json()
    times = [run["expected_start_time"] for run in runs]
    assert len(runs) >= 100 and len(times) == len(set(times)), sorted(times)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_pause_and_resume(prefect: Path, server: SubprocessASGIServer, tmp_path: Path) -> None:
    """`pause_flow_run` + `resume_flow_run` completes; a pause nobody resumes in time fails."""
    run = subprocess.run([str(prefect), str(SCRIPTS / "pause_resume.py")], env=prefect_env(server, tmp_path),
                         cwd=tmp_path, capture_output=True, text=True, timeout=RUN_TIMEOUT, stdin=subprocess.DEVNULL)
    assert run.returncode == 0, f"{run.stdout}\n{run.stderr}"
    report = json.loads(run.stdout.strip().splitlines()[-1])
    assert report["resumed"] == [report["first"]] and report["first_result"] == "resumed", report
    assert report["second_type"] == "FAILED", report
    with httpx.Client(base_url=server.api_url, timeout=10.0, trust_env=False) as api:
        first = api.get(f"/flow_runs/{report['first']}").json()
        states = api.get("/flow_run_states/", params={"flow_run_id": report["first"]}).json()
        history = [state["type"] for state in states]
        assert first["state_type"] == "COMPLETED" and "PAUSED" in history, (first, history)
        assert api.get(f"/flow_runs/{report['second']}").json()["state_type"] == "FAILED"


@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
def test_cancelling_a_running_served_flow(prefect: Path, cli_server: SubprocessASGIServer,
                                          serve: subprocess.Popen[str], tmp_path: Path) -> None:
    """`prefect flow-run cancel` on a running served run: the serving process stops it, Cancelled."""
    env = prefect_env(cli_server, tmp_path)
    cli = str(prefect.parent / "prefect")
    with httpx.Client(base_url=cli_server.api_url, timeout=10.0, trust_env=False) as api:
        deployment = api.get(f"/deployments/name/{DEPLOYMENT}").json()
        created = api.post(f"/deployments/{deployment['id']}/create_flow_run", json={"parameters": {"sleep": 600}})
        run_id = created.json()["id"]

        def state_of() -> str:
            return str(api.get(f"/flow_runs/{run_id}").json()["state_type"])

        deadline = time.monotonic() + RUN_TIMEOUT
        while state_of() != "RUNNING":
            assert time.monotonic() < deadline, (tmp_path / "serve.log").read_text()
            time.sleep(0.5)
        cancel = subprocess.run([cli, "flow-run", "cancel", run_id], env=env, cwd=tmp_path, capture_output=True,
                                text=True, timeout=60, stdin=subprocess.DEVNULL)
        assert cancel.returncode == 0, f"{cancel.stdout}\n{cancel.stderr}"
        while state_of() != "CANCELLED":
            assert time.monotonic() < deadline, (tmp_path / "serve.log").read_text()
            time.sleep(0.5)
