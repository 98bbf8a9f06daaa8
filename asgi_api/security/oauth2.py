"""OAuth2 bearer tokens (password and authorization-code flows), the token form, and scopes."""

from __future__ import annotations

from typing import Annotated, Any

from starlette.requests import HTTPConnection

from asgi_api.params import Form
from asgi_api.security.base import SecurityBase, scheme_and_credentials

__all__ = ["OAuth2", "OAuth2AuthorizationCodeBearer", "OAuth2PasswordBearer", "OAuth2PasswordRequestForm",
           "OAuth2PasswordRequestFormStrict", "SecurityScopes"]


class OAuth2PasswordRequestForm:
    """The form a client posts to a password flow's token URL (RFC 6749 section 4.3); as a dependency
    (`Annotated[OAuth2PasswordRequestForm, Depends()]`) it makes the route read a form."""

    def __init__(
        self,
        *,
        grant_type: Annotated[str | None, Form(pattern="^password$")] = None,
        username: Annotated[str, Form()],
        password: Annotated[str, Form(json_schema_extra={"format": "password"})],
        scope: Annotated[str, Form()] = "",
        client_id: Annotated[str | None, Form()] = None,
        client_secret: Annotated[str | None, Form(json_schema_extra={"format": "password"})] = None,
    ) -> None:
        self.grant_type = grant_type
        self.username = username
        self.password = password
        self.scopes = scope.split()
        self.client_id = client_id
        self.client_secret = client_secret


class OAuth2PasswordRequestFormStrict(OAuth2PasswordRequestForm):
    """The same form with `grant_type=password` required, as the RFC says."""

    def __init__(
        self,
        grant_type: Annotated[str, Form(pattern="^password$")],
        username: Annotated[str, Form()],
        password: Annotated[str, Form()],
        scope: Annotated[str, Form()] = "",
        client_id: Annotated[str | None, Form()] = None,
        client_secret: Annotated[str | None, Form()] = None,
    ) -> None:
        super().__init__(grant_type=grant_type, username=username, password=password, scope=scope,
                         client_id=client_id, client_secret=client_secret)


class OAuth2(SecurityBase):
    """Any OAuth2 flow (`flows` as OpenAPI writes them); the value is the whole `Authorization` header."""

    def __init__(self, *, flows: dict[str, dict[str, Any]] | None = None, scheme_name: str | None = None,
                 description: str | None = None, auto_error: bool = True) -> None:
        self._declare({"type": "oauth2", "flows": _without_none(flows or {})}, scheme_name, description, auto_error)

    async def __call__(self, request: HTTPConnection) -> str | None:
        authorization = request.headers.get("Authorization")
        if not authorization:
            self._refuse()
            return None
        return authorization


def _without_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _without_none(item) for key, item in value.items() if item is not None}
    return value


class _BearerFlow(OAuth2):
    async def __call__(self, request: HTTPConnection) -> str | None:
        authorization = request.headers.get("Authorization")
        scheme, token = scheme_and_credentials(authorization)
        if not authorization or scheme.lower() != "bearer":
            self._refuse()
            return None
        return token


class OAuth2PasswordBearer(_BearerFlow):
    """A bearer token obtained from `tokenUrl` with the password flow; the value is the token."""

    def __init__(self, tokenUrl: str, scheme_name: str | None = None, scopes: dict[str, str] | None = None,  # noqa: N803
                 description: str | None = None, auto_error: bool = True, refreshUrl: str | None = None) -> None:  # noqa: N803
        flow = {"tokenUrl": tokenUrl, "refreshUrl": refreshUrl, "scopes": scopes or {}}
        super().__init__(flows={"password": flow}, scheme_name=scheme_name, description=description,
                         auto_error=auto_error)


class OAuth2AuthorizationCodeBearer(_BearerFlow):
    """A bearer token obtained with the authorization-code flow; the value is the token."""

    def __init__(self, authorizationUrl: str, tokenUrl: str, refreshUrl: str | None = None,  # noqa: N803
                 scheme_name: str | None = None, scopes: dict[str, str] | None = None,
                 description: str | None = None, auto_error: bool = True) -> None:
        flow = {"authorizationUrl": authorizationUrl, "tokenUrl": tokenUrl, "refreshUrl": refreshUrl,
                "scopes": scopes or {}}
        super().__init__(flows={"authorizationCode": flow}, scheme_name=scheme_name, description=description,
                         auto_error=auto_error)


class SecurityScopes:
    """Injected into a dependency: every scope the `Security(..., scopes=[...])` chain above it asked for."""

    def __init__(self, scopes: list[str] | None = None) -> None:
        self.scopes = list(scopes or [])
        self.scope_str = " ".join(self.scopes)
