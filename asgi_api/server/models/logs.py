"""Logs: inserted in batches as clients flush them, read back through `LogFilter`."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import msgspec
import sqlalchemy as sa

from asgi_api.server.database import Session, tables, utcnow
from asgi_api.server.models import filters
from asgi_api.server.models.text_search import parse_text_query
from asgi_api.server.schemas.actions import LogCreate
from asgi_api.server.schemas.core import Log
from asgi_api.server.schemas.filters import LogFilter
from asgi_api.server.schemas.sorting import LogSort

_ORDER = {
    LogSort.TIMESTAMP_ASC: (tables.log.c.timestamp.asc(), tables.log.c.id.asc()),
    LogSort.TIMESTAMP_DESC: (tables.log.c.timestamp.desc(), tables.log.c.id.desc()),
}


async def create_logs(session: Session, logs: Sequence[LogCreate]) -> None:
    """Store every log of a batch in one statement round."""
    if not logs:
        return
    now = utcnow()
    rows = [{"id": uuid.uuid4(), "created": now, "updated": now, "name": log.name, "level": log.level,
             "message": log.message, "timestamp": log.timestamp, "flow_run_id": log.flow_run_id,
             "task_run_id": log.task_run_id} for log in logs]
    await session.execute_many(sa.insert(tables.log), rows)


async def read_logs(session: Session, log_filter: LogFilter | None, sort: LogSort, limit: int,
                    offset: int) -> list[Log]:
    query = sa.select(tables.log).where(log_filter_clause(log_filter)).order_by(*_ORDER[sort])
    return [msgspec.convert(row, Log) for row in await session.fetch_all(query.limit(limit).offset(offset))]


def log_filter_clause(log_filter: LogFilter | None) -> sa.ColumnElement[bool]:
    """The WHERE clause of a `LogFilter`: its criteria joined with its operator."""
    if log_filter is None:
        return sa.true()
    column = tables.log.c
    level = log_filter.level
    return filters.where(filters.combine(log_filter.operator, [
        None if level is None or level.ge_ is None else column.level >= level.ge_,
        None if level is None or level.le_ is None else column.level <= level.le_,
        filters.time_range(column.timestamp, log_filter.timestamp),
        filters.references(column.flow_run_id, log_filter.flow_run_id),
        filters.references(column.task_run_id, log_filter.task_run_id),
        None if log_filter.text is None else _text_clause(log_filter.text.query),
    ]))


def _text_clause(query: str) -> sa.ColumnElement[bool]:
    """Case-insensitive substring search in a log's message and logger name."""
    parsed = parse_text_query(query)
    searched = tables.log.c.message + " " + tables.log.c.name
    criteria = [sa.not_(filters.like(searched, term)) for term in parsed.exclude]
    criteria += [filters.like(searched, term) for term in parsed.required]
    if parsed.include:
        criteria.append(sa.or_(*(filters.like(searched, term) for term in parsed.include)))
    return sa.and_(sa.true(), *criteria)
