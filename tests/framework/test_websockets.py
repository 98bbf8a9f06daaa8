"""WebSocket endpoints with injected parameters and dependencies, as FastAPI's."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from asgi_api import API, APIRouter, Depends, Header, WebSocket


def test_websocket_with_path_query_header_and_dependencies() -> None:
    events: list[str] = []

    async def session() -> AsyncIterator[str]:
        events.append("open")
        yield "db"
        events.append("close")

    router = APIRouter(prefix="/rooms")

    @router.websocket("/{room}")
    async def chat(websocket: WebSocket, room: str, times: int = 1, x_user: str = Header("anon"),
                   db: str = Depends(session)) -> None:
        await websocket.accept()
        message = await websocket.receive_text()
        for _ in range(times):
            await websocket.send_json({"room": room, "user": x_user, "echo": message, "db": db})
        await websocket.close()

    app = API()
    app.include_router(router, prefix="/ws")
    with TestClient(app) as client:
        with client.websocket_connect("/ws/rooms/lobby?times=2", headers={"x-user": "ada"}) as websocket:
            websocket.send_text("hi")
            assert websocket.receive_json() == {"room": "lobby", "user": "ada", "echo": "hi", "db": "db"}
            assert websocket.receive_json()["echo"] == "hi"
    assert events == ["open", "close"]


def test_invalid_parameters_close_with_policy_violation() -> None:
    app = API()

    @app.websocket("/numbers")
    async def numbers(websocket: WebSocket, n: int) -> None:
        await websocket.accept()

    with TestClient(app) as client:
        with pytest.raises(WebSocketDisconnect) as closed:
            with client.websocket_connect("/numbers?n=x") as websocket:
                websocket.receive_text()
    assert closed.value.code == 1008
