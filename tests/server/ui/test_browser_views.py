"""The UI in headless Chromium against a real server seeded through the API."""

from __future__ import annotations

import re
import uuid
from typing import Any

from .conftest import Site

try:
    from playwright.sync_api import Page, expect
except ImportError:  # the `browser` fixture skips (or, under CI, fails) with the reason
    Page = expect = None


def run_rows(page: Page) -> Any:
    return page.locator(".results tbody tr[data-run-id]")


def test_dashboard_counts_flows_runs_by_state_and_recent_failures(site: Site, page: Page) -> None:
    page.goto(site.url("/"))
    expect(page).to_have_title(re.compile("Dashboard"))
    expect(page.locator("[data-stat=flows] .stat-number")).to_have_text("3")
    expect(page.locator("[data-stat=runs-24h] .stat-number")).to_have_text("4")
    counts = [("COMPLETED", "1"), ("FAILED", "1"), ("RUNNING", "1"), ("SCHEDULED", "1"), ("CRASHED", "0")]
    for state_type, count in counts:
        expect(page.locator(f".state-card[data-state-type={state_type}] .stat-number")).to_have_text(count)
    failures = page.locator("#recent-failures tbody tr[data-run-id]")
    expect(failures).to_have_count(1)
    expect(failures.first).to_contain_text("angry-badger")
    expect(failures.first).to_contain_text("ValueError: boom")
    expect(failures.first.locator(".badge")).to_have_attribute("data-state-type", "FAILED")


def test_flows_search_and_a_flows_runs(site: Site, page: Page) -> None:
    page.goto(site.url("/"))
    page.locator("#nav").get_by_role("link", name="Flows").click()
    expect(page).to_have_url(site.url("/flows"))
    rows = page.locator(".results tbody tr[data-flow-id]")
    expect(rows).to_have_count(3)
    page.get_by_label("Search flows by name").fill("ETL")
    expect(rows).to_have_count(1)
    expect(page).to_have_url(site.url("/flows?q=ETL"))
    page.get_by_label("Search flows by name").fill("nothing-like-this")
    expect(page.locator(".results tr.empty")).to_contain_text("nothing-like-this")
    page.get_by_label("Search flows by name").fill("etl")
    expect(rows).to_have_count(1)

    rows.first.get_by_role("link", name="etl-daily").click()
    etl_id = site.data["flows"]["etl-daily"]["id"]
    expect(page).to_have_url(site.url(f"/flows/flow/{etl_id}"))
    expect(page.locator("h1")).to_contain_text("etl-daily")
    expect(run_rows(page)).to_have_count(2)
    expect(page.locator(".results")).to_contain_text("witty-otter")
    expect(page.locator(".results")).to_contain_text("angry-badger")
    expect(page.locator(".results")).not_to_contain_text("busy-beaver")


def test_flow_runs_state_filter_sort_badges_and_durations(site: Site, page: Page) -> None:
    page.goto(site.url("/runs"))
    expect(run_rows(page)).to_have_count(4)
    expect(page.locator(".count")).to_have_text("4 flow runs")
    badges = {row.get_attribute("data-state-type") for row in page.locator(".results .badge").all()}
    assert badges == {"COMPLETED", "FAILED", "RUNNING", "SCHEDULED"}
    ok = page.locator(f"tr[data-run-id='{site.run_id('witty-otter')}']")
    expect(ok.locator(".duration")).to_have_text(re.compile(r"^\d+(\.\d+)?(ms|s)$"))
    expect(ok.locator(".badge")).to_have_css("background-color", "rgb(31, 157, 85)")
    failed = page.locator(f"tr[data-run-id='{site.run_id('angry-badger')}'] .badge")
    expect(failed).to_have_css("background-color", "rgb(217, 54, 54)")

    page.get_by_label("State").select_option("FAILED")
    expect(run_rows(page)).to_have_count(1)
    expect(run_rows(page).first).to_contain_text("angry-badger")
    expect(page).to_have_url(re.compile(r"/runs\?state=FAILED$"))
    page.reload()  # the filter is in the URL
    expect(page.get_by_label("State")).to_have_value("FAILED")
    expect(run_rows(page)).to_have_count(1)

    page.get_by_label("State").select_option("")
    page.get_by_label("Sort").select_option("NAME_ASC")
    names = page.locator(".results tbody tr[data-run-id] td:first-child")
    expect(names).to_have_text(["angry-badger", "busy-beaver", "lazy-lion", "witty-otter"])
    expect(page).to_have_url(re.compile(r"/runs\?sort=NAME_ASC$"))
    page.get_by_label("Sort").select_option("NAME_DESC")
    expect(names).to_have_text(["witty-otter", "lazy-lion", "busy-beaver", "angry-badger"])
    page.get_by_label("Search flow runs by name").fill("beaver")
    expect(run_rows(page)).to_have_count(1)
    expect(page).to_have_url(re.compile(r"q=beaver"))


def test_run_detail_parameters_states_task_runs_and_logs(site: Site, page: Page) -> None:
    page.goto(site.url("/runs"))
    page.get_by_role("link", name="witty-otter").click()
    expect(page).to_have_url(site.url(f"/runs/flow-run/{site.run_id('witty-otter')}"))
    expect(page.locator("h1")).to_contain_text("witty-otter")
    expect(page.locator("h1 .badge")).to_have_text("Completed")
    expect(page.locator("#parameters")).to_contain_text('"date": "2024-05-01"')
    timeline = page.locator("#state-history ol.timeline li")
    expect(timeline).to_have_count(3)
    assert [item.get_attribute("data-state-type") for item in timeline.all()] == ["PENDING", "RUNNING", "COMPLETED"]
    tasks = page.locator("#task-runs tbody tr[data-task-run-id]")
    expect(tasks).to_have_count(2)
    expect(page.locator("#task-runs")).to_contain_text("extract")
    expect(page.locator("#task-runs")).to_contain_text("load")

    logs = page.locator("#logs .log")
    expect(logs).to_have_count(5)
    expect(page.locator("#logs")).to_contain_text("Extracted 42 rows")
    expect(page.locator("#logs")).to_contain_text("Connecting to warehouse db-1")
    expect(page.locator("#logs .log", has_text="Extracted 42 rows").locator(".log-source")).to_have_text("extract")

    page.get_by_label("Minimum log level").select_option("30")
    expect(logs).to_have_count(1)
    expect(logs.first).to_contain_text("Table is getting large")
    expect(page).to_have_url(re.compile(r"\?level=30$"))
    page.reload()
    expect(page.get_by_label("Minimum log level")).to_have_value("30")
    expect(logs).to_have_count(1)
    page.get_by_label("Minimum log level").select_option("0")
    expect(logs).to_have_count(5)


def test_deep_link_reload_back_and_forward(site: Site, page: Page) -> None:
    run_url = site.url(f"/runs/{site.run_id('angry-badger')}")
    page.goto(run_url)
    expect(page.locator("h1")).to_contain_text("angry-badger")
    expect(page.locator("#logs")).to_contain_text("ValueError('boom')")
    expect(page.locator("#logs .log").first).to_have_attribute("data-level", "40")
    page.reload()
    expect(page.locator("h1")).to_contain_text("angry-badger")

    page.locator("#nav").get_by_role("link", name="Variables").click()
    expect(page).to_have_url(site.url("/variables"))
    expect(page.locator("h1")).to_have_text("Variables")
    page.locator("#nav").get_by_role("link", name="Dashboard").click()
    expect(page.locator("h1")).to_contain_text("Dashboard")
    page.go_back()
    expect(page).to_have_url(site.url("/variables"))
    expect(page.locator("h1")).to_have_text("Variables")
    page.go_back()
    expect(page).to_have_url(run_url)
    expect(page.locator("h1")).to_contain_text("angry-badger")
    page.go_forward()
    expect(page.locator("h1")).to_have_text("Variables")
    expect(page.locator("#nav a.active")).to_have_text("Variables")


def test_unknown_ids_and_paths_say_not_found(site: Site, page: Page) -> None:
    missing = str(uuid.uuid4())
    page.goto(site.url(f"/runs/{missing}"))
    expect(page.locator(".not-found h1")).to_have_text("Flow run not found")
    expect(page.locator(".not-found")).to_contain_text(missing)
    page.goto(site.url("/runs/not-a-uuid"))
    expect(page.locator(".not-found h1")).to_have_text("Flow run not found")
    page.goto(site.url(f"/flows/{missing}"))
    expect(page.locator(".not-found h1")).to_have_text("Flow not found")
    page.goto(site.url("/no/such/page"))
    expect(page.locator(".not-found h1")).to_have_text("Page not found")
    page.locator(".not-found a").click()
    expect(page.locator("h1")).to_contain_text("Dashboard")


def test_variables_create_edit_delete_with_inline_api_errors(site: Site, page: Page) -> None:
    page.goto(site.url("/variables"))
    expect(page.locator(".results tr.empty")).to_be_visible()
    page.get_by_role("button", name="New variable").click()
    form = page.locator("form.variable-form")
    form.get_by_label("Name").fill("Not A Valid Name!")
    form.get_by_label("Value").fill("1")
    form.get_by_role("button", name="Create").click()
    name_error = form.locator(".field-error[data-field=name]")
    expect(name_error).not_to_be_empty()  # the API's 422 message, next to the field
    expect(form.get_by_label("Name")).to_have_attribute("aria-invalid", "true")

    form.get_by_label("Name").fill("ui_test_var")
    form.get_by_label("Value").fill('{"retries": 3}')
    form.get_by_label("Tags").fill("team-a, nightly")
    form.get_by_role("button", name="Create").click()
    row = page.locator("tr[data-variable=ui_test_var]")
    expect(row).to_contain_text('{"retries":3}')
    expect(row.locator(".tag")).to_have_text(["team-a", "nightly"])
    expect(form).to_have_count(0)

    page.get_by_role("button", name="New variable").click()
    form.get_by_label("Name").fill("ui_test_var")
    form.get_by_label("Value").fill("2")
    form.get_by_role("button", name="Create").click()
    expect(name_error).to_contain_text("already exists")  # the 409
    form.get_by_role("button", name="Cancel").click()

    row.get_by_role("button", name="Edit").click()
    editing = page.locator("tr.editing form")
    expect(editing.get_by_label("Value")).to_have_value('{"retries":3}')
    editing.get_by_label("Value").fill("plain text value")
    editing.get_by_role("button", name="Save").click()
    expect(row).to_contain_text("plain text value")
    with site.seeder() as api:
        assert api.call("GET", "/variables/name/ui_test_var")["value"] == "plain text value"

    row.get_by_role("button", name="Delete").click()
    row.get_by_role("button", name="Confirm delete").click()
    expect(row).to_have_count(0)
    with site.seeder() as api:
        assert api.client.get("/variables/name/ui_test_var").status_code == 404


def test_unreachable_api_is_reported_and_retried(site: Site, page: Page) -> None:
    page.route(re.compile(r"/api/"), lambda route: route.abort())
    page.goto(site.url("/runs"))
    expect(page.locator(".unreachable")).to_contain_text("The API is unreachable")
    expect(page.locator(".unreachable")).to_contain_text("Retrying in")
    page.unroute(re.compile(r"/api/"))
    expect(run_rows(page)).to_have_count(4, timeout=15_000)  # the next retry succeeds by itself


# Last in the module: it adds a flow run, which the counts in the tests above do not expect.
def test_running_run_refreshes_its_state_and_logs(site: Site, page: Page) -> None:
    with site.seeder() as api:
        flow = site.data["flows"]["report-weekly"]
        run = api.flow_run(flow, "live-lynx", ["PENDING", "RUNNING"])
        page.goto(site.url(f"/runs/{run['id']}"))
        expect(page.locator("h1 .live")).to_be_visible()
        expect(page.locator("#logs")).to_contain_text("No logs.")
        api.logs(run, (20, "Step 1 of 2 done"))
        expect(page.locator("#logs")).to_contain_text("Step 1 of 2 done")
        api.set_state(run, "COMPLETED")
        api.logs(run, (20, "Finished"))
        expect(page.locator("h1 .badge")).to_have_text("Completed")
        expect(page.locator("h1 .live")).to_have_count(0)
        expect(page.locator("#logs")).to_contain_text("Finished")  # logs that arrive just after the end
        expect(page.locator("#state-history li")).to_have_count(3)
