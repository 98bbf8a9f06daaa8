"""RequestBodyMiddleware: the body is read before the app runs; too large -> 413 JSON, too slow ->
408 JSON, a client gone mid-body -> no answer and the app never runs; the app sees the body once."""

from __future__ import annotations

import json
from typing import Any

import anyio
import pytest
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import Message, Receive, Scope, Send

from asgi_api.middleware.request_body import RequestBodyMiddleware

pytestmark = pytest.mark.anyio


class EchoApp:
    """Answers with the body it read and then checks that a later receive reports the disconnect."""

    def __init__(self) -> None:
        self.calls = 0
        self.after_body: str | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.calls += 1
        request = Request(scope, receive)
        body = await request.body()
        await JSONResponse({"body": body.decode()})(scope, receive, send)
        self.after_body = (await receive())["type"]


def scope(headers: list[tuple[bytes, bytes]] | None = None, http_version: str | None = None) -> Scope:
    scope = {"type": "http", "method": "POST", "path": "/", "headers": headers or [], "query_string": b""}
    return scope if http_version is None else {**scope, "http_version": http_version}


async def run(app: Any, messages: list[Message], headers: list[tuple[bytes, bytes]] | None = None,
              stall: bool = False, delay: float = 0.0,
              http_version: str | None = None) -> tuple[int | None, Any, list[tuple[bytes, bytes]]]:
    """Feeds `messages` (each after `delay` seconds), then either stalls forever (a slow client) or
    reports a disconnect."""
    pending = list(messages)
    sent: list[Message] = []

    async def receive() -> Message:
        if pending:
            if delay:
                await anyio.sleep(delay)
            return pending.pop(0)
        if stall:
            await anyio.sleep_forever()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    await app(scope(headers, http_version), receive, send)
    if not sent:
        return None, None, []
    body = b"".join(message.get("body", b"") for message in sent[1:])
    return sent[0]["status"], json.loads(body), sent[0]["headers"]


async def test_body_is_read_ahead_and_handed_to_the_app_once() -> None:
    echo = EchoApp()
    messages = [{"type": "http.request", "body": b"ab", "more_body": True},
                {"type": "http.request", "body": b"cd", "more_body": False}]
    status, body, _ = await run(RequestBodyMiddleware(echo, max_size=10, timeout=5), messages)
    assert (status, body) == (200, {"body": "abcd"})
    assert echo.after_body == "http.disconnect"


async def test_a_body_still_on_its_way_is_waited_for() -> None:
    echo = EchoApp()
    messages = [{"type": "http.request", "body": b"ab", "more_body": False}]
    status, body, _ = await run(RequestBodyMiddleware(echo, max_size=10, timeout=5), messages, delay=0.01)
    assert (status, body) == (200, {"body": "ab"})
    assert echo.after_body == "http.disconnect"


async def test_an_http1_request_without_a_body_is_not_held_for_one() -> None:
    """No Content-Length, no Transfer-Encoding: nothing to wait for, so a client that sends nothing
    after its headers is answered rather than timed out."""

    async def hello(scope: Scope, receive: Receive, send: Send) -> None:
        await JSONResponse({"hello": scope["method"]})(scope, receive, send)

    status, body, _ = await run(RequestBodyMiddleware(hello, timeout=0.05), [], stall=True, http_version="1.1",
                                headers=[(b"host", b"example.com")])
    assert (status, body) == (200, {"hello": "POST"})


async def test_the_first_part_of_the_body_late_is_408_json() -> None:
    echo = EchoApp()
    status, body, _ = await run(RequestBodyMiddleware(echo, timeout=0.2), [], stall=True, http_version="1.1",
                                headers=[(b"content-length", b"4")])
    assert (status, body) == (408, {"detail": "Request Timeout"})
    assert echo.calls == 0


async def test_declared_length_over_the_limit_is_413_json_without_reading() -> None:
    echo = EchoApp()
    status, body, headers = await run(RequestBodyMiddleware(echo, max_size=3), [],
                                      headers=[(b"content-length", b"4")], stall=True)
    assert (status, body) == (413, {"detail": "Content Too Large"})
    assert (b"connection", b"close") in headers
    assert (b"content-type", b"application/json") in headers
    assert echo.calls == 0


async def test_streamed_body_over_the_limit_is_413_json() -> None:
    echo = EchoApp()
    messages = [{"type": "http.request", "body": b"ab", "more_body": True},
                {"type": "http.request", "body": b"cd", "more_body": True}]
    status, body, _ = await run(RequestBodyMiddleware(echo, max_size=3), messages, stall=True)
    assert (status, body) == (413, {"detail": "Content Too Large"})
    assert echo.calls == 0


async def test_body_not_complete_in_time_is_408_json() -> None:
    echo = EchoApp()
    messages = [{"type": "http.request", "body": b"ab", "more_body": True}]
    status, body, _ = await run(RequestBodyMiddleware(echo, timeout=0.2), messages, stall=True)
    assert (status, body) == (408, {"detail": "Request Timeout"})
    assert echo.calls == 0


async def test_disconnect_mid_body_is_not_answered_and_not_logged_as_an_error(
        caplog: pytest.LogCaptureFixture) -> None:
    echo = EchoApp()
    messages = [{"type": "http.request", "body": b"ab", "more_body": True}]
    with caplog.at_level("DEBUG", logger="asgi_api"):
        status, _, _ = await run(RequestBodyMiddleware(echo, timeout=5), messages)
    assert status is None
    assert echo.calls == 0
    assert [record.levelname for record in caplog.records] == ["DEBUG"]


async def test_websockets_and_lifespan_pass_through() -> None:
    seen: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope["type"])

    middleware = RequestBodyMiddleware(app, max_size=1, timeout=1)
    for kind in ("websocket", "lifespan"):
        await middleware({"type": kind}, None, None)  # type: ignore[arg-type]
    assert seen == ["websocket", "lifespan"]


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="timeout"):
        RequestBodyMiddleware(EchoApp(), timeout=0)
    with pytest.raises(ValueError, match="max_size"):
        RequestBodyMiddleware(EchoApp(), max_size=-1)
