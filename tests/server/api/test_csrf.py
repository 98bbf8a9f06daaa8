"""CSRF on each backend: `GET /csrf-token` issues tokens kept in the database, and with protection
on, every write needs the token of the client it names."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from asgi_api.server.app import create_api_app
from asgi_api.server.database import Database, tables, utcnow
from asgi_api.server.settings import Settings

pytestmark = pytest.mark.anyio

VARIABLE = {"name": "answer", "value": 42}


@pytest.fixture
async def protected(database: Database, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    """A client of an API with CSRF protection on."""
    settings = Settings.load({"ASGI_API_HOME": str(tmp_path), "ASGI_API_CSRF_ENABLED": "true"})
    app = create_api_app(settings=settings)
    app.state.database = database
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        yield client


def _headers(token: str, client: str) -> dict[str, str]:
    return {"Prefect-Csrf-Token": token, "Prefect-Csrf-Client": client}


async def test_disabled_protection_issues_no_tokens(client: httpx.AsyncClient) -> None:
    response = await client.get("/csrf-token", params={"client": "abc"})
    assert response.status_code == 422
    assert response.json() == {"detail": "CSRF protection is disabled."}
    assert (await client.post("/variables/", json=VARIABLE)).status_code == 201  # writes need no token


async def test_client_is_required(protected: httpx.AsyncClient) -> None:
    assert (await protected.get("/csrf-token")).status_code == 422


async def test_token_issue_and_use(protected: httpx.AsyncClient) -> None:
    response = await protected.get("/csrf-token", params={"client": "client-1"})
    assert response.status_code == 200
    issued = response.json()
    assert issued["client"] == "client-1" and len(issued["token"]) >= 32
    assert set(issued) == {"id", "created", "updated", "token", "client", "expiration"}

    created = await protected.post("/variables/", json=VARIABLE, headers=_headers(issued["token"], "client-1"))
    assert created.status_code == 201
    assert (await protected.get("/variables/name/answer")).status_code == 200  # reads need none


async def test_writes_without_a_valid_token_are_forbidden(protected: httpx.AsyncClient) -> None:
    token = (await protected.get("/csrf-token", params={"client": "client-1"})).json()["token"]
    cases = [
        ({}, "Missing CSRF token."),
        ({"Prefect-Csrf-Token": token}, "Missing client identifier."),
        (_headers(token, "client-2"), "Invalid CSRF token or client identifier."),
        (_headers(token[:-1] + ("0" if token[-1] != "0" else "1"), "client-1"),
         "Invalid CSRF token or client identifier."),
    ]
    for headers, detail in cases:
        response = await protected.post("/variables/", json=VARIABLE, headers=headers)
        assert (response.status_code, response.json()) == (403, {"detail": detail})


async def test_a_new_token_replaces_the_old_one(protected: httpx.AsyncClient) -> None:
    first = (await protected.get("/csrf-token", params={"client": "client-1"})).json()
    second = (await protected.get("/csrf-token", params={"client": "client-1"})).json()
    assert first["token"] != second["token"]
    stale = await protected.post("/variables/", json=VARIABLE, headers=_headers(first["token"], "client-1"))
    assert stale.status_code == 403
    fresh = await protected.post("/variables/", json=VARIABLE, headers=_headers(second["token"], "client-1"))
    assert fresh.status_code == 201


async def test_expired_tokens_are_refused_and_cleaned_up(protected: httpx.AsyncClient, database: Database) -> None:
    token = (await protected.get("/csrf-token", params={"client": "client-1"})).json()["token"]
    async with database.transaction(write=True) as session:
        await session.execute(sa.update(tables.csrf_token).values(expiration=utcnow() - timedelta(seconds=1)))
    response = await protected.post("/variables/", json=VARIABLE, headers=_headers(token, "client-1"))
    assert response.status_code == 403

    await protected.get("/csrf-token", params={"client": "client-2"})  # issuing sweeps expired tokens
    async with database.transaction() as session:
        clients = await session.fetch_all(sa.select(tables.csrf_token.c.client))
    assert [row["client"] for row in clients] == ["client-2"]
