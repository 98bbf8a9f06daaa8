"""`RequestBodyMiddleware`: every HTTP request body read in full, size-capped and under a deadline,
before the app sees the request.

Put it outside `RequestLimitMiddleware`: a client that sends headers and then trickles (or never
sends) its body then waits here, holding no place in the limit, and gets 408 when its time is up.
"""

from __future__ import annotations

import logging

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
    disconnect. Lifespan and websocket scopes pass through untouched.
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
        declared = _content_length(scope)
        if self.max_size is not None and declared is not None and declared > self.max_size:
            await _error(413, "Content Too Large")(scope, receive, send)
            return
        body = b""
        try:
            with anyio.fail_after(self.timeout):
                body = await self._read(receive)
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

    async def _read(self, receive: Receive) -> bytes:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise _Disconnected
            chunk = message.get("body", b"")
            size += len(chunk)
            if self.max_size is not None and size > self.max_size:
                raise _TooLarge
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)


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


def _content_length(scope: Scope) -> int | None:
    value = Headers(scope=scope).get("content-length")
    return int(value) if value is not None and value.isdigit() else None


def _error(status_code: int, detail: str) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status_code, headers={"Connection": "close"})
