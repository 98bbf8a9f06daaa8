"""OpenID Connect discovery: OpenAPI points clients at the provider; the value is the header."""

from __future__ import annotations

from starlette.requests import HTTPConnection

from asgi_api.security.base import SecurityBase

__all__ = ["OpenIdConnect"]


class OpenIdConnect(SecurityBase):
    def __init__(self, *, openIdConnectUrl: str, scheme_name: str | None = None,  # noqa: N803
                 description: str | None = None, auto_error: bool = True) -> None:
        self._declare({"type": "openIdConnect", "openIdConnectUrl": openIdConnectUrl}, scheme_name, description,
                      auto_error)

    async def __call__(self, request: HTTPConnection) -> str | None:
        authorization = request.headers.get("Authorization")
        if not authorization:
            self._refuse()
            return None
        return authorization
