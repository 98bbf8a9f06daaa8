"""HTTP authentication schemes (RFC 7235): Basic, Bearer, Digest, or any scheme by name."""

from __future__ import annotations

import base64
import binascii

import msgspec
from starlette.requests import HTTPConnection

from asgi_api.security.base import SecurityBase, scheme_and_credentials

__all__ = ["HTTPAuthorizationCredentials", "HTTPBase", "HTTPBasic", "HTTPBasicCredentials", "HTTPBearer",
           "HTTPDigest"]


class HTTPBasicCredentials(msgspec.Struct):
    username: str
    password: str


class HTTPAuthorizationCredentials(msgspec.Struct):
    """The `Authorization` header split at its first space: `scheme` and `credentials`."""

    scheme: str
    credentials: str


class HTTPBase(SecurityBase):
    """Any `Authorization: <scheme> <credentials>` header; the scheme itself is not checked."""

    def __init__(self, *, scheme: str, scheme_name: str | None = None, description: str | None = None,
                 auto_error: bool = True) -> None:
        self.scheme = scheme
        self._declare({"type": "http", "scheme": scheme}, scheme_name, description, auto_error)

    def authenticate_headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": self.scheme.title()}

    def _credentials(self, request: HTTPConnection, expected: str | None) -> HTTPAuthorizationCredentials | None:
        scheme, credentials = scheme_and_credentials(request.headers.get("Authorization"))
        if not (scheme and credentials) or (expected is not None and scheme.lower() != expected):
            self._refuse()
            return None
        return HTTPAuthorizationCredentials(scheme=scheme, credentials=credentials)

    async def __call__(self, request: HTTPConnection) -> HTTPAuthorizationCredentials | None:
        return self._credentials(request, None)


class HTTPBasic(HTTPBase):
    """`Authorization: Basic base64(user:password)` -> `HTTPBasicCredentials`."""

    def __init__(self, *, scheme_name: str | None = None, realm: str | None = None, description: str | None = None,
                 auto_error: bool = True) -> None:
        super().__init__(scheme="basic", scheme_name=scheme_name, description=description, auto_error=auto_error)
        self.realm = realm

    def authenticate_headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": f'Basic realm="{self.realm}"' if self.realm else "Basic"}

    async def __call__(self, request: HTTPConnection) -> HTTPBasicCredentials | None:  # type: ignore[override]
        authorization = request.headers.get("Authorization")
        scheme, encoded = scheme_and_credentials(authorization)
        if not authorization or scheme.lower() != "basic":
            self._refuse()
            return None
        # Malformed credentials are refused even without auto_error: they were sent, and are wrong.
        try:
            text = base64.b64decode(encoded).decode("ascii")
        except (ValueError, UnicodeDecodeError, binascii.Error):
            raise self.not_authenticated() from None
        username, colon, password = text.partition(":")
        if not colon:
            raise self.not_authenticated()
        return HTTPBasicCredentials(username=username, password=password)


class HTTPBearer(HTTPBase):
    """`Authorization: Bearer <token>` (scheme in any case) -> `HTTPAuthorizationCredentials`."""

    def __init__(self, *, bearerFormat: str | None = None, scheme_name: str | None = None,  # noqa: N803
                 description: str | None = None, auto_error: bool = True) -> None:
        super().__init__(scheme="bearer", scheme_name=scheme_name, description=description, auto_error=auto_error)
        if bearerFormat is not None:
            self.model["bearerFormat"] = bearerFormat

    async def __call__(self, request: HTTPConnection) -> HTTPAuthorizationCredentials | None:
        return self._credentials(request, "bearer")


class HTTPDigest(HTTPBase):
    """`Authorization: Digest ...` -> `HTTPAuthorizationCredentials` (the parameters are not parsed)."""

    def __init__(self, *, scheme_name: str | None = None, description: str | None = None,
                 auto_error: bool = True) -> None:
        super().__init__(scheme="digest", scheme_name=scheme_name, description=description, auto_error=auto_error)

    async def __call__(self, request: HTTPConnection) -> HTTPAuthorizationCredentials | None:
        return self._credentials(request, "digest")
