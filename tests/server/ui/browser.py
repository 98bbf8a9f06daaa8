"""What the browser tests share: Chromium through Playwright, servers on a temp home, API seeding.

Used by `conftest.py` and by `screenshots.py` (which regenerates `docs/screenshots/`).
"""

from __future__ import annotations

import contextlib
import os
import socket
import tempfile
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx

from asgi_api.server.subprocess import SubprocessASGIServer

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def missing_browser() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[dev]', or make test)"
    if not os.access(CHROMIUM, os.X_OK):
        return f"Chromium is not installed at {CHROMIUM} (apt-get install chromium, or make test)"
    return None


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    """A headless Debian Chromium driven by Playwright (no downloaded browser builds)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def running_server(**settings: str) -> Iterator[SubprocessASGIServer]:
    """A real server (uvicorn in a child process) on its own SQLite database; stopped at the end.

    `settings` are `ASGI_API_*` values by their lower-case names, e.g. `ui_serve_base="/prefix/"`.
    """
    with tempfile.TemporaryDirectory(prefix="asgi-api-ui-") as home:
        env = {
            "ASGI_API_HOME": home,
            "ASGI_API_DATABASE_URL": f"sqlite+aiosqlite:///{home}/db.sqlite",
            "ASGI_API_UI_SERVE_BASE": "/",
            "ASGI_API_UI_STATIC_DIR": "",
            "ASGI_API_API_AUTH_STRING": "",
            "ASGI_API_CSRF_ENABLED": "false",
        }
        env.update({f"ASGI_API_{name.upper()}": value for name, value in settings.items()})
        server = SubprocessASGIServer(free_port(), env=env)
        try:
            server.start()
            yield server
        finally:
            server.stop()


def iso(moment: datetime) -> str:
    return moment.isoformat()


def now() -> datetime:
    return datetime.now(timezone.utc)


class Seeder:
    """Creates flows, runs, states, task runs and logs through the REST API, as Prefect's client does."""

    def __init__(self, api_url: str, auth: tuple[str, str] | None = None) -> None:
        self.client = httpx.Client(base_url=api_url, trust_env=False, timeout=15, auth=auth)

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> Seeder:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def call(self, method: str, path: str, json: Any = None) -> Any:
        response = self.client.request(method, path, json=json)
        assert response.status_code < 300, f"{method} {path} -> {response.status_code} {response.text}"
        return response.json() if response.content else None

    def flow(self, name: str, tags: list[str] | None = None) -> dict[str, Any]:
        return self.call("POST", "/flows/", {"name": name, "tags": tags or []})

    def flow_run(self, flow: dict[str, Any], name: str, states: list[str], *, message: str | None = None,
                 parameters: dict[str, Any] | None = None, tags: list[str] | None = None) -> dict[str, Any]:
        """A run that went through `states` (state types); `message` goes with the last state."""
        run = self.call("POST", "/flow_runs/", {
            "flow_id": flow["id"], "name": name, "parameters": parameters or {}, "tags": tags or [],
            "state": state(states[0], message if len(states) == 1 else None),
        })
        for i, state_type in enumerate(states[1:], start=2):
            self.set_state(run, state_type, message if i == len(states) else None)
        return self.call("GET", f"/flow_runs/{run['id']}")

    def set_state(self, run: dict[str, Any], state_type: str, message: str | None = None) -> None:
        result = self.call("POST", f"/flow_runs/{run['id']}/set_state",
                           {"state": state(state_type, message), "force": False})
        assert result["status"] == "ACCEPT", result

    def task_run(self, run: dict[str, Any], name: str, states: list[str]) -> dict[str, Any]:
        task = self.call("POST", "/task_runs/", {
            "flow_run_id": run["id"], "name": name, "task_key": f"{name}-key", "dynamic_key": "0",
            "state": state(states[0]),
        })
        for state_type in states[1:]:
            result = self.call("POST", f"/task_runs/{task['id']}/set_state",
                               {"state": state(state_type), "force": False})
            assert result["status"] == "ACCEPT", result
        return task

    def logs(self, run: dict[str, Any], *lines: tuple[int, str], task: dict[str, Any] | None = None,
             logger: str = "prefect.flow_runs") -> None:
        start = now()
        self.call("POST", "/logs/", [
            {"name": logger, "level": level, "message": message, "timestamp": iso(start + timedelta(milliseconds=i)),
             "flow_run_id": run["id"], "task_run_id": task["id"] if task else None}
            for i, (level, message) in enumerate(lines)
        ])


def state(state_type: str, message: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"type": state_type, "message": message}
    if state_type == "SCHEDULED":
        body["state_details"] = {"scheduled_time": iso(now() + timedelta(hours=1))}
    return body


def seed_demo(seeder: Seeder) -> dict[str, Any]:
    """The data the browser tests (and the screenshots) look at; returns the objects by name."""
    etl = seeder.flow("etl-daily", ["prod"])
    report = seeder.flow("report-weekly")
    train = seeder.flow("ml-train", ["gpu"])
    # task runs run while their flow run is Running, as in an engine's run (Prefect's run graph draws
    # them inside the run's time span), and the run finishes after them
    ok = seeder.flow_run(etl, "witty-otter", ["PENDING", "RUNNING"], parameters={"date": "2024-05-01", "limit": 10},
                         tags=["prod"])
    extract = seeder.task_run(ok, "extract", ["PENDING", "RUNNING", "COMPLETED"])
    load = seeder.task_run(ok, "load", ["PENDING", "RUNNING", "COMPLETED"])
    seeder.set_state(ok, "COMPLETED", "All states completed.")
    seeder.logs(ok, (10, "Connecting to warehouse db-1"), (20, "Created flow run 'witty-otter'"))
    seeder.logs(ok, (20, "Extracted 42 rows"), task=extract, logger="prefect.task_runs")
    seeder.logs(ok, (20, "Loaded 42 rows"), (30, "Table is getting large"), task=load, logger="prefect.task_runs")
    failed = seeder.flow_run(etl, "angry-badger", ["PENDING", "RUNNING"], parameters={"date": "2024-05-02"})
    broken = seeder.task_run(failed, "transform", ["PENDING", "RUNNING", "FAILED"])
    seeder.set_state(failed, "FAILED", "Flow run encountered an exception: ValueError: boom")
    seeder.logs(failed, (40, "Task run failed with exception: ValueError('boom')"), task=broken,
                logger="prefect.task_runs")
    running = seeder.flow_run(report, "busy-beaver", ["PENDING", "RUNNING"], parameters={"weeks": 1})
    scheduled = seeder.flow_run(train, "lazy-lion", ["SCHEDULED"])
    ok, failed = (seeder.call("GET", f"/flow_runs/{run['id']}") for run in (ok, failed))  # as they finished
    return {"flows": {"etl-daily": etl, "report-weekly": report, "ml-train": train},
            "runs": {"witty-otter": ok, "angry-badger": failed, "busy-beaver": running, "lazy-lion": scheduled},
            "tasks": {"extract": extract, "load": load, "transform": broken}}
