from __future__ import annotations

import datetime
import uuid
from typing import Any

import pytest
import sqlalchemy as sa

from asgi_api.server.database import Database, Session, tables, utcnow
from asgi_api.server.database.errors import is_integrity_error

pytestmark = pytest.mark.anyio


def _stored(**values: Any) -> dict[str, Any]:
    now = utcnow()
    return {"id": uuid.uuid4(), "created": now, "updated": now, **values}


async def _add_flow(session: Session, name: str = "etl") -> uuid.UUID:
    row = _stored(name=name, tags=["a"], labels={})
    await session.execute(tables.flow.insert().values(row))
    return row["id"]


async def _add_flow_run(session: Session, flow_id: uuid.UUID, idempotency_key: str | None = None) -> uuid.UUID:
    row = _stored(name="witty-otter", flow_id=flow_id, parameters={}, context={}, empirical_policy={}, tags=[],
                  idempotency_key=idempotency_key)
    await session.execute(tables.flow_run.insert().values(row))
    return row["id"]


async def _add_task_run(session: Session, flow_run_id: uuid.UUID | None, dynamic_key: str = "0") -> uuid.UUID:
    row = _stored(name="t", flow_run_id=flow_run_id, task_key="k", dynamic_key=dynamic_key, empirical_policy={},
                  tags=[], task_inputs={})
    await session.execute(tables.task_run.insert().values(row))
    return row["id"]


def _state(run: str, run_id: uuid.UUID) -> dict[str, Any]:
    return _stored(**{f"{run}_run_id": run_id}, type="RUNNING", name="Running", timestamp=utcnow(),
                   state_details={})


async def _count(session: Session, table: sa.Table) -> int:
    return await session.fetch_val(sa.select(sa.func.count()).select_from(table))


async def test_deleting_a_flow_deletes_its_runs_states_and_task_runs(database: Database) -> None:
    async with database.transaction(write=True) as session:
        flow_id = await _add_flow(session)
        flow_run_id = await _add_flow_run(session, flow_id)
        task_run_id = await _add_task_run(session, flow_run_id)
        await session.execute(tables.flow_run_state.insert().values(_state("flow", flow_run_id)))
        await session.execute(tables.task_run_state.insert().values(_state("task", task_run_id)))
    async with database.transaction(write=True) as session:
        await session.execute(tables.flow.delete().where(tables.flow.c.id == flow_id))
    async with database.transaction() as session:
        for table in (tables.flow_run, tables.flow_run_state, tables.task_run, tables.task_run_state):
            assert await _count(session, table) == 0, table.name


async def test_logs_need_no_run(database: Database) -> None:
    async with database.transaction(write=True) as session:
        await session.execute(tables.log.insert().values(_stored(
            name="prefect", level=20, message="hi", timestamp=utcnow(), flow_run_id=uuid.uuid4(), task_run_id=None)))
    async with database.transaction() as session:
        assert await _count(session, tables.log) == 1


async def test_a_run_of_an_unknown_flow_is_an_integrity_error(database: Database) -> None:
    with pytest.raises(Exception) as caught:
        async with database.transaction(write=True) as session:
            await _add_flow_run(session, uuid.uuid4())
    assert is_integrity_error(caught.value)


@pytest.mark.parametrize("duplicate", ["flow name", "idempotency key", "task key", "variable name", "csrf client"])
async def test_unique_violations_are_integrity_errors(database: Database, duplicate: str) -> None:
    async with database.transaction(write=True) as session:
        flow_run_id = await _add_flow_run(session, await _add_flow(session), idempotency_key="once")
        await _add_task_run(session, flow_run_id)
        await session.execute(tables.variable.insert().values(_stored(name="v", value=1, tags=[])))
        await session.execute(tables.csrf_token.insert().values(_stored(token="t", client="c", expiration=utcnow())))
    with pytest.raises(Exception) as caught:
        async with database.transaction(write=True) as session:
            if duplicate == "flow name":
                await _add_flow(session)
            elif duplicate == "idempotency key":
                flow_id = await session.fetch_val(sa.select(tables.flow.c.id))
                await _add_flow_run(session, flow_id, idempotency_key="once")
            elif duplicate == "task key":
                await _add_task_run(session, flow_run_id)
            elif duplicate == "variable name":
                await session.execute(tables.variable.insert().values(_stored(name="v", value=2, tags=[])))
            else:
                await session.execute(tables.csrf_token.insert().values(
                    _stored(token="u", client="c", expiration=utcnow())))
    assert is_integrity_error(caught.value), repr(caught.value)


async def test_task_runs_without_a_flow_run_are_never_duplicates(database: Database) -> None:
    async with database.transaction(write=True) as session:
        await _add_task_run(session, None)
        await _add_task_run(session, None)
        assert await _count(session, tables.task_run) == 2


async def test_upsert_through_the_dialects_insert(database: Database) -> None:
    async with database.transaction(write=True) as session:
        first = await _add_flow(session)
        statement = session.insert(tables.flow).values(_stored(name="etl", tags=[], labels=None))
        assert await session.fetch_one(statement.on_conflict_do_nothing().returning(tables.flow.c.id)) is None
        assert await session.fetch_val(sa.select(tables.flow.c.id).where(tables.flow.c.name == "etl")) == first


async def test_values_round_trip_with_their_python_types(database: Database) -> None:
    plus_two = datetime.timezone(datetime.timedelta(hours=2))
    moment = datetime.datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=plus_two)
    variable_id = uuid.uuid4()
    document = {"nested": [1, 2.5, "x", None, True], "empty": {}}
    async with database.transaction(write=True) as session:
        await session.execute(tables.variable.insert().values(
            id=variable_id, created=moment, updated=utcnow(), name="v", value=document, tags=["t"]))
        await session.execute(tables.variable.insert().values(_stored(name="w", value=None, tags=[])))
    async with database.transaction() as session:
        row = await session.fetch_one(sa.select(tables.variable).where(tables.variable.c.name == "v"))
        assert row is not None
        assert row["id"] == variable_id and isinstance(row["id"], uuid.UUID)
        assert row["created"] == moment and row["created"].utcoffset() == datetime.timedelta(0)
        assert row["created"].tzinfo is not None and row["updated"].tzinfo is not None
        assert (row["value"], row["tags"]) == (document, ["t"])
        assert await session.fetch_val(sa.select(tables.variable.c.value).where(tables.variable.c.name == "w")) is None
        # Filters compare in UTC too: a bound datetime goes through the column type.
        later = await session.fetch_all(sa.select(tables.variable.c.name).where(
            tables.variable.c.created > moment - datetime.timedelta(microseconds=1)).order_by(tables.variable.c.name))
        assert [row["name"] for row in later] == ["v", "w"]
        # An expanded IN list bypasses the column type in `databases`: the sqlite3 UUID adapter covers it.
        by_id = sa.select(tables.variable.c.name).where(tables.variable.c.id.in_([variable_id, uuid.uuid4()]))
        assert await session.fetch_all(by_id) == [{"name": "v"}]


async def test_naive_datetimes_are_refused(database: Database) -> None:
    with pytest.raises(Exception, match="naive datetime"):
        async with database.transaction(write=True) as session:
            await session.execute(tables.variable.insert().values(
                _stored(name="v", value=1, tags=[], created=datetime.datetime(2024, 1, 1))))
