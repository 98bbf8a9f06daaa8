"""CSRF protection as Prefect's server does it: unsafe methods carry a token issued to their client."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from asgi_api.responses import JSONResponse

TOKEN_HEADER = "Prefect-Csrf-Token"
CLIENT_HEADER = "Prefect-Csrf-Client"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

TokenCheck = Callable[[str, str], Awaitable[bool]]


def _forbidden(detail: str) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=403)


class CsrfMiddleware:
    """POST/PUT/PATCH/DELETE need the `Prefect-Csrf-Token` that `GET /csrf-token` issued to the
    `Prefect-Csrf-Client` they name; anything else is a 403 saying what is missing or wrong.

    `is_valid(token, client)` decides whether the pair is current (the token store lives in the
    database so that every worker process agrees); it must compare in constant time.
    """

    def __init__(self, app: ASGIApp, is_valid: TokenCheck) -> None:
        self.app = app
        self.is_valid = is_valid

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in UNSAFE_METHODS:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        token, client = headers.get(TOKEN_HEADER), headers.get(CLIENT_HEADER)
        if not token:
            response = _forbidden("Missing CSRF token.")
        elif not client:
            response = _forbidden("Missing client identifier.")
        elif not await self.is_valid(token, client):
            response = _forbidden("Invalid CSRF token or client identifier.")
        else:
            await self.app(scope, receive, send)
            return
        await response(scope, receive, send)
