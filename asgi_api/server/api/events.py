"""`/events`: where clients send events, above all the task-run state changes of Prefect 3.

`WebSocket /events/in` is the stream every flow run's client opens; `POST /events` takes a batch.
This server keeps no event store: it records the task runs the events describe and drops the rest.
`WebSocket /events/out` streams the run state changes (read back from the state rows) to
subscribers such as `prefect deployment run --watch` and a `serve` process awaiting cancellations.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from uuid import UUID

import msgspec
from starlette import status
from starlette.websockets import WebSocket, WebSocketDisconnect

from asgi_api.exceptions import HTTPException
from asgi_api.params import Depends
from asgi_api.routing import APIRouter
from asgi_api.server.api.nul_characters import has_escaped_nul
from asgi_api.server.api.subscriptions import serve_subscription
from asgi_api.server.database import Database, Session, utcnow
from asgi_api.server.database.errors import is_invalid_value_error, is_retryable_error
from asgi_api.server.dependencies import get_database, get_settings, write_session
from asgi_api.server.models.event_feed import read_state_events
from asgi_api.server.models.events import InvalidTaskRunEvent, TaskRunChange, record_task_run_change, task_run_change
from asgi_api.server.schemas.events import Event, EventFilter, EventsAuth
from asgi_api.server.settings import Settings

logger = logging.getLogger("asgi_api.events")

router = APIRouter(prefix="/events", tags=["Events"])

# States may be stored with a timestamp a little before the moment they become visible (a
# transaction in flight, a client clock behind): each look reaches back this far; duplicates are
# dropped by event id.
_OVERLAP = timedelta(seconds=10)
_PAGE = 200

_decode_event = msgspec.json.Decoder(Event).decode
_decode_auth = msgspec.json.Decoder(EventsAuth).decode


@router.post("", status_code=204)
async def create_events(events: list[Event], session: Session = Depends(write_session)) -> None:
    """Record a batch; a task-run event that cannot be recorded fails the whole batch (422)."""
    changes: list[TaskRunChange] = []
    for event in events:
        try:
            change = task_run_change(event)
        except InvalidTaskRunEvent as exc:
            raise HTTPException(422, str(exc)) from None
        if change is not None:
            changes.append(change)
    for change in sorted(changes, key=lambda change: change.state.timestamp):
        await record_task_run_change(session, change)


@router.websocket("/in")
async def stream_events_in(websocket: WebSocket, settings: Settings = Depends(get_settings),
                           database: Database = Depends(get_database)) -> None:
    """Authenticate with the first frame, then record one event per frame until the client leaves.

    Clients that send no auth frame (older ones) are served when no auth string is configured.
    A frame that is not a valid event is logged and skipped; a database error that retrying may
    cure closes the socket with 1011, so that the client reconnects and resends what it has not
    seen confirmed (recording is idempotent).
    """
    await websocket.accept(subprotocol="prefect" if "prefect" in websocket.scope.get("subprotocols", []) else None)
    frames = _frames(websocket)
    try:
        async for frame in frames:
            if not await _authenticate(websocket, database, frame, settings.api_auth_string):
                return
            break
        async for frame in frames:
            if not await _record(database, frame):
                await websocket.close(status.WS_1011_INTERNAL_ERROR, reason="Database unavailable, retry")
                return
    except WebSocketDisconnect:
        pass  # clients leave whenever their run ends


async def _frames(websocket: WebSocket) -> AsyncIterator[str | bytes]:
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
        text: str | None = message.get("text")
        yield text if text is not None else message.get("bytes") or b""


async def _authenticate(websocket: WebSocket, database: Database, frame: str | bytes, auth_string: str | None) -> bool:
    """Answer the auth frame; a frame that is no auth frame is an event (without an auth string)."""
    try:
        auth = _decode_auth(frame)
    except msgspec.DecodeError:
        if auth_string is not None:
            await websocket.close(status.WS_1008_POLICY_VIOLATION, reason="Expected 'auth' message")
            return False
        await _record(database, frame)
        return True
    if auth_string is not None and not hmac.compare_digest((auth.token or "").encode(), auth_string.encode()):
        await websocket.close(status.WS_1008_POLICY_VIOLATION, reason="Invalid token")
        return False
    await websocket.send_json({"type": "auth_success"})
    return True


async def _record(database: Database, frame: str | bytes) -> bool:
    """Record the task run one frame describes; False only when the database failed transiently.

    Frames the HTTP routes would answer with a 422 (NUL characters, values out of the database's
    range) are skipped alike on every backend."""
    raw = frame.encode() if isinstance(frame, str) else frame
    if has_escaped_nul(raw):
        logger.warning("Skipping an event with a NUL character on /events/in")
        return True
    try:
        change = task_run_change(_decode_event(raw))
    except (msgspec.DecodeError, InvalidTaskRunEvent) as exc:
        logger.warning("Skipping an invalid event on /events/in: %s", exc)
        return True
    if change is None:
        return True
    try:
        async with database.transaction(write=True) as session:
            await record_task_run_change(session, change)
    except Exception as exc:
        if is_invalid_value_error(exc):
            logger.warning("Skipping event %s: a value the database cannot hold: %r", change.state.id, exc)
            return True
        if is_retryable_error(exc):
            logger.warning("Could not record event %s now: %r", change.state.id, exc)
            return False
        logger.exception("Could not record event %s", change.state.id)
    return True


@router.websocket("/out")
async def stream_events_out(websocket: WebSocket, database: Database = Depends(get_database),
                            settings: Settings = Depends(get_settings)) -> None:
    """Run state changes matching the subscriber's filter, from its `occurred.since` on."""
    cursor: datetime | None = None

    async def poll(event_filter: EventFilter) -> list[tuple[UUID, Event]]:
        nonlocal cursor
        since = cursor or event_filter.occurred.since or utcnow()
        async with database.transaction(write=False) as session:
            events = await read_state_events(session, event_filter, since, _PAGE)
        if events:  # a full page moves on past itself, or a busy server would repeat it forever
            newest = events[-1].occurred
            cursor = newest if len(events) == _PAGE else max(since, newest - _OVERLAP)
        return [(event.id, event) for event in events]

    await serve_subscription(websocket, settings.api_auth_string, EventFilter, poll, "event")
