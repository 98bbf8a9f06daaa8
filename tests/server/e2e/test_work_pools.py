"""Work pools from Prefect's CLI: `prefect work-pool create --type process` stores the process
worker's job template, and `work-pool ls|inspect` and `work-queue ls` read it back, exiting 0."""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx

from asgi_api.server.subprocess import SubprocessASGIServer
from tests.server.e2e.test_deployments import prefect, prefect_env

__all__ = ["prefect"]  # the session fixture, shared with the deployment tests


def _cli(prefect: Path, server: SubprocessASGIServer, home: Path, *command: str) -> str:
    run = subprocess.run([str(prefect.parent / "prefect"), *command], env=prefect_env(server, home), cwd=home,
                         capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert run.returncode == 0, f"{command}: exit {run.returncode}\n{run.stdout}\n{run.stderr}"
    return run.stdout


def test_work_pool_commands(prefect: Path, server: SubprocessASGIServer, tmp_path: Path) -> None:
    """On each backend (`server` runs on SQLite and on PostgreSQL)."""
    created = _cli(prefect, server, tmp_path, "work-pool", "create", "e2e-pool", "--type", "process")
    assert "e2e-pool" in created, created
    with httpx.Client(base_url=server.api_url, timeout=10.0, trust_env=False) as api:
        pool = api.get("/work_pools/e2e-pool").json()
    assert pool["type"] == "process", pool
    assert "command" in pool["base_job_template"]["variables"]["properties"], pool  # the process worker's own
    assert "e2e-pool" in _cli(prefect, server, tmp_path, "work-pool", "ls")
    inspected = _cli(prefect, server, tmp_path, "work-pool", "inspect", "e2e-pool")
    assert "type='process'" in inspected and pool["id"] in inspected, inspected
    assert "default" in _cli(prefect, server, tmp_path, "work-queue", "ls", "--pool", "e2e-pool")
    duplicate = subprocess.run([str(prefect.parent / "prefect"), "work-pool", "create", "e2e-pool", "--type",
                                "process"], env=prefect_env(server, tmp_path), cwd=tmp_path, capture_output=True,
                               text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert duplicate.returncode != 0 and "already exists" in duplicate.stdout + duplicate.stderr, duplicate.stdout
