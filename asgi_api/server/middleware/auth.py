"""HTTP Basic authentication against one shared secret (Prefect's `api_auth_string`)."""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Collection

from starlette._utils import get_route_path  # seam: starlette private _utils.get_route_path (path below root_path)
from starlette.types import ASGIApp, Receive, Scope, Send

from asgi_api.responses import JSONResponse

_PROBES = frozenset({"GET", "HEAD"})  # a HEAD is a GET without the body: exempt alike
_UNAUTHORIZED = JSONResponse({"exception_message": "Unauthorized"}, status_code=401)


class BasicAuthMiddleware:
    """Every HTTP request needs `Authorization: Basic base64(auth_string)`, else a 401.

    The comparison takes constant time. GET and HEAD requests to `exempt_paths` (health probes) pass freely;
    WebSocket connections authenticate inside their own protocol and pass through.
    """

    def __init__(self, app: ASGIApp, auth_string: str, exempt_paths: Collection[str] = ("/health", "/ready")) -> None:
        self.app = app
        self.expected = auth_string.encode()
        self.exempt_paths = frozenset(exempt_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or (scope["method"] in _PROBES and get_route_path(scope) in self.exempt_paths):
            await self.app(scope, receive, send)
            return
        if self.authorized(scope):
            await self.app(scope, receive, send)
        else:
            await _UNAUTHORIZED(scope, receive, send)

    def authorized(self, scope: Scope) -> bool:
        for name, value in scope["headers"]:
            if name == b"authorization":
                scheme, _, credentials = value.partition(b" ")
                if scheme.lower() != b"basic":
                    return False
                try:
                    decoded = base64.b64decode(credentials.strip(), validate=True)
                except (binascii.Error, ValueError):
                    return False
                return hmac.compare_digest(decoded, self.expected)
        return False
