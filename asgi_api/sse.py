"""Server-sent events: a path operation that yields, with `response_class=EventSourceResponse`,
sends each item as an event of a `text/event-stream`, as FastAPI 0.165 does.

An item is sent as one `data:` line of JSON (encoded by the annotated item type, if any); a
`ServerSentEvent` item sets the other fields too (event name, id, retry, comments) or sends text
as it is. While the endpoint has nothing to send, a `: ping` comment goes out every
`_PING_INTERVAL` seconds so that proxies keep the connection open.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from typing import Annotated, Any

import anyio
import msgspec
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream
from starlette.background import BackgroundTasks
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool
from starlette.types import Send

from asgi_api.responses import EventSourceResponse, stream_json

__all__ = ["KEEPALIVE_COMMENT", "EventSourceResponse", "ServerSentEvent", "format_sse_event"]

KEEPALIVE_COMMENT = b": ping\n\n"
# Seconds without an event before a keep-alive comment; read at each wait, so tests can shorten it.
_PING_INTERVAL = 15.0

_Retry = Annotated[int, msgspec.Meta(ge=0)]
_LINE_BREAK = re.compile(r"\r\n|\r|\n")  # the stream format's line ends, and only those


class ServerSentEvent(msgspec.Struct, kw_only=True):
    """An event with more than JSON data: an `event` name (what `addEventListener` listens for),
    an `id` (sent back by the browser as `Last-Event-ID` when it reconnects), a `retry` delay in
    milliseconds, `comment` lines, or `raw_data` sent as it is instead of `data` sent as JSON.

    The fields are checked when the event is made, so a value that would break the stream (a line
    break in `event` or `id`) fails in the endpoint with a `ValueError`, not in the client.
    """

    data: Any = None
    raw_data: str | None = None
    event: str | None = None
    id: str | None = None
    retry: int | None = None
    comment: str | None = None

    def __post_init__(self) -> None:
        for name in ("raw_data", "event", "id", "comment"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, str):
                raise ValueError(f"SSE '{name}' must be a string, not {type(value).__name__}")
        if self.id is not None and "\0" in self.id:
            raise ValueError("SSE 'id' must not contain null characters")
        for name in ("event", "id"):
            value = getattr(self, name)
            if value is not None and ("\n" in value or "\r" in value):
                raise ValueError(f"SSE '{name}' must be a single line")
        if self.retry is not None:
            try:  # whole numbers given as floats or text are accepted, as pydantic accepts them
                self.retry = msgspec.convert(self.retry, _Retry, strict=False)
            except msgspec.ValidationError:
                raise ValueError(f"SSE 'retry' must be a whole number of milliseconds >= 0, not {self.retry!r}") \
                    from None
        if self.data is not None and self.raw_data is not None:
            raise ValueError("Cannot set both 'data' and 'raw_data' on a ServerSentEvent: 'data' is sent as JSON, "
                             "'raw_data' as it is")


def format_sse_event(*, data_str: str | None = None, event: str | None = None, id: str | None = None,
                     retry: int | None = None, comment: str | None = None) -> bytes:
    """One event on the wire, from data already serialised: a line per field (a multi-line data or
    comment as several lines), then the blank line that makes the client dispatch it."""
    lines = [f": {line}" for line in _LINE_BREAK.split(comment)] if comment is not None else []
    if event is not None:
        lines.append(f"event: {event}")
    if data_str is not None:
        lines.extend(f"data: {line}" for line in _LINE_BREAK.split(data_str))
    if id is not None:
        lines.append(f"id: {id}")
    if retry is not None:
        lines.append(f"retry: {retry}")
    return "".join(line + "\n" for line in lines).encode() + b"\n"


def _event(item: Any, encode: Callable[[Any], bytes]) -> bytes:
    """A yielded item on the wire: a `ServerSentEvent` as given (its data as JSON, unchecked against
    the item type, as FastAPI leaves it), anything else as the data of an event, encoded by `encode`."""
    if not isinstance(item, ServerSentEvent):
        return format_sse_event(data_str=encode(item).decode())
    if item.raw_data is not None:
        data: str | None = item.raw_data
    elif item.data is None:
        data = None
    elif hasattr(item.data, "model_dump_json"):  # a pydantic model, with its own serialisation settings
        data = item.data.model_dump_json()
    else:
        data = stream_json(item.data).decode()
    return format_sse_event(data_str=data, event=item.event, id=item.id, retry=item.retry, comment=item.comment)


class _End:
    """The end of a stream; `error` is what ended it early (the endpoint raised, the client left)."""

    def __init__(self, error: Exception | None = None) -> None:
        self.error = error


class EventStream(EventSourceResponse):
    """The response of a path operation that yields: its items as events, a comment while idle.

    The generator runs in a task of its own, feeding a queue of one event, so that waiting for it
    never blocks the keep-alive comments (a sync generator runs in the threadpool). The task ends
    inside the response: a client that goes away, or a server that stops, closes the generator (its
    `finally` blocks run) before the response returns. An exception from the generator ends the
    stream unfinished and is raised as it is, after the events yielded before it were sent.
    """

    def __init__(self, items: Any, encode: Callable[[Any], bytes], status_code: int,
                 background: BackgroundTasks | None) -> None:
        self.status_code = status_code
        self.background = background
        self.init_headers()
        self.raw_headers += [(b"cache-control", b"no-cache"), (b"x-accel-buffering", b"no")]  # nginx: don't buffer
        self.items = items
        self.encode = encode
        self._last_sent = 0.0

    async def stream_response(self, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        events, queue = anyio.create_memory_object_stream[bytes | _End](1)
        self._last_sent = anyio.current_time()
        async with queue, anyio.create_task_group() as tasks:
            tasks.start_soon(self._produce, events)
            tasks.start_soon(self._ping, events.clone())
            try:
                end = await self._relay(queue, send)
            except Exception as exc:  # the client gone (OSError): raised below as it is, not in a group
                end = _End(exc)
            tasks.cancel_scope.cancel()
        if end.error is not None:
            raise end.error
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def _relay(self, queue: MemoryObjectReceiveStream[bytes | _End], send: Send) -> _End:
        while True:
            chunk = await queue.receive()
            if isinstance(chunk, _End):
                return chunk
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
            self._last_sent = anyio.current_time()

    async def _produce(self, events: MemoryObjectSendStream[bytes | _End]) -> None:
        items = self.items
        async with events:
            try:
                async for item in items if inspect.isasyncgen(items) else iterate_in_threadpool(items):
                    await events.send(_event(item, self.encode))
            except Exception as exc:
                await events.send(_End(exc))
            else:
                await events.send(_End())
            finally:
                with anyio.CancelScope(shield=True):  # cancelled (a disconnect): the generator still cleans up
                    await (items.aclose() if inspect.isasyncgen(items) else run_in_threadpool(items.close))

    async def _ping(self, events: MemoryObjectSendStream[bytes | _End]) -> None:
        async with events:
            while True:
                await anyio.sleep_until(self._last_sent + _PING_INTERVAL)
                if anyio.current_time() >= self._last_sent + _PING_INTERVAL:
                    self._last_sent = anyio.current_time()
                    await events.send(KEEPALIVE_COMMENT)
