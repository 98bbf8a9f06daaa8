"""`/saved_searches`: the filter sets Prefect's UI saves on its runs page."""

from __future__ import annotations

from uuid import UUID

from starlette.responses import Response

from asgi_api.exceptions import HTTPException
from asgi_api.params import Body, Depends
from asgi_api.routing import APIRouter
from asgi_api.server.api.limits import Offset, resolve_limit, resolve_offset
from asgi_api.server.database import Session
from asgi_api.server.dependencies import read_session, write_session
from asgi_api.server.models import saved_searches as models
from asgi_api.server.schemas.saved_searches import SavedSearch, SavedSearchCreate

router = APIRouter(prefix="/saved_searches", tags=["SavedSearches"])

NOT_FOUND = "Saved search not found"


@router.put("/")
async def create_saved_search(saved_search: SavedSearchCreate, response: Response,
                              session: Session = Depends(write_session)) -> SavedSearch:
    """201 for a new name; 200 when the search of that name had its filters replaced."""
    stored, created = await models.upsert_saved_search(session, saved_search)
    response.status_code = 201 if created else 200
    return stored


@router.get("/{id:uuid}")
async def read_saved_search(id: UUID, session: Session = Depends(read_session)) -> SavedSearch:
    found = await models.read_saved_search(session, id)
    if found is None:
        raise HTTPException(404, NOT_FOUND)
    return found


@router.post("/filter")
async def read_saved_searches(limit: int | None = Body(None), offset: Offset | None = Body(None),
                              session: Session = Depends(read_session)) -> list[SavedSearch]:
    """By name."""
    return await models.read_saved_searches(session, resolve_limit(limit), resolve_offset(offset))


@router.delete("/{id:uuid}", status_code=204)
async def delete_saved_search(id: UUID, session: Session = Depends(write_session)) -> None:
    if not await models.delete_saved_search(session, id):
        raise HTTPException(404, NOT_FOUND)
