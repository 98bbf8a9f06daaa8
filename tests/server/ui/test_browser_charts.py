"""The pictures: the dashboard's flow-run history and a flow run's task-run timeline, drawn from
seeded runs (their bars match the seeded counts and durations); a run with 10,000 task runs draws
its timeline a page at a time; lists refresh by themselves while runs are active."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from asgi_api.server.database import Database, tables, utcnow

from .browser import Seeder, iso, now, running_server
from .conftest import Site

DURATIONS = {"short": 2.0, "medium": 4.0, "long": 8.0}  # seconds each seeded task run ran
MANY = 10_000


@pytest.fixture(scope="module")
def charts(browser: Any) -> Iterator[Site]:
    """A server of its own: runs in known states now and two hours ago, a run whose task runs took
    known times, and a run with MANY task runs (written straight into its database)."""
    with running_server() as server, Seeder(server.api_url) as api:
        flow = api.flow("charted")
        runs = {}
        completed = ["PENDING", "RUNNING", "COMPLETED"]
        for name, states in [("done-1", completed), ("done-2", completed), ("broke", ["PENDING", "RUNNING", "FAILED"]),
                             ("going", ["PENDING", "RUNNING"])]:
            runs[name] = api.flow_run(flow, name, states)
        two_hours_ago = iso(now() - timedelta(hours=2))
        runs["earlier"] = api.call("POST", "/flow_runs/", {"flow_id": flow["id"], "name": "earlier", "state": {
            "type": "SCHEDULED", "state_details": {"scheduled_time": two_hours_ago}}})
        runs["timed"] = api.flow_run(flow, "timed", ["PENDING", "RUNNING", "COMPLETED"])
        runs["crowded"] = api.flow_run(flow, "crowded", ["PENDING", "RUNNING", "COMPLETED"])
        # The server stamps states with its own clock: task runs of known lengths go straight into its
        # database, in a thread of its own (Playwright's sync API keeps an event loop running in this one).
        start = utcnow() - timedelta(hours=1)
        timed = [(name, start + timedelta(seconds=i), seconds) for i, (name, seconds) in enumerate(DURATIONS.items())]
        many = [(f"many-{i:05d}", start + timedelta(seconds=i), 1.0) for i in range(MANY)]
        url = server.env["ASGI_API_DATABASE_URL"]
        with ThreadPoolExecutor(1) as thread:
            thread.submit(asyncio.run, _insert_task_runs(url, runs["timed"]["id"], timed)).result()
            thread.submit(asyncio.run, _insert_task_runs(url, runs["crowded"]["id"], many)).result()
        yield Site(server, {"runs": runs})


async def _insert_task_runs(url: str, flow_run_id: str, spans: list[tuple[str, datetime, float]]) -> None:
    """Completed task runs of the flow run, (name, start, seconds) each, in one batch."""
    database = Database(url)
    await database.connect()
    rows = [{
        "id": uuid.uuid4(), "created": start, "updated": start, "name": name, "task_key": name,
        "dynamic_key": "0", "flow_run_id": uuid.UUID(flow_run_id), "empirical_policy": {}, "tags": [], "labels": {},
        "task_inputs": {}, "state_type": "COMPLETED", "state_name": "Completed", "run_count": 1,
        "expected_start_time": start, "start_time": start, "end_time": start + timedelta(seconds=seconds),
        "total_run_time": seconds,
    } for name, start, seconds in spans]
    try:
        async with database.transaction(write=True) as session:
            await session.execute_many(tables.task_run.insert(), rows)
    finally:
        await database.disconnect()


def test_dashboard_history_stacks_the_window_s_runs_by_state(charts: Site, page: Page) -> None:
    page.goto(charts.url("/"))
    chart = page.locator("#run-history svg.history")
    expect(chart).to_be_visible()
    buckets = chart.locator("g.bucket")
    expect(buckets).to_have_count(24)
    segments = chart.locator("rect.segment")
    counts: dict[str, int] = {}
    for i in range(segments.count()):
        kind = segments.nth(i).get_attribute("data-state-type") or ""
        counts[kind] = counts.get(kind, 0) + int(segments.nth(i).get_attribute("data-count") or 0)
    # done-1, done-2, timed and crowded completed; broke failed; going runs; earlier is late.
    assert counts == {"COMPLETED": 4, "FAILED": 1, "RUNNING": 1, "SCHEDULED": 1}
    assert buckets.last.get_attribute("data-count") == "6"  # everything but `earlier`, two hours back
    assert [int(buckets.nth(i).get_attribute("data-count") or 0) for i in range(20, 23)].count(1) == 1
    assert sum(int(buckets.nth(i).get_attribute("data-count") or 0) for i in range(24)) == 7
    heights = {segments.nth(i).get_attribute("data-state-type"): float(segments.nth(i).get_attribute("height") or 0)
               for i in range(segments.count()) if segments.nth(i).get_attribute("data-count") == "1"}
    assert heights["FAILED"] == pytest.approx(heights["RUNNING"])  # one run each: the same height

    page.get_by_label("Window").select_option("1h")
    expect(chart.locator("g.bucket")).to_have_count(12)
    expect(page).to_have_url(charts.url("/?window=1h"))
    assert sum(int(chart.locator("g.bucket").nth(i).get_attribute("data-count") or 0) for i in range(12)) == 6


def test_run_timeline_bars_match_the_task_runs_durations(charts: Site, page: Page) -> None:
    page.goto(charts.url(f"/runs/flow-run/{charts.data['runs']['timed']['id']}"))
    rows = page.locator("#task-timeline svg.gantt g.gantt-row")
    expect(rows).to_have_count(3)
    widths = {}
    for i in range(3):
        row = rows.nth(i)
        name = row.locator("text.label").text_content() or ""
        assert float(row.get_attribute("data-duration-ms") or 0) == DURATIONS[name] * 1000
        widths[name] = float(row.locator("rect.bar").get_attribute("width") or 0)
    assert widths["long"] / widths["short"] == pytest.approx(4, rel=0.01)
    assert widths["medium"] / widths["short"] == pytest.approx(2, rel=0.01)
    rows.nth(2).click()
    expect(page.locator("h1")).to_contain_text("long")


def test_ten_thousand_task_runs_draw_a_page_at_a_time(charts: Site, page: Page) -> None:
    page.goto(charts.url(f"/runs/flow-run/{charts.data['runs']['crowded']['id']}"))
    task_runs = page.locator("#task-runs")
    expect(task_runs.locator(".count")).to_have_text(f"{MANY} task runs")
    expect(task_runs.locator("svg.gantt g.gantt-row")).to_have_count(200)
    expect(task_runs.locator("tbody tr")).to_have_count(200)
    expect(task_runs.locator(".pager")).to_contain_text(f"1–200 of {MANY}")
    expect(task_runs.locator("tbody tr").first).to_contain_text("many-00000")
    task_runs.get_by_role("button", name="Next →").click()
    expect(task_runs.locator(".pager")).to_contain_text(f"201–400 of {MANY}")
    expect(task_runs.locator("tbody tr").first).to_contain_text("many-00200")
    expect(page).to_have_url(charts.url(f"/runs/flow-run/{charts.data['runs']['crowded']['id']}?tasks=200"))


def test_lists_refresh_by_themselves_while_runs_are_active(charts: Site, page: Page) -> None:
    page.goto(charts.url("/runs?state=RUNNING"))
    expect(page.locator("h1 .live")).to_be_visible()  # `going` is running
    rows = page.locator(".results tbody tr[data-run-id]")
    expect(rows).to_have_count(1)
    with Seeder(charts.server.api_url) as api:
        started = api.flow_run(api.flow("charted"), "latecomer", ["PENDING", "RUNNING"])
        expect(rows).to_have_count(2)  # appears without a reload
        api.set_state(started, "COMPLETED")
        api.set_state(charts.data["runs"]["going"], "COMPLETED")
    expect(rows).to_have_count(0)
    expect(page.locator("h1 .live")).to_have_count(0)  # nothing active: no more refreshing
