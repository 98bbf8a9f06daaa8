"""Security schemes as dependencies, with FastAPI's 401s and OpenAPI `securitySchemes`.

Use an instance as a dependency (`token: Annotated[str, Depends(oauth2_scheme)]`); `Security(dep,
scopes=[...])` adds OAuth2 scopes, which a dependency reads by asking for `SecurityScopes`.
"""

from asgi_api.params import Security
from asgi_api.security.api_key import APIKeyCookie, APIKeyHeader, APIKeyQuery
from asgi_api.security.base import SecurityBase
from asgi_api.security.http import (
    HTTPAuthorizationCredentials,
    HTTPBase,
    HTTPBasic,
    HTTPBasicCredentials,
    HTTPBearer,
    HTTPDigest,
)
from asgi_api.security.oauth2 import (
    OAuth2,
    OAuth2AuthorizationCodeBearer,
    OAuth2PasswordBearer,
    OAuth2PasswordRequestForm,
    OAuth2PasswordRequestFormStrict,
    SecurityScopes,
)
from asgi_api.security.open_id_connect_url import OpenIdConnect

__all__ = [
    "APIKeyCookie", "APIKeyHeader", "APIKeyQuery", "HTTPAuthorizationCredentials", "HTTPBase", "HTTPBasic",
    "HTTPBasicCredentials", "HTTPBearer", "HTTPDigest", "OAuth2", "OAuth2AuthorizationCodeBearer",
    "OAuth2PasswordBearer", "OAuth2PasswordRequestForm", "OAuth2PasswordRequestFormStrict", "OpenIdConnect",
    "Security", "SecurityBase", "SecurityScopes",
]
