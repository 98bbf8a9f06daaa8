"""Regenerate docs/screenshots/ (the README's pictures of the UI) from a freshly seeded server.

    .venv/bin/python -m tests.server.ui.screenshots [output directory]

Needs what the browser tests need: Debian's chromium at /usr/bin/chromium and Playwright.
"""

from __future__ import annotations

import sys
from pathlib import Path

from .browser import Seeder, chromium, missing_browser, running_server, seed_demo

OUTPUT = Path(__file__).resolve().parents[3] / "docs" / "screenshots"


def main(output: Path = OUTPUT) -> int:
    reason = missing_browser()
    if reason:
        print(f"Cannot take screenshots: {reason}", file=sys.stderr)
        return 1
    output.mkdir(parents=True, exist_ok=True)
    with running_server() as server, Seeder(server.api_url) as api, chromium() as browser:
        data = seed_demo(api)
        for name, value, tags in [("warehouse_url", "postgresql://db-1/warehouse", ["prod"]),
                                  ("batch_size", 500, []),
                                  ("alert_emails", ["ops@example.com", "data@example.com"], ["alerts"])]:
            api.call("POST", "/variables/", {"name": name, "value": value, "tags": tags})
        page = browser.new_page(viewport={"width": 1280, "height": 800}, color_scheme="light")
        shots = [
            ("dashboard", "/", "#recent-failures tbody tr"),
            ("flow-runs", "/runs", ".results tbody tr"),
            ("run-detail", f"/runs/{data['runs']['witty-otter']['id']}", "#logs .log"),
            ("variables", "/variables", ".results tbody tr"),
        ]
        for name, path, ready in shots:
            page.goto(f"{server.address}{path}")
            page.locator(ready).first.wait_for()
            target = output / f"{name}.png"
            page.screenshot(path=str(target), full_page=True)
            print(target)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUTPUT))
