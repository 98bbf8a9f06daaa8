"""Automations: stored, listed and looked up; never evaluated by this server."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
import sqlalchemy as sa

from asgi_api.server.database import Session, tables, utcnow
from asgi_api.server.models import filters
from asgi_api.server.models.sorting import order_by
from asgi_api.server.schemas.automations import (
    Automation,
    AutomationCreate,
    AutomationFilter,
    AutomationSort,
    AutomationUpdate,
)
from asgi_api.server.schemas.filters import Operator

__all__ = ["count_automations", "create_automation", "delete_automation", "delete_owned_by", "read_automation",
           "read_automations", "related_to", "set_enabled", "update_automation"]

_automation = tables.automation
_c = _automation.c
_FIELDS = ("name", "description", "enabled", "tags", "trigger", "actions", "actions_on_trigger", "actions_on_resolve")


async def create_automation(session: Session, automation: AutomationCreate) -> Automation:
    now = utcnow()
    values = {"id": uuid.uuid4(), "created": now, "updated": now, "owner_resource": automation.owner_resource,
              **_documents(automation)}
    return _model(await session.fetch_one(sa.insert(_automation).values(values).returning(*_automation.c)))


async def read_automation(session: Session, automation_id: uuid.UUID) -> Automation | None:
    row = await session.fetch_one(sa.select(_automation).where(_c.id == automation_id))
    return None if row is None else _model(row)


async def update_automation(session: Session, automation_id: uuid.UUID, automation: AutomationUpdate) -> bool:
    return await _update(session, automation_id, _documents(automation))


async def set_enabled(session: Session, automation_id: uuid.UUID, enabled: bool) -> bool:
    return await _update(session, automation_id, {"enabled": enabled})


async def delete_automation(session: Session, automation_id: uuid.UUID) -> bool:
    return await session.fetch_one(sa.delete(_automation).where(_c.id == automation_id).returning(_c.id)) is not None


async def delete_owned_by(session: Session, resource_id: str) -> None:
    await session.execute(sa.delete(_automation).where(_c.owner_resource == resource_id))


async def read_automations(session: Session, automation_filter: AutomationFilter | None, sort: AutomationSort,
                           limit: int, offset: int) -> list[Automation]:
    query = (sa.select(_automation).where(_where(session.dialect, automation_filter))
             .order_by(*order_by(_automation, sort)).limit(limit).offset(offset))
    return [_model(row) for row in await session.fetch_all(query)]


async def count_automations(session: Session) -> int:
    return int(await session.fetch_val(sa.select(sa.func.count()).select_from(_automation)))


async def related_to(session: Session, resource_id: str) -> list[Automation]:
    """Automations the resource owns, or whose trigger or actions name it (or its id)."""
    identity = resource_id.rsplit(".", 1)[-1]
    mentions = [sa.cast(column, sa.Text).like(f"%{identity}%") for column in (_c.trigger, _c.actions,
                                                                              _c.actions_on_trigger,
                                                                              _c.actions_on_resolve)]
    query = sa.select(_automation).where(sa.or_(_c.owner_resource == resource_id, *mentions)).order_by(_c.name)
    return [_model(row) for row in await session.fetch_all(query)]


async def _update(session: Session, automation_id: uuid.UUID, values: dict[str, Any]) -> bool:
    statement = sa.update(_automation).where(_c.id == automation_id).values(updated=utcnow(), **values)
    return await session.fetch_one(statement.returning(_c.id)) is not None


def _documents(automation: AutomationCreate | AutomationUpdate) -> dict[str, Any]:
    return {name: msgspec.to_builtins(getattr(automation, name)) for name in _FIELDS}


def _model(row: dict[str, Any] | None) -> Automation:
    return msgspec.convert(row, Automation)


def _where(dialect: str, criterion: AutomationFilter | None) -> sa.ColumnElement[bool]:
    if criterion is None:
        return sa.true()
    tags, created = criterion.tags, criterion.created
    return filters.where(filters.combine(Operator.and_, [
        None if criterion.name is None else filters.any_of(_c.name, criterion.name.any_),
        None if created is None or created.before_ is None else _c.created <= created.before_,
        None if tags is None else filters.combine(Operator.and_, [
            None if tags.all_ is None else filters.tags_all(dialect, _c.tags, tags.all_),
            None if tags.any_ is None else filters.tags_any(dialect, _c.tags, tags.any_),
            None if tags.is_null_ is None else (filters.tags_empty(dialect, _c.tags) if tags.is_null_
                                                else sa.not_(filters.tags_empty(dialect, _c.tags))),
        ]),
    ]))
