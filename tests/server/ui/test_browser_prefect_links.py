"""The UI at the addresses Prefect 3.6.29 prints ("View at ..."): each one, made by Prefect's own
`url_for` in Prefect's venv, opens the page of that object with its name; unknown ids get a
not-found page with a way back; the task-run page shows its states and logs."""

from __future__ import annotations

import json
import os
import re
import subprocess
import uuid
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.server.e2e.prefect_venv import PrefectVenvError, prefect_python

from .conftest import Site

_URL_FOR = """
import json, sys
from prefect.utilities.urls import url_for
print(json.dumps({kind: url_for(kind, obj_id=obj_id) for kind, obj_id in json.loads(sys.argv[1]).items()}))
"""


def prefect_urls(site: Site, tmp_path: Any, objects: dict[str, str]) -> dict[str, str]:
    """{kind: the URL Prefect's client prints for it}, with PREFECT_UI_URL pointing at `site`."""
    try:
        python = prefect_python()
    except PrefectVenvError as exc:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(str(exc))
    result = subprocess.run([str(python), "-c", _URL_FOR, json.dumps(objects)], capture_output=True, text=True,
                            timeout=120, env={**os.environ, "PREFECT_UI_URL": site.url(""),
                                              "PREFECT_HOME": str(tmp_path / "prefect")})
    assert result.returncode == 0, result.stderr
    urls: dict[str, str] = json.loads(result.stdout)
    return urls


@pytest.fixture(scope="module")
def deployment(site: Site) -> dict[str, Any]:
    with site.seeder() as api:
        flow = site.data["flows"]["etl-daily"]
        deployment: dict[str, Any] = api.call("POST", "/deployments/", {"name": "nightly", "flow_id": flow["id"]})
        api.call("POST", f"/deployments/{deployment['id']}/create_flow_run", {"name": "deployed-dingo"})
    return deployment


def test_every_url_prefect_prints_opens_its_page(site: Site, page: Page, tmp_path: Any,
                                                 deployment: dict[str, Any]) -> None:
    with site.seeder() as api:
        task = api.call("POST", "/task_runs/filter", {"task_runs": {"name": {"any_": ["extract"]}}})[0]
    urls = prefect_urls(site, tmp_path, {
        "flow-run": site.run_id("witty-otter"), "task-run": task["id"],
        "flow": site.data["flows"]["etl-daily"]["id"], "deployment": deployment["id"]})
    expected = {"flow-run": "witty-otter", "task-run": "extract", "flow": "etl-daily", "deployment": "nightly"}
    for kind, url in urls.items():
        page.goto(url)
        expect(page.locator("h1")).to_contain_text(expected[kind])
        expect(page.locator(".not-found")).to_have_count(0)
    # The deployment's page lists its runs.
    page.goto(urls["deployment"])
    expect(page.locator(".results")).to_contain_text("deployed-dingo")


def test_unknown_ids_in_prefect_urls_show_not_found_with_a_way_back(site: Site, page: Page, tmp_path: Any) -> None:
    missing = str(uuid.uuid4())
    urls = prefect_urls(site, tmp_path, {"flow-run": missing, "task-run": missing, "flow": missing,
                                         "deployment": missing, "work-pool": "no-such-pool"})
    for kind, url in urls.items():
        page.goto(url)
        expect(page.locator(".not-found h1")).to_contain_text("not found")
        back = page.locator(".not-found a")
        expect(back).to_have_count(1)
        back.click()
        expect(page.locator(".not-found")).to_have_count(0)
        assert page.url != url, kind


def test_task_run_page_shows_its_states_and_logs(site: Site, page: Page) -> None:
    page.goto(site.url(f"/runs/flow-run/{site.run_id('witty-otter')}"))
    page.locator("#task-runs").get_by_role("link", name="load").click()
    expect(page).to_have_url(re.compile(r".*/runs/task-run/[0-9a-f-]{36}$"))
    expect(page.locator("h1")).to_contain_text("load")
    expect(page.locator("h1 .badge")).to_have_text("Completed")
    states = page.locator("#state-history ol.timeline li")
    expect(states).to_have_count(3)
    assert [states.nth(i).get_attribute("data-state-type") for i in range(3)] == ["PENDING", "RUNNING", "COMPLETED"]
    expect(page.locator("#logs .log")).to_have_count(2)
    expect(page.locator("#logs")).to_contain_text("Loaded 42 rows")
    expect(page.locator("#logs")).not_to_contain_text("Extracted 42 rows")  # another task run's line
    page.locator(".crumbs").get_by_role("link", name="witty-otter").click()
    expect(page.locator("h1")).to_contain_text("witty-otter")
