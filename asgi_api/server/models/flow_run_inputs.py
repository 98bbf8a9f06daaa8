"""Flow run inputs: created once per (run, key), read by key or by key prefix, deleted."""

from __future__ import annotations

import uuid

import msgspec
import sqlalchemy as sa

from asgi_api.server.database import Session, tables, utcnow
from asgi_api.server.exceptions import ObjectNotFoundError
from asgi_api.server.models.filters import where
from asgi_api.server.schemas.flow_run_inputs import FlowRunInput

__all__ = ["create_input", "delete_input", "read_input", "read_inputs"]

_input = tables.flow_run_input


async def create_input(session: Session, flow_run_id: uuid.UUID, key: str, value: str, sender: str | None) -> bool:
    """Store an input; False when the run already has one under `key`. An unknown run is an
    `ObjectNotFoundError`."""
    if await session.fetch_one(sa.select(tables.flow_run.c.id).where(tables.flow_run.c.id == flow_run_id)) is None:
        raise ObjectNotFoundError("Flow run not found")
    now = utcnow()
    insert = session.insert(_input).values(id=uuid.uuid4(), created=now, updated=now, flow_run_id=flow_run_id,
                                           key=key, value=value, sender=sender)
    created = await session.fetch_one(insert.on_conflict_do_nothing(index_elements=["flow_run_id", "key"])
                                      .returning(_input.c.id))
    return created is not None


async def read_input(session: Session, flow_run_id: uuid.UUID, key: str) -> FlowRunInput | None:
    row = await session.fetch_one(sa.select(_input).where(_input.c.flow_run_id == flow_run_id, _input.c.key == key))
    return None if row is None else msgspec.convert(row, FlowRunInput)


async def read_inputs(session: Session, flow_run_id: uuid.UUID, prefix: str, limit: int,
                      exclude_keys: list[str]) -> list[FlowRunInput]:
    """The run's inputs whose key starts with `prefix` (oldest first), leaving out `exclude_keys`."""
    escaped = prefix.replace("/", "//").replace("%", "/%").replace("_", "/_")
    query = (sa.select(_input).where(_input.c.flow_run_id == flow_run_id, _input.c.key.like(f"{escaped}%", escape="/"),
                                     where(_input.c.key.not_in(exclude_keys) if exclude_keys else None))
             .order_by(_input.c.created, _input.c.id).limit(limit))
    return [msgspec.convert(row, FlowRunInput) for row in await session.fetch_all(query)]


async def delete_input(session: Session, flow_run_id: uuid.UUID, key: str) -> bool:
    deleted = await session.fetch_one(sa.delete(_input).where(_input.c.flow_run_id == flow_run_id, _input.c.key == key)
                                      .returning(_input.c.id))
    return deleted is not None
