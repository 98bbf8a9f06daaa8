"""Stored events: what clients emit is kept (for `events_retention_period`) and read back through
`/events/filter` and `/events/count-by`. An event's id is its key, so a resent event is stored once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import msgspec
import sqlalchemy as sa

from asgi_api.server.database import Session, tables, utcnow
from asgi_api.server.database.types import UTCDateTime
from asgi_api.server.models import filters
from asgi_api.server.schemas.events import (
    RESOURCE_ID,
    Countable,
    Event,
    EventCount,
    EventFilter,
    EventResourceFilter,
    ReceivedEvent,
)
from asgi_api.server.schemas.filters import Operator

__all__ = ["count_events", "delete_events_before", "read_events", "store_events"]

_event = tables.event
_c = _event.c
_RESOURCE_NAME = "prefect.resource.name"


async def store_events(session: Session, events: Sequence[Event]) -> None:
    """Keep the events, in one statement; one already stored (the same id) is left as it is."""
    if not events:
        return
    received = utcnow()
    rows = [{"id": event.id, "occurred": event.occurred, "received": received, "event": event.event,
             "resource_id": event.resource[RESOURCE_ID], "resource": event.resource, "related": event.related,
             "related_ids": [related[RESOURCE_ID] for related in event.related],
             "payload": event.payload, "follows": event.follows} for event in events]
    await session.execute_many(session.insert(_event).on_conflict_do_nothing(index_elements=[_c.id]), rows)


async def read_events(session: Session, event_filter: EventFilter, since: datetime, until: datetime, limit: int,
                      offset: int) -> tuple[list[ReceivedEvent], int]:
    """One page of the matching events in `event_filter.order` of occurrence, and how many match."""
    where = _where(session.dialect, event_filter, since, until)
    order = _c.occurred.asc() if event_filter.order == "ASC" else _c.occurred.desc()
    query = sa.select(_event).where(where).order_by(order, _c.id).limit(limit).offset(offset)
    rows = await session.fetch_all(query)
    total = int(await session.fetch_val(sa.select(sa.func.count()).select_from(_event).where(where)))
    return [_received(row) for row in rows], total


async def count_events(session: Session, event_filter: EventFilter, since: datetime, until: datetime,
                       countable: Countable, bucket_seconds: float) -> list[EventCount]:
    """Matching events grouped by name, by resource, or by time bucket (every bucket, empty ones too)."""
    where = _where(session.dialect, event_filter, since, until)
    first, last = sa.func.min(_c.occurred).label("start_time"), sa.func.max(_c.occurred).label("end_time")
    count = sa.func.count().label("count")
    if countable in (Countable.event, Countable.resource):
        key = _c.event if countable is Countable.event else _c.resource_id
        rows = await session.fetch_all(sa.select(key.label("value"), count, first, last).where(where)
                                       .group_by(key).order_by(key))
        labels: dict[str, str] = {}
        if countable is Countable.resource:
            labels = await _resource_labels(session, [row["value"] for row in rows])
        return [EventCount(value=row["value"], label=labels.get(row["value"]) or row["value"], count=row["count"],
                           start_time=row["start_time"], end_time=row["end_time"]) for row in rows]
    bucket = _bucket(session.dialect, since, bucket_seconds).label("bucket")
    counted = {row["bucket"]: row["count"] for row in await session.fetch_all(
        sa.select(bucket, count).where(where).group_by(bucket))}
    buckets = int((until - since).total_seconds() // bucket_seconds) + 1
    result = []
    for index in range(buckets):
        start = since + timedelta(seconds=index * bucket_seconds)
        end = start + timedelta(seconds=bucket_seconds) - timedelta(microseconds=1)
        result.append(EventCount(value=start.isoformat(), label=start.isoformat(), count=counted.get(index, 0),
                                 start_time=start, end_time=end))
    return result


async def delete_events_before(session: Session, cutoff: datetime) -> int:
    rows = await session.fetch_all(sa.delete(_event).where(_c.occurred < cutoff).returning(_c.id))
    return len(rows)


def _received(row: dict[str, Any]) -> ReceivedEvent:
    fields = {name: row[name] for name in ("id", "occurred", "received", "event", "resource", "related", "payload",
                                           "follows")}
    return msgspec.convert(fields, ReceivedEvent)


async def _resource_labels(session: Session, resource_ids: list[str]) -> dict[str, str]:
    """The latest `prefect.resource.name` each resource was given, where it has one."""
    rows = await session.fetch_all(sa.select(_c.resource_id, _c.resource).where(_c.resource_id.in_(resource_ids))
                                   .order_by(_c.occurred))
    return {row["resource_id"]: row["resource"][_RESOURCE_NAME] for row in rows if _RESOURCE_NAME in row["resource"]}


def _bucket(dialect: str, since: datetime, seconds: float) -> sa.ColumnElement[Any]:
    """Which `seconds`-long bucket from `since` an event's occurrence falls in."""
    start = sa.literal(since, UTCDateTime)
    if dialect == "postgresql":
        elapsed: sa.ColumnElement[Any] = sa.extract("epoch", _c.occurred - start)
        return sa.cast(sa.func.floor(elapsed / seconds), sa.Integer)
    elapsed = (sa.func.julianday(_c.occurred) - sa.func.julianday(start)) * 86400.0
    return sa.cast(elapsed / seconds, sa.Integer)  # never negative: the filter starts at `since`


def _where(dialect: str, event_filter: EventFilter, since: datetime, until: datetime) -> sa.ColumnElement[bool]:
    """As in Prefect, an empty list filters nothing (Prefect's UI sends `"prefix": []`)."""
    names, ids = event_filter.event, event_filter.id
    conditions: list[sa.ColumnElement[bool] | None] = [_c.occurred >= since, _c.occurred <= until]
    if names is not None:
        conditions += [
            None if not names.prefix else sa.or_(*(_prefixed(_c.event, p) for p in names.prefix)),
            None if not names.exclude_prefix else sa.not_(sa.or_(*(_prefixed(_c.event, p)
                                                                   for p in names.exclude_prefix))),
            filters.any_of(_c.event, names.name or None),
            filters.none_of(_c.event, names.exclude_name or None),
        ]
    if ids is not None:
        conditions.append(filters.any_of(_c.id, ids.id or None))
    conditions.append(_resource(event_filter.resource))
    if event_filter.related is not None and event_filter.related.id:
        conditions.append(filters.tags_any(dialect, _c.related_ids, event_filter.related.id))
    any_resource = event_filter.any_resource
    if any_resource is not None:
        related_ids = None if not any_resource.id else filters.tags_any(dialect, _c.related_ids, any_resource.id)
        related_prefixes = None if not any_resource.id_prefix else _related_prefixed(dialect, any_resource.id_prefix)
        conditions.append(filters.combine(Operator.or_, [_resource(any_resource), related_ids, related_prefixes]))
    return filters.where(filters.combine(Operator.and_, conditions))


def _resource(criterion: EventResourceFilter | None) -> sa.ColumnElement[bool] | None:
    if criterion is None:
        return None
    return filters.combine(Operator.and_, [
        filters.any_of(_c.resource_id, criterion.id or None),
        None if not criterion.id_prefix else sa.or_(*(_prefixed(_c.resource_id, prefix)
                                                      for prefix in criterion.id_prefix)),
    ])


def _prefixed(column: sa.ColumnElement[str], prefix: str) -> sa.ColumnElement[bool]:
    escaped = prefix.replace("/", "//").replace("%", "/%").replace("_", "/_")
    return column.like(f"{escaped}%", escape="/")


def _related_prefixed(dialect: str, prefixes: list[str]) -> sa.ColumnElement[bool]:
    """One of the related resources' ids starts with one of `prefixes` (at least one)."""
    if dialect == "postgresql":
        elements = sa.func.jsonb_array_elements_text(_c.related_ids).table_valued("value")
    else:
        elements = sa.func.json_each(_c.related_ids).table_valued("value")
    return sa.exists().where(sa.or_(*(_prefixed(elements.c.value, prefix) for prefix in prefixes)))
