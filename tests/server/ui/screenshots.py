"""Regenerate docs/screenshots/ (the README's pictures of the UI) from a freshly seeded server.

    .venv/bin/python -m tests.server.ui.screenshots [output directory]

Needs what the browser tests need: Debian's chromium at /usr/bin/chromium and Playwright.
"""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

from .browser import Seeder, chromium, iso, missing_browser, now, running_server, seed_demo

OUTPUT = Path(__file__).resolve().parents[3] / "docs" / "screenshots"


def main(output: Path = OUTPUT) -> int:
    reason = missing_browser()
    if reason:
        print(f"Cannot take screenshots: {reason}", file=sys.stderr)
        return 1
    output.mkdir(parents=True, exist_ok=True)
    with running_server() as server, Seeder(server.api_url) as api, chromium() as browser:
        data = seed_demo(api)
        _seed_history(api, data)
        for name, value, tags in [("warehouse_url", "postgresql://db-1/warehouse", ["prod"]),
                                  ("batch_size", 500, []),
                                  ("alert_emails", ["ops@example.com", "data@example.com"], ["alerts"])]:
            api.call("POST", "/variables/", {"name": name, "value": value, "tags": tags})
        page = browser.new_page(viewport={"width": 1280, "height": 800}, color_scheme="light")
        shots = [
            ("dashboard", "/", "#run-history .segment"),
            ("flow-runs", "/runs", ".results tbody tr"),
            ("run-detail", f"/runs/flow-run/{data['runs']['witty-otter']['id']}", "#task-timeline .gantt-row"),
            ("task-run", f"/runs/task-run/{data['tasks']['load']['id']}", "#logs .log"),
            ("variables", "/variables", ".results tbody tr"),
        ]
        for name, path, ready in shots:
            page.goto(f"{server.address}{path}")
            page.locator(ready).first.wait_for()
            target = output / f"{name}.png"
            page.screenshot(path=str(target), full_page=True)
            print(target)
    return 0


def _seed_history(api: Seeder, data: dict[str, Any]) -> None:
    """Runs scheduled over the last day, so that the dashboard's history has something to show."""
    flow = data["flows"]["etl-daily"]
    for hour in range(1, 24, 2):
        for minute, end in ((5, "COMPLETED"), (35, "COMPLETED" if hour % 5 else "FAILED")):
            at = now() - timedelta(hours=hour, minutes=minute)
            run = api.call("POST", "/flow_runs/", {"flow_id": flow["id"], "name": f"nightly-{hour}-{minute}", "state": {
                "type": "SCHEDULED", "state_details": {"scheduled_time": iso(at)}}})
            for state_type in ("PENDING", "RUNNING", end):
                api.set_state(run, state_type)


if __name__ == "__main__":
    raise SystemExit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUTPUT))
