"""Small REST API helpers shared by the end-to-end tests: create a flow, read every match."""

from __future__ import annotations

from typing import Any

from tests.server.e2e.retry import RetryingClient

PAGE = 200  # the API's largest `limit`
MAX_PAGES = 100


async def create_flow(api: RetryingClient, name: str) -> str:
    response = await api.post("/flows/", json={"name": name})
    assert response.status_code in (200, 201), response.text
    return str(response.json()["id"])


async def read_all(api: RetryingClient, path: str, body: dict[str, Any]) -> list[dict[str, Any]]:
    """Every object a `/filter` route matches, a page of 200 at a time."""
    found: list[dict[str, Any]] = []
    for page in range(MAX_PAGES):
        response = await api.post(path, json={**body, "limit": PAGE, "offset": page * PAGE})
        assert response.status_code == 200, f"POST {path}: {response.status_code} {response.text[:500]}"
        batch = response.json()
        found += batch
        if len(batch) < PAGE:
            return found
    raise AssertionError(f"POST {path} matched over {PAGE * MAX_PAGES} objects")
