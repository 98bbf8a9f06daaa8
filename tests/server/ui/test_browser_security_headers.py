"""The UI and the API docs under their Content-Security-Policy in Chromium: every view renders and
Chromium reports no violation; the UI cannot be framed by another page."""

from __future__ import annotations

from typing import Any

from .conftest import Site

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips (or, under CI, fails) with the reason
    expect = None

# Collects what Chromium blocked, before any of the page's own scripts run.
WATCH_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation",
  (event) => window.__violations.push(`${event.violatedDirective} ${event.blockedURI}`));
"""


def visit(page: Any, url: str) -> tuple[str, list[str]]:
    """Open `url`; its CSP header and the violations reported once the page has settled."""
    response = page.goto(url)
    page.wait_for_load_state("networkidle")
    return response.headers["content-security-policy"], page.evaluate("window.__violations")


def test_every_view_of_the_ui_runs_under_the_strict_policy(site: Site, page: Any) -> None:
    page.add_init_script(WATCH_VIOLATIONS)
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    failed_run = site.run_id("angry-badger")
    for path in ["/", "/flows", "/runs", f"/runs/{failed_run}", "/variables"]:
        policy, violations = visit(page, site.url(path))
        assert "script-src 'self';" in policy and "frame-ancestors 'none'" in policy
        assert violations == [], (path, violations)
    # The run's state timeline sizes its segments with inline styles: set through the CSSOM, they apply.
    page.goto(site.url(f"/runs/{failed_run}"))
    segments = page.locator(".timeline-bar .segment")
    expect(segments).to_have_count(3)
    assert float(segments.first.evaluate("element => getComputedStyle(element).flexGrow")) > 0
    assert [text for text in console if "Content Security Policy" in text] == []


def test_the_docs_pages_run_under_their_own_policy(site: Site, page: Any) -> None:
    page.add_init_script(WATCH_VIOLATIONS)
    policy, violations = visit(page, site.url("/api/docs"))
    assert "'unsafe-inline'" in policy and "frame-ancestors 'none'" in policy
    expect(page.locator(".opblock-summary-path[data-path='/flows/filter']")).to_be_visible()
    assert violations == []
    _, violations = visit(page, site.url("/api/redoc"))
    expect(page.locator("h2", has_text="Read Flows").first).to_be_attached()
    assert violations == []


def test_another_site_cannot_frame_the_ui(site: Site, page: Any) -> None:
    page.set_content(f'<iframe id="ui" src="{site.url("/")}" width="800" height="600"></iframe>')  # waits for load
    (frame,) = [frame for frame in page.frames if frame != page.main_frame]
    assert frame.url.startswith("chrome-error://"), frame.url  # Chromium refused to show it
    expect(page.frame_locator("#ui").locator("#nav")).to_have_count(0)
