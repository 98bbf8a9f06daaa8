"""The UI under a base path, and behind Basic auth with CSRF protection on."""

from __future__ import annotations

import re
from typing import Any

from .browser import Seeder, running_server

try:
    from playwright.sync_api import Page, expect
except ImportError:  # the `browser` fixture skips (or, under CI, fails) with the reason
    Page = expect = None


def test_served_under_a_base_path(browser: Any, page: Page) -> None:
    with running_server(ui_serve_base="/prefix/") as server, Seeder(server.api_url) as api:
        flow = api.flow("prefixed-flow")
        run = api.flow_run(flow, "prefixed-run", ["PENDING", "RUNNING", "COMPLETED"])
        api.logs(run, (20, "hello from under /prefix"))
        failed: list[str] = []
        page.on("response", lambda response: failed.append(f"{response.status} {response.url}")
                if response.status >= 400 else None)
        base = f"{server.address}/prefix"

        page.goto(f"{base}/")
        expect(page.locator("[data-stat=flows] .stat-number")).to_have_text("1")
        page.locator("#nav").get_by_role("link", name="Flow runs").click()
        expect(page).to_have_url(f"{base}/runs")
        page.get_by_role("link", name="prefixed-run").click()
        expect(page).to_have_url(f"{base}/runs/flow-run/{run['id']}")
        expect(page.locator("#logs")).to_contain_text("hello from under /prefix")
        page.reload()  # a deep link under the prefix
        expect(page.locator("h1")).to_contain_text("prefixed-run")
        page.get_by_role("link", name="prefixed-flow").first.click()
        expect(page).to_have_url(f"{base}/flows/flow/{flow['id']}")
        page.go_back()
        expect(page).to_have_url(f"{base}/runs/flow-run/{run['id']}")
        page.goto(f"{base}/variables")
        expect(page.locator("h1")).to_have_text("Variables")
        brand = page.locator("a.brand")
        assert brand.get_attribute("href") == "/prefix/"
        assert not failed, failed
        assert "PREFECT_UI_SERVE_BASE" not in page.content()


def test_basic_auth_login_and_csrf_protected_writes(browser: Any, page: Page) -> None:
    with running_server(api_auth_string="admin:s3cret", csrf_enabled="true") as server:
        csrf_headers: list[dict[str, str]] = []
        page.on("request", lambda request: csrf_headers.append(request.headers)
                if request.method == "POST" and request.url.endswith("/api/variables/") else None)
        page.goto(f"{server.address}/variables")
        login = page.locator("form.login")
        expect(login).to_be_visible()
        login.get_by_label("User name").fill("admin")
        login.get_by_label("Password").fill("wrong")
        login.get_by_role("button", name="Log in").click()
        expect(login.locator(".form-error")).to_have_text("Wrong user name or password.")
        login.get_by_label("Password").fill("s3cret")
        login.get_by_role("button", name="Log in").click()
        expect(page.locator("h1")).to_have_text("Variables")
        page.reload()  # the credentials last for the browser tab
        expect(page.locator("h1")).to_have_text("Variables")

        page.get_by_role("button", name="New variable").click()
        form = page.locator("form.variable-form")
        form.get_by_label("Name").fill("guarded")
        form.get_by_label("Value").fill('"secret value"')
        form.get_by_role("button", name="Create").click()
        expect(page.locator("tr[data-variable=guarded]")).to_contain_text("secret value")
        assert csrf_headers and "prefect-csrf-token" in csrf_headers[-1]
        assert csrf_headers[-1]["authorization"].startswith("Basic ")
        row = page.locator("tr[data-variable=guarded]")
        row.get_by_role("button", name="Delete").click()
        row.get_by_role("button", name="Confirm delete").click()
        expect(row).to_have_count(0)

        page.get_by_role("button", name="Log out").click()
        expect(page.locator("form.login")).to_be_visible()
        with Seeder(server.api_url) as anonymous:
            assert anonymous.client.post("/flows/count", json={}).status_code == 401
        assert re.search(r"/variables$", page.url)
