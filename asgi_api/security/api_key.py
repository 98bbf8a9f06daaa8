"""API keys in a query parameter, a header or a cookie."""

from __future__ import annotations

from starlette.requests import HTTPConnection

from asgi_api.security.base import SecurityBase

__all__ = ["APIKeyBase", "APIKeyCookie", "APIKeyHeader", "APIKeyQuery"]


class APIKeyBase(SecurityBase):
    """The key is the raw value found under `name`; an empty one counts as missing."""

    location = ""

    def __init__(self, *, name: str, scheme_name: str | None = None, description: str | None = None,
                 auto_error: bool = True) -> None:
        self.name = name
        self._declare({"type": "apiKey", "in": self.location, "name": name}, scheme_name, description, auto_error)

    def authenticate_headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": "APIKey"}

    def check_api_key(self, api_key: str | None) -> str | None:
        if not api_key:
            self._refuse()
            return None
        return api_key


class APIKeyQuery(APIKeyBase):
    location = "query"

    async def __call__(self, request: HTTPConnection) -> str | None:
        return self.check_api_key(request.query_params.get(self.name))


class APIKeyHeader(APIKeyBase):
    location = "header"

    async def __call__(self, request: HTTPConnection) -> str | None:
        return self.check_api_key(request.headers.get(self.name))


class APIKeyCookie(APIKeyBase):
    location = "cookie"

    async def __call__(self, request: HTTPConnection) -> str | None:
        return self.check_api_key(request.cookies.get(self.name))
