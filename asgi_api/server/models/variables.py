"""Variables: named JSON values, unique by name."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
import sqlalchemy as sa

from asgi_api.server.database import Session, tables, utcnow
from asgi_api.server.database.session import Row
from asgi_api.server.models import filters
from asgi_api.server.schemas.actions import VariableCreate, VariableUpdate
from asgi_api.server.schemas.core import Variable
from asgi_api.server.schemas.filters import NameFilter, Operator, VariableFilter
from asgi_api.server.schemas.sorting import VariableSort

_column = tables.variable.c
_ORDER = {
    VariableSort.CREATED_DESC: (_column.created.desc(), _column.id),
    VariableSort.UPDATED_DESC: (_column.updated.desc(), _column.id),
    VariableSort.NAME_ASC: (_column.name.asc(),),
    VariableSort.NAME_DESC: (_column.name.desc(),),
}


async def create_variable(session: Session, variable: VariableCreate) -> Variable | None:
    """The new variable, or None when the name is taken (no integrity error to recover from)."""
    now = utcnow()
    values = {"id": uuid.uuid4(), "created": now, "updated": now, "name": variable.name,
              "value": variable.value, "tags": variable.tags}
    statement = (session.insert(tables.variable).values(values)
                 .on_conflict_do_nothing(index_elements=[_column.name]).returning(*tables.variable.c))
    return _variable(await session.fetch_one(statement))


async def read_variable(session: Session, variable_id: uuid.UUID) -> Variable | None:
    return await _read(session, _column.id == variable_id)


async def read_variable_by_name(session: Session, name: str) -> Variable | None:
    return await _read(session, _column.name == name)


async def update_variable(session: Session, variable_id: uuid.UUID, update: VariableUpdate) -> bool:
    """Change the fields the client sent; False when there is no such variable."""
    return await _update(session, _column.id == variable_id, update)


async def update_variable_by_name(session: Session, name: str, update: VariableUpdate) -> bool:
    return await _update(session, _column.name == name, update)


async def delete_variable(session: Session, variable_id: uuid.UUID) -> bool:
    """False when there is no such variable."""
    return await _delete(session, _column.id == variable_id)


async def delete_variable_by_name(session: Session, name: str) -> bool:
    return await _delete(session, _column.name == name)


async def read_variables(session: Session, variable_filter: VariableFilter | None, sort: VariableSort,
                         limit: int, offset: int) -> list[Variable]:
    query = sa.select(tables.variable).where(_filter_clause(variable_filter, session.dialect))
    rows = await session.fetch_all(query.order_by(*_ORDER[sort]).limit(limit).offset(offset))
    return [msgspec.convert(row, Variable) for row in rows]


async def count_variables(session: Session, variable_filter: VariableFilter | None) -> int:
    query = sa.select(sa.func.count()).select_from(tables.variable)
    return int(await session.fetch_val(query.where(_filter_clause(variable_filter, session.dialect))))


async def _read(session: Session, where: sa.ColumnElement[bool]) -> Variable | None:
    return _variable(await session.fetch_one(sa.select(tables.variable).where(where)))


async def _update(session: Session, where: sa.ColumnElement[bool], update: VariableUpdate) -> bool:
    values: dict[str, Any] = {name: getattr(update, name) for name in update.__struct_fields__
                              if getattr(update, name) is not msgspec.UNSET}
    values["updated"] = utcnow()
    statement = sa.update(tables.variable).where(where).values(values).returning(_column.id)
    return await session.fetch_one(statement) is not None


async def _delete(session: Session, where: sa.ColumnElement[bool]) -> bool:
    statement = sa.delete(tables.variable).where(where).returning(_column.id)
    return await session.fetch_one(statement) is not None


def _variable(row: Row | None) -> Variable | None:
    return None if row is None else msgspec.convert(row, Variable)


def _filter_clause(variable_filter: VariableFilter | None, dialect: str) -> sa.ColumnElement[bool]:
    if variable_filter is None:
        return sa.true()
    return filters.where(filters.combine(variable_filter.operator, [
        filters.ids(_column.id, variable_filter.id),
        _names(variable_filter.name),
        filters.tags(dialect, _column.tags, variable_filter.tags),
    ]))


def _names(criterion: NameFilter | None) -> sa.ColumnElement[bool] | None:
    # Not `filters.names`: its `like_` puts a literal '%' in the SQL, which fails on SQLite here.
    if criterion is None:
        return None
    like = None if criterion.like_ is None else filters.like(_column.name, criterion.like_)
    return filters.combine(Operator.and_, [filters.any_of(_column.name, criterion.any_), like])
