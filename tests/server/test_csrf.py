"""CsrfMiddleware: writes need the token issued to their client; reads and websockets pass."""

from __future__ import annotations

import hmac

import pytest
from starlette.testclient import TestClient

from asgi_api import API, WebSocket
from asgi_api.server.middleware.csrf import CsrfMiddleware

TOKENS = {"client-1": "token-1"}


async def is_valid(token: str, client: str) -> bool:
    return hmac.compare_digest(TOKENS.get(client, ""), token)


@pytest.fixture
def client() -> TestClient:
    app = API()

    @app.get("/things")
    def read() -> list[int]:
        return [1]

    @app.post("/things", status_code=201)
    def write() -> dict[str, bool]:
        return {"written": True}

    @app.websocket("/ws")
    async def socket(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text("hi")
        await websocket.close()

    app.add_middleware(CsrfMiddleware, is_valid=is_valid)
    return TestClient(app)


def test_reads_need_no_token(client: TestClient) -> None:
    assert client.get("/things").json() == [1]


def test_a_write_with_its_clients_token_passes(client: TestClient) -> None:
    response = client.post("/things", headers={"Prefect-Csrf-Token": "token-1", "Prefect-Csrf-Client": "client-1"})
    assert response.status_code == 201
    assert response.json() == {"written": True}


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
@pytest.mark.parametrize(("headers", "detail"), [
    ({}, "Missing CSRF token."),
    ({"Prefect-Csrf-Client": "client-1"}, "Missing CSRF token."),
    ({"Prefect-Csrf-Token": "token-1"}, "Missing client identifier."),
    ({"Prefect-Csrf-Token": "token-2", "Prefect-Csrf-Client": "client-1"}, "Invalid CSRF token or client identifier."),
    ({"Prefect-Csrf-Token": "token-1", "Prefect-Csrf-Client": "client-2"}, "Invalid CSRF token or client identifier."),
])
def test_unsafe_methods_without_a_valid_pair_are_403(client: TestClient, method: str, headers: dict[str, str],
                                                     detail: str) -> None:
    response = client.request(method, "/things", headers=headers)
    assert response.status_code == 403
    assert response.json() == {"detail": detail}


def test_websockets_pass_through(client: TestClient) -> None:
    with client.websocket_connect("/ws") as websocket:
        assert websocket.receive_text() == "hi"
