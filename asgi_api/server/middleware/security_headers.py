"""Security headers on every HTTP response: a Content-Security-Policy, no framing, no MIME sniffing,
no full URLs in `Referer`.

The UI can create and delete objects, so it must never be framed by another site (clickjacking),
and it loads only its own files. The interactive API docs (Swagger UI, ReDoc) run an inline
start-up script, may load their assets from a CDN and ReDoc starts a blob worker: their pages get
a policy that allows exactly that, and no more.
"""

from __future__ import annotations

from collections.abc import Collection

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["DOCS_POLICY", "FOREIGN_UI_POLICY", "STRICT_POLICY", "SecurityHeadersMiddleware"]

STRICT_POLICY = "; ".join([
    "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:",
    "connect-src 'self'", "font-src 'self'", "object-src 'none'", "base-uri 'self'", "form-action 'self'",
    "frame-ancestors 'none'",
])
"""What the UI and the API need: their own scripts, styles, images and API calls."""

FOREIGN_UI_POLICY = STRICT_POLICY.replace("script-src 'self'", "script-src 'self' 'unsafe-eval'").replace(
    "style-src 'self'", "style-src 'self' 'unsafe-inline'").replace(
    "font-src 'self'", "font-src 'self' data:; worker-src 'self' blob:")
"""A UI build not of this package (Prefect's own): its graph library compiles shaders with `eval` and
lays out the run graph's nodes in a worker it starts from a `blob:` URL, its components inject styles
and its bundle inlines its fonts as `data:` URLs, so those are allowed; it still loads nothing from
elsewhere."""

_CDN = "https://cdn.jsdelivr.net"
DOCS_POLICY = "; ".join([
    "default-src 'self'", f"script-src 'self' 'unsafe-inline' {_CDN}", f"style-src 'self' 'unsafe-inline' {_CDN}",
    f"img-src 'self' data: {_CDN} https://fastapi.tiangolo.com https://cdn.redoc.ly", f"font-src 'self' data: {_CDN}",
    "connect-src 'self'", "worker-src 'self' blob:", "object-src 'none'", "base-uri 'self'",
    "form-action 'self'", "frame-ancestors 'none'",
])
"""Swagger UI and ReDoc: their inline start-up script and styles, the CDN when the `docs` extra is
not installed, ReDoc's blob worker."""


class SecurityHeadersMiddleware:
    """Adds the headers to every HTTP response that does not set them itself.

    `docs_paths` (full paths, e.g. `/api/docs`) get `DOCS_POLICY`; every other path `policy`.
    """

    def __init__(self, app: ASGIApp, docs_paths: Collection[str] = (), policy: str = STRICT_POLICY) -> None:
        self.app = app
        self.docs_paths = frozenset(docs_paths)
        self.policy = policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy = DOCS_POLICY if scope["path"] in self.docs_paths else self.policy

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Security-Policy", policy)
                headers.setdefault("X-Frame-Options", "DENY")
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
            await send(message)

        await self.app(scope, receive, send_with_headers)
