"""`/events`: where clients send events, above all the task-run state changes of Prefect 3.

`WebSocket /events/in` is the stream every flow run's client opens; `POST /events` takes a batch.
Every event is stored (read back through `/events/filter`, see `event_reads`), and the task runs
the events describe are recorded.
`WebSocket /events/out` streams the run state changes (read back from the state rows) to
subscribers such as `prefect deployment run --watch` and a `serve` process awaiting cancellations.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from uuid import UUID

import anyio
import msgspec
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream
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
from asgi_api.server.models.event_store import store_events
from asgi_api.server.models.events import InvalidTaskRunEvent, TaskRunChange, task_run_change
from asgi_api.server.models.task_run_recorder import record_task_run_changes
from asgi_api.server.schemas.events import Event, EventFilter, EventsAuth
from asgi_api.server.settings import Settings

logger = logging.getLogger("asgi_api.events")

router = APIRouter(prefix="/events", tags=["Events"])

# States may be stored with a timestamp a little before the moment they become visible (a
# transaction in flight, a client clock behind): each look reaches back this far; duplicates are
# dropped by event id.
_OVERLAP = timedelta(seconds=10)
_PAGE = 200
BATCH_EVENTS = 200  # events recorded in one transaction at most
BUFFERED_FRAMES = 1000  # frames read ahead of the database at most, per socket

_decode_event = msgspec.json.Decoder(Event).decode
_decode_auth = msgspec.json.Decoder(EventsAuth).decode


@router.post("", status_code=204)
async def create_events(events: list[Event], session: Session = Depends(write_session)) -> None:
    """Store a batch; a task-run event that cannot be recorded fails the whole batch (422)."""
    changes: list[TaskRunChange] = []
    for event in events:
        try:
            change = task_run_change(event)
        except InvalidTaskRunEvent as exc:
            raise HTTPException(422, str(exc)) from None
        if change is not None:
            changes.append(change)
    await store_events(session, events)
    await record_task_run_changes(session, changes)


@router.websocket("/in")
async def stream_events_in(websocket: WebSocket, settings: Settings = Depends(get_settings),
                           database: Database = Depends(get_database)) -> None:
    """Authenticate with the first frame, then record the events of the frames until the client leaves.

    The first frame must come within `websocket_auth_timeout` seconds, else the socket is closed
    with 1008 (Prefect's clients send their auth frame at once).

    Clients that send no auth frame (older ones) are served when no auth string is configured.
    Frames are read ahead into a bounded buffer and recorded in batches, one transaction each: a
    flow with many tasks sends events faster than one transaction per event can keep. A full buffer
    stops reading (the client's sends wait): backpressure, never loss. A frame that is not a valid
    event is logged and skipped; a database error that retrying may cure closes the socket with
    1011, so that the client reconnects and resends what it has not seen confirmed (recording is
    idempotent).
    """
    await websocket.accept(subprotocol="prefect" if "prefect" in websocket.scope.get("subprotocols", []) else None)
    frames = _frames(websocket)
    try:
        first: str | bytes | None = None
        with anyio.move_on_after(settings.websocket_auth_timeout) as waiting:
            first = await anext(frames, None)
        if waiting.cancelled_caught:  # a silent socket must not hold a connection forever
            await websocket.close(status.WS_1008_POLICY_VIOLATION, reason="Auth timeout")
            return
        if first is None:
            return
        if not await _authenticate(websocket, database, first, settings.api_auth_string):
            return
        send, receive = anyio.create_memory_object_stream[str | bytes](BUFFERED_FRAMES)
        async with anyio.create_task_group() as group:
            group.start_soon(_read_ahead, frames, send)
            recorded = await _record_batches(database, receive)
            group.cancel_scope.cancel()  # stops reading ahead when recording stopped early
        if not recorded:
            await websocket.close(status.WS_1011_INTERNAL_ERROR, reason="Database unavailable, retry")
    except WebSocketDisconnect:
        pass  # clients leave whenever their run ends


async def _read_ahead(frames: AsyncIterator[str | bytes], send: MemoryObjectSendStream[str | bytes]) -> None:
    async with send:
        try:
            async for frame in frames:
                await send.send(frame)
        except WebSocketDisconnect:
            pass


async def _record_batches(database: Database, receive: MemoryObjectReceiveStream[str | bytes]) -> bool:
    """Record what arrives, a batch at a time, until the client left and every frame is recorded;
    False when the database failed transiently."""
    async with receive:
        async for frame in receive:
            batch = [frame]
            while len(batch) < BATCH_EVENTS:
                try:
                    batch.append(receive.receive_nowait())
                except (anyio.WouldBlock, anyio.EndOfStream):
                    break
            if not await _record(database, batch):
                return False
    return True


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
        await _record(database, [frame])
        return True
    if auth_string is not None and not hmac.compare_digest((auth.token or "").encode(), auth_string.encode()):
        await websocket.close(status.WS_1008_POLICY_VIOLATION, reason="Invalid token")
        return False
    await websocket.send_json({"type": "auth_success"})
    return True


async def _record(database: Database, frames: list[str | bytes]) -> bool:
    """Store the events some frames carry and record the task runs they describe, in one
    transaction; False only when the database failed transiently. Should the batch fail otherwise,
    each event is tried on its own, so that one that cannot be recorded costs only itself.

    Frames the HTTP routes would answer with a 422 (NUL characters, values out of the database's
    range) are skipped alike on every backend."""
    items = [item for item in map(_decode, frames) if item is not None]
    if len(items) > 1:
        try:
            await _store(database, items)
            return True
        except Exception as exc:
            if is_retryable_error(exc):
                logger.warning("Could not record %d events now: %r", len(items), exc)
                return False
    for item in items:
        if not await _record_one(database, item):
            return False
    return True


_Item = tuple[Event, TaskRunChange | None]


def _decode(frame: str | bytes) -> _Item | None:
    """The event a frame carries and the task-run change it describes; None (logged) to skip it."""
    raw = frame.encode() if isinstance(frame, str) else frame
    if has_escaped_nul(raw):
        logger.warning("Skipping an event with a NUL character on /events/in")
        return None
    try:
        event = _decode_event(raw)
        return event, task_run_change(event)
    except (msgspec.DecodeError, InvalidTaskRunEvent) as exc:
        logger.warning("Skipping an invalid event on /events/in: %s", exc)
        return None


async def _record_one(database: Database, item: _Item) -> bool:
    event_id = item[0].id
    try:
        await _store(database, [item])
    except Exception as exc:
        if is_invalid_value_error(exc):
            logger.warning("Skipping event %s: a value the database cannot hold: %r", event_id, exc)
            return True
        if is_retryable_error(exc):
            logger.warning("Could not record event %s now: %r", event_id, exc)
            return False
        logger.exception("Could not record event %s", event_id)
    return True


async def _store(database: Database, items: list[_Item]) -> None:
    async with database.transaction(write=True) as session:
        await store_events(session, [event for event, _ in items])
        await record_task_run_changes(session, [change for _, change in items if change is not None])


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
