"""Deployments and work pools in the UI: the lists (from the navigation), a deployment's "Run"
button (a new run, or the API's refusal shown inline), a pool's queues and workers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from .browser import Seeder, running_server
from .conftest import Site

try:
    from playwright.sync_api import Page, expect
except ImportError:  # the `browser` fixture skips (or, under CI, fails) with the reason
    Page = expect = None

SCHEMA = {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}


@pytest.fixture(scope="module")
def site(browser: Any) -> Iterator[Site]:
    """Two pools (one with a worker and a second queue), three deployments of two flows."""
    with running_server() as server, Seeder(server.api_url) as api:
        for pool in ("local", "idle"):
            api.call("POST", "/work_pools/", {"name": pool, "type": "process"})
        api.call("POST", "/work_pools/local/queues", {"name": "gpu", "concurrency_limit": 2})
        api.call("POST", "/work_pools/local/workers/heartbeat", {"name": "worker-1", "heartbeat_interval_seconds": 30})
        etl, report = api.flow("etl-daily"), api.flow("report-weekly")
        deployments = {
            "nightly": api.call("POST", "/deployments/", {
                "name": "nightly", "flow_id": etl["id"], "work_pool_name": "local", "tags": ["prod"],
                "schedules": [{"schedule": {"interval": 3600}}]}),
            "backfill": api.call("POST", "/deployments/", {"name": "backfill", "flow_id": etl["id"], "paused": True}),
            "strict": api.call("POST", "/deployments/", {"name": "strict", "flow_id": report["id"],
                                                          "parameter_openapi_schema": SCHEMA}),
        }
        yield Site(server, {"deployments": deployments})


def deployment_rows(page: Page) -> Any:
    return page.locator(".results tbody tr[data-deployment-id]")


def test_deployments_list_search_and_run(site: Site, page: Page) -> None:
    page.goto(site.url("/"))
    page.locator("#nav").get_by_role("link", name="Deployments").click()
    expect(page).to_have_url(site.url("/deployments"))
    expect(page).to_have_title(re.compile("Deployments"))
    expect(deployment_rows(page)).to_have_count(3)
    expect(page.locator(".count")).to_have_text("3 deployments")
    nightly = page.locator(f"tr[data-deployment-id='{site.data['deployments']['nightly']['id']}']")
    expect(nightly).to_contain_text("etl-daily")
    expect(nightly).to_contain_text("every 3600s")
    expect(nightly.get_by_role("link", name="local")).to_have_attribute("href", "/work-pools/work-pool/local")
    expect(page.locator(f"tr[data-deployment-id='{site.data['deployments']['backfill']['id']}'] .status")
           ).to_have_text("Paused")

    search = page.get_by_label("Search deployments by flow or deployment name")
    search.fill("report")  # a flow's name finds its deployments
    expect(deployment_rows(page)).to_have_count(1)
    expect(deployment_rows(page).first).to_contain_text("strict")
    expect(page).to_have_url(site.url("/deployments?q=report"))
    search.fill("nothing-like-this")
    expect(page.locator(".results tr.empty")).to_contain_text("nothing-like-this")
    search.fill("night")
    expect(deployment_rows(page)).to_have_count(1)

    deployment_rows(page).first.get_by_role("link", name="nightly").click()
    expect(page.locator("h1")).to_contain_text("nightly")
    expect(page.locator(".facts")).to_contain_text("every 3600s")
    page.get_by_role("button", name="Run").click()
    expect(page).to_have_url(re.compile(r"/runs/flow-run/[0-9a-f-]{36}$"))
    run_id = page.url.rsplit("/", 1)[1]
    with site.seeder() as api:
        run = api.call("GET", f"/flow_runs/{run_id}")
    assert (run["deployment_id"], run["state_type"]) == (site.data["deployments"]["nightly"]["id"], "SCHEDULED")
    expect(page.locator("h1")).to_contain_text(run["name"])


def test_a_refused_run_is_explained_on_the_deployment_page(site: Site, page: Page) -> None:
    strict = site.data["deployments"]["strict"]
    page.goto(site.url(f"/deployments/deployment/{strict['id']}"))
    page.get_by_role("button", name="Run").click()  # its schema requires a parameter it has no default for
    expect(page.get_by_role("alert")).to_contain_text("'name' is a required property")
    expect(page.get_by_role("button", name="Run")).to_be_enabled()
    with site.seeder() as api:
        assert api.call("POST", "/flow_runs/count", {"flow_runs": {"deployment_id": {"any_": [strict["id"]]}}}) == 0


def test_work_pools_list_and_a_pools_queues_and_workers(site: Site, page: Page) -> None:
    page.goto(site.url("/"))
    page.locator("#nav").get_by_role("link", name="Work pools").click()
    expect(page).to_have_url(site.url("/work-pools"))
    rows = page.locator(".results tbody tr[data-work-pool]")
    expect(rows).to_have_count(2)
    expect(page.locator("tr[data-work-pool=local]")).to_contain_text("Ready")  # its worker heartbeats
    expect(page.locator("tr[data-work-pool=idle]")).to_contain_text("Not ready")

    page.locator("tr[data-work-pool=local]").get_by_role("link", name="local").click()
    expect(page).to_have_url(site.url("/work-pools/work-pool/local"))
    expect(page.locator("h1")).to_have_text("local")
    expect(page.locator(".facts")).to_contain_text("process")
    queues = page.locator(".queues tbody tr[data-queue]")
    expect(queues).to_have_count(2)
    expect(queues.first).to_contain_text("default (default)")
    expect(page.locator("tr[data-queue=gpu]")).to_contain_text("2")  # its concurrency limit
    expect(page.locator("tr[data-worker=worker-1]")).to_contain_text("Online")
    page.get_by_role("link", name="Work pools").last.click()
    expect(page).to_have_url(site.url("/work-pools"))
