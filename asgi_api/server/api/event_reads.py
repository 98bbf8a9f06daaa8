"""`/events/filter`, `/events/filter/next` and `/events/count-by/{countable}`: the stored events.

Pages hold up to 50 events; `next_page` is the URL of the next one, carrying the query (its time
range fixed at the first request, so that pages never shift) in an opaque `page-token`.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime, timedelta
from typing import Annotated

import msgspec
from starlette.requests import Request

from asgi_api.exceptions import HTTPException
from asgi_api.params import Body, Depends, Query
from asgi_api.routing import APIRouter
from asgi_api.server.database import Session, utcnow
from asgi_api.server.dependencies import read_session
from asgi_api.server.models import event_store
from asgi_api.server.schemas.events import (
    TIME_UNIT_SECONDS,
    Countable,
    EventCount,
    EventFilter,
    EventPage,
    TimeUnit,
)

router = APIRouter(prefix="/events", tags=["Events"])

PAGE_SIZE = 50  # Prefect's interactive page size
MAX_BUCKETS = 1000  # a count by time gives every bucket: refuse ranges that would make too many
LOOK_BACK = timedelta(days=180)  # Prefect's default start of `occurred`: 180 days before today


class _PageToken(msgspec.Struct, kw_only=True):
    filter: EventFilter
    since: datetime
    until: datetime
    offset: int
    limit: int


@router.post("/filter")
async def read_events(request: Request, filter: EventFilter | None = Body(None),
                      limit: Annotated[int, msgspec.Meta(ge=0, le=PAGE_SIZE)] = Body(PAGE_SIZE, embed=True),
                      session: Session = Depends(read_session)) -> EventPage:
    """The first page of the matching events (newest first unless `order` is ASC)."""
    event_filter = filter or EventFilter()
    since, until = _time_range(event_filter)
    return await _page(request, session, _PageToken(filter=event_filter, since=since, until=until, offset=0,
                                                    limit=limit))


@router.get("/filter/next")
async def read_events_page(request: Request, page_token: str = Query(alias="page-token"),
                           session: Session = Depends(read_session)) -> EventPage:
    """The page a previous answer's `next_page` points at; a token that is not one is a 403."""
    try:
        token = msgspec.json.decode(base64.urlsafe_b64decode(page_token.encode()), type=_PageToken)
    except (binascii.Error, ValueError, msgspec.DecodeError):
        raise HTTPException(403, "Invalid page token") from None
    return await _page(request, session, token)


@router.post("/count-by/{countable}")
async def count_events(countable: Countable, filter: EventFilter,
                       time_unit: TimeUnit = Body(TimeUnit.day),
                       time_interval: Annotated[float, msgspec.Meta(ge=0.01)] = Body(1.0),
                       session: Session = Depends(read_session)) -> list[EventCount]:
    """Matching events counted per event name, per resource, or per time bucket (`day`: per day)."""
    since, until = _time_range(filter)
    if countable is Countable.day:
        countable, time_unit, time_interval = Countable.time, TimeUnit.day, 1.0
    seconds = TIME_UNIT_SECONDS[time_unit] * time_interval
    if countable is Countable.time and (until - since).total_seconds() / seconds > MAX_BUCKETS:
        raise HTTPException(422, f"The given interval would create more than {MAX_BUCKETS} buckets; "
                                 "use a longer time_interval or a shorter range")
    return await event_store.count_events(session, filter, since, until, countable, seconds)


def _time_range(event_filter: EventFilter) -> tuple[datetime, datetime]:
    """`occurred.since` (default: 180 days before today began) to `occurred.until` (default: now)."""
    now = utcnow()
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    since = event_filter.occurred.since or today - LOOK_BACK
    until = event_filter.occurred.until or now
    if since > until:
        raise HTTPException(422, "occurred.since must not be later than occurred.until")
    return since, until


async def _page(request: Request, session: Session, token: _PageToken) -> EventPage:
    events, total = await event_store.read_events(session, token.filter, token.since, token.until, token.limit,
                                                  token.offset)
    following = token.offset + token.limit
    next_page = None
    if token.limit and following < total:
        encoded = base64.urlsafe_b64encode(msgspec.json.encode(msgspec.structs.replace(token, offset=following)))
        path = f"{request.scope.get('root_path', '')}/events/filter/next"  # under the API's mount point
        next_page = str(request.url.replace(path=path, query=f"page-token={encoded.decode()}"))
    return EventPage(events=events, total=total, next_page=next_page)
