"""Artifacts in the UI, in Chromium: a run's artifacts on its page (markdown rendered with any HTML
in it left as text, tables as tables, progress) and the artifacts page of the latest per key."""

from __future__ import annotations

import json
from typing import Any

import pytest

from .conftest import Site

try:
    from playwright.sync_api import Page, expect
except ImportError:  # the `browser` fixture skips (or, under CI, fails) with the reason
    Page = expect = None

HOSTILE = ('# Sales report\n\nAll **good** and *steady* <img src=x onerror="window.pwned=1">\n\n'
           '- [docs](https://example.com/docs)\n- [bad](javascript:window.pwned=2)\n')


@pytest.fixture(scope="module")
def artifacts(site: Site) -> dict[str, Any]:
    run = site.run_id("witty-otter")
    with site.seeder() as api:
        return {
            "markdown": api.call("POST", "/artifacts/", {"key": "sales-report", "type": "markdown", "data": HOSTILE,
                                                         "flow_run_id": run}),
            "table": api.call("POST", "/artifacts/", {"key": "rain", "type": "table", "flow_run_id": run, "data":
                                                      json.dumps([{"city": "Oslo", "rain": 3}, {"city": "Lima"}])}),
            "progress": api.call("POST", "/artifacts/", {"type": "progress", "data": 40, "flow_run_id": run}),
        }


def test_a_runs_artifacts_render_safely(site: Site, page: Page, artifacts: dict[str, Any]) -> None:
    page.goto(site.url(f"/runs/flow-run/{site.run_id('witty-otter')}"))
    section = page.locator("#run-artifacts")
    report = section.locator("[data-artifact-type=markdown]")
    expect(report.locator("h3")).to_have_text("Sales report")
    expect(report.locator("strong").last).to_have_text("good")
    expect(report.locator("em")).to_have_text("steady")
    expect(report).to_contain_text('<img src=x onerror="window.pwned=1">')  # shown as text
    expect(report.locator("img")).to_have_count(0)
    expect(report.locator("a")).to_have_count(1)
    expect(report.locator("a")).to_have_attribute("href", "https://example.com/docs")
    expect(report.locator("li").nth(1)).to_have_text("[bad](javascript:window.pwned=2)")
    rain = section.locator("[data-artifact-type=table] table")
    expect(rain.locator("th")).to_have_text(["city", "rain"])
    expect(rain.locator("tbody tr")).to_have_count(2)
    expect(rain.locator("tbody tr").first.locator("td")).to_have_text(["Oslo", "3"])
    expect(section.locator("[data-artifact-type=progress]")).to_contain_text("40%")
    assert page.evaluate("window.pwned") is None
    page.goto(site.url(f"/runs/flow-run/{site.run_id('angry-badger')}"))
    expect(page.locator("#run-artifacts")).to_contain_text("No artifacts.")


def test_the_artifacts_page_lists_the_latest_per_key(site: Site, page: Page, artifacts: dict[str, Any]) -> None:
    with site.seeder() as api:
        api.call("POST", "/artifacts/", {"key": "rain", "type": "markdown", "data": "Dry **week**"})
    page.goto(site.url("/"))
    page.locator("#nav").get_by_role("link", name="Artifacts").click()
    cards = page.locator("#artifacts .artifact")
    expect(cards).to_have_count(2)  # one per key; the unkeyed progress artifact is no collection
    expect(cards.first.locator(".artifact-key")).to_have_text("rain")  # the newest version, updated last
    expect(cards.first.locator("strong").last).to_have_text("week")
    expect(cards.nth(1).locator(".artifact-key")).to_have_text("sales-report")
    cards.nth(1).get_by_role("link", name="its flow run").click()
    expect(page.locator("#run-artifacts [data-artifact-type=markdown] h3")).to_have_text("Sales report")
