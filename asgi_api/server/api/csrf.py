"""`GET /csrf-token`: the token a client must send with its writes when CSRF protection is on."""

from __future__ import annotations

from asgi_api.exceptions import HTTPException
from asgi_api.params import Depends, Query
from asgi_api.routing import APIRouter
from asgi_api.server.database import Session
from asgi_api.server.dependencies import get_settings, write_session
from asgi_api.server.models.csrf import issue_token
from asgi_api.server.schemas.responses import CsrfToken
from asgi_api.server.settings import Settings

router = APIRouter(tags=["Root"])


async def _csrf_enabled(settings: Settings = Depends(get_settings)) -> None:
    # Checked before the write session opens: clients read this 422 as "CSRF is off".
    if not settings.csrf_enabled:
        raise HTTPException(422, "CSRF protection is disabled.")


@router.get("/csrf-token", dependencies=[Depends(_csrf_enabled)])
async def create_csrf_token(client: str = Query(...), session: Session = Depends(write_session)) -> CsrfToken:
    """Issue a token to `client`, replacing its previous one (tokens live one hour)."""
    return await issue_token(session, client)
