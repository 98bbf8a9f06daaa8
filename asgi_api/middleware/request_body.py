"""`RequestBodyMiddleware`: every HTTP request body read in full, size-capped and under a deadline,
before the app sees the request.

Put it outside `RequestLimitMiddleware`: a client that sends headers and then trickles (or never
sends) its body then waits here, holding no place in the limit, and gets 408 when its time is up.
"""

from __future__ import annotations

import logging
from collections.abc import Generator
from typing import Any, cast

import anyio
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from asgi_api.responses import JSONResponse

__all__ = ["RequestBodyMiddleware"]

logger = logging.getLogger("asgi_api.middleware")


class _Disconnected(Exception):
    """The client went away before its body was complete: there is nobody to answer."""


class _TooLarge(Exception):
    pass


class RequestBodyMiddleware:
    """Reads each HTTP request's body before calling the app, then hands the app that body.

    - a body over `max_size` bytes (by `Content-Length`, or counted while reading) gets 413;
    - a body not complete within `timeout` seconds of the request's start gets 408;
    - a client that disconnects mid-body is dropped quietly (logged at debug level).

    Errors are JSON (`{"detail": ...}`) and close the connection, since the rest of the body is
    never read. After the body, `receive` is the server's again, so the app still sees a
    disconnect. Lifespan and websocket scopes, and HTTP/1 requests without a body, pass through
    untouched.
    """

    def __init__(self, app: ASGIApp, max_size: int | None = None, timeout: float | None = None) -> None:
        if max_size is not None and max_size < 0:
            raise ValueError(f"max_size must be >= 0, got {max_size}")
        if timeout is not None and timeout <= 0:
            raise ValueError(f"timeout must be > 0 seconds, got {timeout}")
        self.app = app
        self.max_size = max_size
        self.timeout = timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        declared = _content_length(headers)
        if declared == 0 or (declared is None and _bodiless(scope, headers)):
            await self.app(scope, receive, send)  # nothing to wait for: the server has the whole request
            return
        if self.max_size is not None and declared is not None and declared > self.max_size:
            await _error(413, "Content Too Large")(scope, receive, send)
            return
        try:
            # Most bodies come with their headers: the server hands them over at once, and only a
            # body still on its way is worth a deadline (a cancel scope costs more than the rest).
            first = _receive_now(receive)
            if not isinstance(first, _Resumed) and not first.get("more_body", False):
                body = self._read_one(first, 0)
            else:
                with anyio.fail_after(self.timeout):
                    body = await self._read(receive, await first if isinstance(first, _Resumed) else first)
        except TimeoutError:
            await _error(408, "Request Timeout")(scope, receive, send)
            return
        except _TooLarge:
            await _error(413, "Content Too Large")(scope, receive, send)
            return
        except _Disconnected:
            logger.debug("Client disconnected before sending the whole body of %s %s",
                         scope["method"], scope["path"])
            return
        await self.app(scope, _Replay(body, receive), send)

    async def _read(self, receive: Receive, message: Message) -> bytes:
        chunks: list[bytes] = []
        size = 0
        while True:
            chunk = self._read_one(message, size)
            size += len(chunk)
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)
            message = await receive()

    def _read_one(self, message: Message, size: int) -> bytes:
        """One message's part of the body, `size` bytes having come before it."""
        if message["type"] == "http.disconnect":
            raise _Disconnected
        chunk: bytes = message.get("body", b"")
        if self.max_size is not None and size + len(chunk) > self.max_size:
            raise _TooLarge
        return chunk


def _receive_now(receive: Receive) -> Message | _Resumed:
    """The server's next message if it has it already, else an awaitable that waits for it.

    Runs `receive()` up to its first suspension: when there is none, the message is there without
    any waiting (and so without any deadline to set); when there is one, the returned awaitable
    picks up where it stopped, so awaiting it is awaiting `receive()`.
    """
    steps = receive().__await__()
    try:
        suspended = steps.send(None)
    except StopIteration as done:
        return cast(Message, done.value)
    return _Resumed(steps, suspended)


class _Resumed:
    """An awaitable whose first step has run already: it yields that step's value, then the rest."""

    __slots__ = ("_steps", "_suspended")

    def __init__(self, steps: Generator[Any, Any, Message], suspended: Any) -> None:
        self._steps = steps
        self._suspended = suspended

    def __await__(self) -> Generator[Any, Any, Message]:
        return self  # an iterator with send/throw/close: what `await` needs of a generator

    def __iter__(self) -> _Resumed:
        return self

    def __next__(self) -> Any:
        return self.send(None)

    def send(self, value: Any) -> Any:
        if self._suspended is not _NOT_SUSPENDED:
            suspended, self._suspended = self._suspended, _NOT_SUSPENDED
            return suspended
        return self._steps.send(value)

    def throw(self, *exc: Any) -> Any:
        self._suspended = _NOT_SUSPENDED
        return self._steps.throw(*exc)

    def close(self) -> None:
        self._steps.close()


_NOT_SUSPENDED: Any = object()


class _Replay:
    """A `receive` that gives the body read ahead once, then defers to the server's `receive`."""

    __slots__ = ("_body", "_receive")

    def __init__(self, body: bytes, receive: Receive) -> None:
        self._body: bytes | None = body
        self._receive = receive

    async def __call__(self) -> Message:
        if self._body is None:
            return await self._receive()
        body, self._body = self._body, None
        return {"type": "http.request", "body": body, "more_body": False}


def _content_length(headers: Headers) -> int | None:
    value = headers.get("content-length")
    return int(value) if value is not None and value.isdigit() else None


def _bodiless(scope: Scope, headers: Headers) -> bool:
    """An HTTP/1 request with neither `Content-Length` nor `Transfer-Encoding` has no body
    (RFC 9112, 6.3). HTTP/2 and later may send one without either header."""
    return scope.get("http_version") in ("1.1", "1.0") and "transfer-encoding" not in headers


def _error(status_code: int, detail: str) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status_code, headers={"Connection": "close"})
