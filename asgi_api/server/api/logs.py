"""`/logs`: clients flush batches of log lines every few seconds; the UI reads them back filtered."""

from __future__ import annotations

from asgi_api.params import Body, Depends
from asgi_api.routing import APIRouter
from asgi_api.server.api.limits import resolve_limit, resolve_offset
from asgi_api.server.database import Session
from asgi_api.server.dependencies import read_session, write_session
from asgi_api.server.models import logs as models
from asgi_api.server.schemas.actions import LogCreate
from asgi_api.server.schemas.core import Log
from asgi_api.server.schemas.filters import LogFilter
from asgi_api.server.schemas.sorting import DEFAULT_LOG_SORT, LogSort

router = APIRouter(prefix="/logs", tags=["Logs"])


@router.post("/", status_code=201)
async def create_logs(logs: list[LogCreate], session: Session = Depends(write_session)) -> None:
    """Store a batch of logs; runs they name need not exist (logs may arrive first)."""
    await models.create_logs(session, logs)


@router.post("/filter")
async def read_logs(
    limit: int | None = Body(None),
    offset: int | None = Body(None),
    logs: LogFilter | None = Body(None),
    sort: LogSort | None = Body(None),
    session: Session = Depends(read_session),
) -> list[Log]:
    return await models.read_logs(session, logs, sort or DEFAULT_LOG_SORT, resolve_limit(limit),
                                  resolve_offset(offset))
