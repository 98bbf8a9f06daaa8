"""The API's docs pages in Chromium: Swagger UI and ReDoc render the server's OpenAPI 3.1 document
from the `docs` extra's files, with every request to another host refused."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from .conftest import Site

RENDER_MS = 60_000  # both pages render the whole (large) document in the browser; slow on a busy machine


@pytest.fixture
def offline_page(page: Any, site: Site) -> tuple[Any, list[str]]:
    """`page` with every request to a host other than the server's aborted and recorded."""
    local = urlsplit(site.url()).netloc
    elsewhere: list[str] = []

    def route(route: Any) -> None:
        if urlsplit(route.request.url).netloc == local:
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    page.route("**/*", route)
    return page, elsewhere


def test_swagger_ui_renders_the_operations_offline(offline_page: tuple[Any, list[str]], site: Site) -> None:
    page, elsewhere = offline_page
    page.goto(site.url("/api/docs"))
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("asgi_api REST API", timeout=RENDER_MS)
    expect(page.locator(".opblock-summary-path[data-path='/flows/filter']")).to_be_visible(timeout=RENDER_MS)
    assert page.locator(".opblock").count() > 20
    assert elsewhere == []


def test_redoc_renders_the_operations_offline(offline_page: tuple[Any, list[str]], site: Site) -> None:
    page, elsewhere = offline_page
    page.goto(site.url("/api/redoc"))
    expect(page.locator("h1").first).to_contain_text("asgi_api REST API", timeout=RENDER_MS)
    expect(page.locator("h2", has_text="Read Flows").first).to_be_attached(timeout=RENDER_MS)
    # ReDoc's "API docs by Redocly" footer asks its CDN for a logo and hides it when that fails.
    assert [url for url in elsewhere if url != "https://cdn.redoc.ly/redoc/logo-mini.svg"] == []
