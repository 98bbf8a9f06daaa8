"""Prefect's own UI (the build inside Prefect 3.6.29's package) served by `asgi-api serve --ui
<that build>` over seeded runs, a deployment, a work pool, an artifact, a variable and a block:
its main pages show the seeded names, no API call the UI makes fails (no 4xx or 5xx), nothing is
blocked by the Content-Security-Policy, and a run's graph draws its task runs."""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, Response, expect

from tests.server.e2e.prefect_venv import PrefectVenvError, prefect_python

from .browser import Seeder, running_server, seed_demo
from .conftest import Site
from .test_browser_security_headers import WATCH_VIOLATIONS


def prefect_ui_build() -> Path:
    """`prefect/server/ui` in the Prefect venv (found on disk: importing Prefect takes seconds)."""
    try:
        python = prefect_python()
    except PrefectVenvError as exc:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(str(exc))
    [build] = Path(python).parent.parent.glob("lib/python*/site-packages/prefect/server/ui")
    return build


@pytest.fixture(scope="module")
def prefect_site(browser: Any) -> Iterator[Site]:
    with running_server(ui=str(prefect_ui_build())) as server, Seeder(server.api_url) as seeder:
        data = seed_demo(seeder)
        flow = data["flows"]["etl-daily"]
        pool = seeder.call("POST", "/work_pools/", {"name": "night-shift", "type": "process"})
        deployment = seeder.call("POST", "/deployments/", {"name": "nightly", "flow_id": flow["id"],
                                                           "work_pool_name": pool["name"]})
        run = data["runs"]["witty-otter"]
        seeder.call("POST", "/artifacts/", {"key": "sales-report", "type": "markdown", "data": "# Sales",
                                            "flow_run_id": run["id"]})
        seeder.call("POST", "/variables/", {"name": "region", "value": "eu-north"})
        block_type = seeder.call("POST", "/block_types/", {"name": "Secret", "slug": "secret"})
        schema = seeder.call("POST", "/block_schemas/", {"block_type_id": block_type["id"], "fields": {
            "title": "Secret", "type": "object", "secret_fields": ["value"], "block_type_slug": "secret",
            "properties": {"value": {"title": "Value", "type": "string", "format": "password"}}}})
        seeder.call("POST", "/block_documents/", {"name": "warehouse-password", "data": {"value": "hunter2"},
                                                  "block_schema_id": schema["id"], "block_type_id": block_type["id"]})
        data.update(deployment=deployment, pool=pool)
        yield Site(server, data)


PAGES = [
    ("dashboard", "/dashboard", ["etl-daily"]),
    ("runs", "/runs", ["witty-otter", "angry-badger"]),
    ("flow-run", "/runs/flow-run/{run}", ["witty-otter", "extract"]),
    ("flows", "/flows", ["etl-daily", "report-weekly"]),
    ("deployments", "/deployments", ["nightly"]),
    ("work-pools", "/work-pools", ["night-shift"]),
    ("work-pool", "/work-pools/work-pool/night-shift", ["night-shift"]),
    ("artifacts", "/artifacts", ["sales-report"]),
    ("variables", "/variables", ["region"]),
    ("blocks", "/blocks", ["warehouse-password"]),
]


@pytest.mark.parametrize(("name", "path", "texts"), PAGES, ids=[page[0] for page in PAGES])
def test_prefects_ui_pages_show_the_data_and_no_api_call_fails(prefect_site: Site, page: Page, name: str,
                                                                path: str, texts: list[str]) -> None:
    failed: list[str] = []

    def record(response: Response) -> None:
        if "/api/" in response.url and response.status >= 400:
            failed.append(f"{response.status} {response.request.method} {response.url} "
                          f"{response.request.post_data or ''}"[:400])

    page.on("response", record)
    page.add_init_script(WATCH_VIOLATIONS)
    page.goto(prefect_site.url(path.format(run=prefect_site.run_id("witty-otter"))))
    for text in texts:
        expect(page.get_by_text(text, exact=False).first).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert not failed, "API calls of Prefect's UI failed:\n" + "\n".join(failed)
    assert page.evaluate("window.__violations") == []


# Counts the pixels of a PNG (a data: URL) in a node's bright state colour (Completed's green), above
# the bottom strip where the run's own state bar is drawn in the same colour.
COUNT_NODE_PIXELS = """async (url) => {
  const image = new Image();
  image.src = url;
  await image.decode();
  const canvas = document.createElement("canvas");
  [canvas.width, canvas.height] = [image.width, image.height];
  const context = canvas.getContext("2d");
  context.drawImage(image, 0, 0);
  const {data} = context.getImageData(0, 0, image.width, image.height - 40);
  let count = 0;
  for (let i = 0; i < data.length; i += 4) {
    const [r, g, b] = [data[i], data[i + 1], data[i + 2]];
    if (g > 150 && g > r + 60 && g > b + 40) count++;
  }
  return count;
}"""


def test_prefects_run_graph_draws_the_runs_task_runs(prefect_site: Site, page: Page) -> None:
    """The graph (a WebGL canvas) lays its nodes out in a worker started from a `blob:` URL: with the
    worker blocked it drew the run's state bar and time axis but not one task run."""
    page.goto(prefect_site.url(f"/runs/flow-run/{prefect_site.run_id('witty-otter')}"))
    stage = page.locator(".run-graph__stage canvas")
    expect(stage).to_be_visible()
    pixels = 0
    for _ in range(40):  # the layout is asynchronous: up to 10 s
        png = base64.b64encode(stage.screenshot()).decode()
        pixels = page.evaluate(COUNT_NODE_PIXELS, f"data:image/png;base64,{png}")
        if pixels > 100:
            break
        page.wait_for_timeout(250)
    assert pixels > 100, "the run graph drew no task-run node"
