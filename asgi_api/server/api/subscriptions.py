"""The `/events/out` and `/logs/out` WebSockets: authenticate, take one filter, then stream.

Prefect's subscribers send `{"type": "auth", "token": ...}` (answered `{"type": "auth_success"}`,
or closed with 1008 when the token is wrong), then `{"type": "filter", "filter": {...}}`, then only
listen. The server polls the database for new matching items (so a subscriber on one server
process sees what another process stored), sends each once, and stops when the client leaves.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Any, TypeVar

import anyio
import msgspec
from starlette import status
from starlette.websockets import WebSocket, WebSocketDisconnect

__all__ = ["POLL_INTERVAL", "Poll", "serve_subscription"]

logger = logging.getLogger("asgi_api.server.subscriptions")

POLL_INTERVAL = 0.5  # seconds between two looks at the database for one subscriber
_MAX_SEEN = 10_000

F = TypeVar("F")
Poll = Callable[[F], Awaitable[Sequence[tuple[Hashable, Any]]]]


class _Auth(msgspec.Struct):
    type: str
    token: str | None = None


async def serve_subscription(websocket: WebSocket, auth_string: str | None, filter_type: type[F],
                             poll: Poll[F], kind: str) -> None:
    """Run one subscription: `poll(filter)` returns (key, item) pairs, each key sent once as
    `{"type": kind, kind: item}`."""
    await websocket.accept(subprotocol="prefect" if "prefect" in websocket.scope.get("subprotocols", []) else None)
    try:
        auth = msgspec.json.decode(await websocket.receive_text(), type=_Auth)
        if auth.type != "auth" or (auth_string is not None and not hmac.compare_digest(
                (auth.token or "").encode(), auth_string.encode())):
            await websocket.close(status.WS_1008_POLICY_VIOLATION, reason="Invalid token")
            return
        await websocket.send_json({"type": "auth_success"})
        frame = msgspec.json.decode(await websocket.receive_text())
        if not isinstance(frame, dict) or frame.get("type") != "filter":
            await websocket.close(status.WS_1008_POLICY_VIOLATION, reason="Expected a 'filter' message")
            return
        subscription_filter = msgspec.convert(frame.get("filter") or {}, filter_type)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        await websocket.close(status.WS_1008_POLICY_VIOLATION, reason=f"Invalid message: {exc}"[:120])
        return
    except WebSocketDisconnect:
        return
    async with anyio.create_task_group() as group:
        group.start_soon(_send_until_cancelled, websocket, subscription_filter, poll, kind)
        await _wait_for_disconnect(websocket)
        group.cancel_scope.cancel()


async def _wait_for_disconnect(websocket: WebSocket) -> None:
    while (await websocket.receive())["type"] != "websocket.disconnect":
        pass  # subscribers send nothing more; anything they do send is ignored


async def _send_until_cancelled(websocket: WebSocket, subscription_filter: Any, poll: Poll[Any], kind: str) -> None:
    seen: dict[Hashable, None] = {}
    while True:
        try:
            items = await poll(subscription_filter)
        except Exception:
            logger.exception("Reading the %s of a subscription failed; trying again", kind)
            items = []
        for key, item in items:
            if key in seen:
                continue
            seen[key] = None
            try:
                await websocket.send_text(msgspec.json.encode({"type": kind, kind: item}).decode())
            except (WebSocketDisconnect, RuntimeError):
                return  # the client went away between two sends
        while len(seen) > _MAX_SEEN:
            del seen[next(iter(seen))]
        await anyio.sleep(POLL_INTERVAL)
