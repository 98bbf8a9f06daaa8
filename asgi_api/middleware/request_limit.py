"""`RequestLimitMiddleware`: at most N HTTP requests in the app at once; the others wait their turn."""

from __future__ import annotations

from collections.abc import Collection

import anyio
from starlette.types import ASGIApp, Receive, Scope, Send


class RequestLimitMiddleware:
    """Lets at most `limit` HTTP requests run at the same time; the rest queue (first come, first
    served) until one finishes. Nothing is rejected: the limit trades latency for fewer failures.

    Use it in front of a database that cannot take many concurrent writers. SQLite allows one
    writer at a time: under a burst of writes, connections wait on the lock and give up with
    "database is locked". Queueing requests here keeps the number waiting on the lock bounded.

    `methods` (e.g. `{"POST", "PUT", "PATCH", "DELETE"}`) limits only requests with those methods,
    so reads are never queued behind writes; `None` limits every request. A request holds its
    place until the app returns, i.e. until its response and background tasks have finished.

    Lifespan and websocket connections are never limited: they last as long as the server or the
    connection and would hold a place all that time.
    """

    def __init__(self, app: ASGIApp, limit: float, methods: Collection[str] | None = None) -> None:
        if isinstance(methods, str):
            raise TypeError(f"methods must be a collection of method names, not the string {methods!r}")
        if limit < 1:
            raise ValueError(f"limit must be at least 1 (0 would make every request wait forever), got {limit}")
        self.app = app
        self.methods = None if methods is None else frozenset(method.upper() for method in methods)
        # anyio >= 4.2 allows creating the limiter outside an event loop: it binds to the loop on first use.
        self.limiter = anyio.CapacityLimiter(limit)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or (self.methods is not None and scope["method"] not in self.methods):
            await self.app(scope, receive, send)
            return
        try:
            # A free place is taken at once: `async with limiter` would also yield to the event loop
            # once per request. Waiters keep their turn (acquire_nowait refuses while any wait).
            self.limiter.acquire_nowait()
        except anyio.WouldBlock:
            await self.limiter.acquire()
        try:
            await self.app(scope, receive, send)
        finally:
            self.limiter.release()
