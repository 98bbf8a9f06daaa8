"""What every security scheme shares: its OpenAPI description, its name, and FastAPI's 401."""

from __future__ import annotations

from typing import Any

from asgi_api.exceptions import HTTPException

__all__ = ["SecurityBase", "scheme_and_credentials"]


class SecurityBase:
    """A dependency that also declares an OpenAPI security scheme (`model`) under `scheme_name`.

    Routes whose dependency tree holds one list it in their operation's `security`, and the scheme
    goes to `components.securitySchemes`.
    """

    model: dict[str, Any]
    scheme_name: str
    auto_error: bool

    def _declare(self, model: dict[str, Any], scheme_name: str | None, description: str | None,
                 auto_error: bool) -> None:
        self.model = {**model, **({"description": description} if description is not None else {})}
        self.scheme_name = scheme_name or type(self).__name__
        self.auto_error = auto_error

    def authenticate_headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": "Bearer"}

    def not_authenticated(self) -> HTTPException:
        """The error a missing or unusable credential gets: 401 with a `WWW-Authenticate` challenge."""
        return HTTPException(401, "Not authenticated", headers=self.authenticate_headers())

    def _refuse(self) -> None:
        """Without `auto_error` a missing credential is `None`, for optional or alternative schemes."""
        if self.auto_error:
            raise self.not_authenticated()


def scheme_and_credentials(authorization: str | None) -> tuple[str, str]:
    """`"Bearer  abc "` -> `("Bearer", "abc")`; no header -> `("", "")`."""
    if not authorization:
        return "", ""
    scheme, _, credentials = authorization.partition(" ")
    return scheme, credentials.strip()
