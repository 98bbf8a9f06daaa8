"""`/logs`: clients flush batches of log lines every few seconds; the UI reads them back filtered,
and `WebSocket /logs/out` streams them to subscribers such as `prefect deployment run --watch`."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

import msgspec
from starlette.websockets import WebSocket

from asgi_api.params import Body, Depends
from asgi_api.routing import APIRouter
from asgi_api.server.api.limits import MAX_LIMIT, Limit, Offset, resolve_limit, resolve_offset
from asgi_api.server.api.subscriptions import serve_subscription
from asgi_api.server.database import Database, Session, utcnow
from asgi_api.server.dependencies import get_database, get_settings, read_session, write_session
from asgi_api.server.models import logs as models
from asgi_api.server.schemas.actions import LogCreate
from asgi_api.server.schemas.core import Log
from asgi_api.server.schemas.filters import LogFilter, TimeFilter
from asgi_api.server.schemas.sorting import DEFAULT_LOG_SORT, LogSort
from asgi_api.server.settings import Settings

router = APIRouter(prefix="/logs", tags=["Logs"])

_OVERLAP = timedelta(seconds=30)  # how far before the newest log sent each look reaches back


@router.post("/", status_code=201)
async def create_logs(logs: list[LogCreate], session: Session = Depends(write_session)) -> None:
    """Store a batch of logs; runs they name need not exist (logs may arrive first)."""
    await models.create_logs(session, logs)


@router.post("/filter")
async def read_logs(
    limit: Limit | None = Body(None),
    offset: Offset | None = Body(None),
    logs: LogFilter | None = Body(None),
    sort: LogSort | None = Body(None),
    session: Session = Depends(read_session),
) -> list[Log]:
    return await models.read_logs(session, logs, sort or DEFAULT_LOG_SORT, resolve_limit(limit),
                                  resolve_offset(offset))


@router.websocket("/out")
async def stream_logs_out(websocket: WebSocket, database: Database = Depends(get_database),
                          settings: Settings = Depends(get_settings)) -> None:
    """Logs matching the subscriber's filter, from its `timestamp.after_` on (logs arrive in
    batches stamped by the client, so each look reaches back a while; ids drop duplicates)."""
    cursor: datetime | None = None

    async def poll(log_filter: LogFilter) -> list[tuple[UUID, Log]]:
        nonlocal cursor
        window = log_filter.timestamp or TimeFilter()
        after = cursor or window.after_ or utcnow()
        ranged = msgspec.structs.replace(log_filter, timestamp=msgspec.structs.replace(window, after_=after))
        async with database.transaction(write=False) as session:
            logs = await models.read_logs(session, ranged, LogSort.TIMESTAMP_ASC, MAX_LIMIT, 0)
        if logs:  # a full page moves on past itself, or a busy run would repeat it forever
            newest = logs[-1].timestamp
            cursor = newest if len(logs) == MAX_LIMIT else max(after, newest - _OVERLAP)
        return [(log.id, log) for log in logs]

    await serve_subscription(websocket, settings.api_auth_string, LogFilter, poll, "log")
