"""The per-request sessions inside a real `API` app: a 2xx means committed, an error rolls back."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.schema import CreateTable

from asgi_api import API, Depends, HTTPException
from asgi_api.server.database import Database, Session, tables, utcnow
from asgi_api.server.dependencies import read_session, write_session
from asgi_api.server.handlers import exception_handlers

pytestmark = pytest.mark.anyio

# A foreign key checked at COMMIT: the only way to make a commit itself fail on both backends.
_scratch = sa.MetaData()
parent = sa.Table("parent", _scratch, sa.Column("id", sa.Integer, primary_key=True))
child = sa.Table("child", _scratch, sa.Column("id", sa.Integer, primary_key=True),
                 sa.Column("parent_id", sa.Integer, sa.ForeignKey("parent.id", deferrable=True, initially="DEFERRED")))


def _variable(name: str) -> dict[str, object]:
    now = utcnow()
    return {"id": uuid.uuid4(), "created": now, "updated": now, "name": name, "value": 1, "tags": []}


def _app(database: Database) -> API:
    app = API(exception_handlers=exception_handlers())
    app.state.database = database

    @app.post("/variables/{name}", status_code=201)
    async def create(name: str, fail: bool = False, session: Session = Depends(write_session)) -> str:
        await session.execute(tables.variable.insert().values(_variable(name)))
        if fail:
            raise HTTPException(400, "changed my mind")
        return name

    @app.get("/variables/")
    async def names(session: Session = Depends(read_session)) -> list[str]:
        return [row["name"] for row in await session.fetch_all(sa.select(tables.variable.c.name).order_by("name"))]

    @app.post("/orphans")
    async def orphan(session: Session = Depends(write_session)) -> str:
        await session.execute(child.insert().values(id=1, parent_id=42))
        return "should never be sent"

    @app.post("/read-only")
    async def write_in_read(session: Session = Depends(read_session)) -> None:
        await session.execute(tables.variable.insert().values(_variable("sneaky")))

    return app


@pytest.fixture
async def client(database: Database) -> AsyncIterator[httpx.AsyncClient]:
    async with database.transaction(write=True) as session:
        for table in _scratch.sorted_tables:
            await session.execute(CreateTable(table))
    transport = httpx.ASGITransport(_app(database), raise_app_exceptions=False)  # a 500 re-raises otherwise
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


async def test_a_2xx_means_committed(client: httpx.AsyncClient) -> None:
    assert (await client.post("/variables/a")).status_code == 201
    assert (await client.get("/variables/")).json() == ["a"]


async def test_an_error_in_the_endpoint_rolls_back(client: httpx.AsyncClient) -> None:
    response = await client.post("/variables/a", params={"fail": "true"})
    assert (response.status_code, response.json()) == (400, {"detail": "changed my mind"})
    assert (await client.get("/variables/")).json() == []


async def test_an_integrity_error_is_a_409_and_rolls_back(client: httpx.AsyncClient) -> None:
    assert (await client.post("/variables/a")).status_code == 201
    assert (await client.post("/variables/a")).status_code == 409
    assert (await client.get("/variables/")).json() == ["a"]


async def test_a_failed_commit_becomes_the_error_response(client: httpx.AsyncClient, database: Database) -> None:
    response = await client.post("/orphans")
    assert response.status_code == 409, response.text
    async with database.transaction() as session:
        assert await session.fetch_val(sa.select(sa.func.count()).select_from(child)) == 0


async def test_a_read_session_refuses_writes(client: httpx.AsyncClient) -> None:
    assert (await client.post("/read-only")).status_code == 500
    assert (await client.get("/variables/")).json() == []


async def test_a_mounted_api_finds_its_own_database(database: Database) -> None:
    outer = API()
    outer.mount("/api", _app(database))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(outer), base_url="http://test") as client:
        assert (await client.post("/api/variables/a")).status_code == 201
        assert (await client.get("/api/variables/")).json() == ["a"]
