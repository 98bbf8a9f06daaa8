"""Fixtures for the browser tests: Chromium, a seeded server, and a fresh page per test.

Without Chromium or Playwright the tests skip with the reason; under CI=true they fail instead.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from .browser import Seeder, chromium, missing_browser, running_server, seed_demo


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    reason = missing_browser()
    if reason:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"The browser tests cannot run under CI: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import expect

    expect.set_options(timeout=10_000)
    with chromium() as launched:
        yield launched


class Site:
    """A running server seeded with `seed_demo`, and where its UI is."""

    def __init__(self, server: Any, data: dict[str, Any], base: str = "") -> None:
        self.server = server
        self.data = data
        self.base = base

    def url(self, path: str = "/") -> str:
        return f"{self.server.address}{self.base}{path}"

    def run_id(self, name: str) -> str:
        return self.data["runs"][name]["id"]

    def seeder(self) -> Seeder:
        return Seeder(self.server.api_url)


@pytest.fixture(scope="module")
def site(browser: Any) -> Iterator[Site]:
    with running_server() as server, Seeder(server.api_url) as seeder:
        yield Site(server, seed_demo(seeder))


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A page in a fresh context; a JavaScript error on it fails the test."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        yield page
    finally:
        context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"
