"""`/automations`: stored faithfully (CRUD, filter, count, by resource), so that `prefect automation
ls/inspect`, `flow.serve()` (which replaces the automations a deployment owns) and the UI work.
This server does not evaluate triggers or run actions."""

from __future__ import annotations

from uuid import UUID

from asgi_api.exceptions import HTTPException
from asgi_api.params import Body, Depends
from asgi_api.routing import APIRouter
from asgi_api.server.api.limits import Limit, Offset, resolve_limit, resolve_offset
from asgi_api.server.database import Session
from asgi_api.server.dependencies import read_session, write_session
from asgi_api.server.models import automations as models
from asgi_api.server.schemas.automations import (
    Automation,
    AutomationCreate,
    AutomationFilter,
    AutomationPartialUpdate,
    AutomationSort,
    AutomationUpdate,
)

router = APIRouter(prefix="/automations", tags=["Automations"])

NOT_FOUND = "Automation not found"


@router.post("/", status_code=201)
async def create_automation(automation: AutomationCreate, session: Session = Depends(write_session)) -> Automation:
    return await models.create_automation(session, automation)


@router.get("/{id:uuid}")
async def read_automation(id: UUID, session: Session = Depends(read_session)) -> Automation:
    automation = await models.read_automation(session, id)
    if automation is None:
        raise HTTPException(404, NOT_FOUND)
    return automation


@router.put("/{id:uuid}", status_code=204)
async def update_automation(id: UUID, automation: AutomationUpdate, session: Session = Depends(write_session)) -> None:
    if not await models.update_automation(session, id, automation):
        raise HTTPException(404, NOT_FOUND)


@router.patch("/{id:uuid}", status_code=204)
async def patch_automation(id: UUID, automation: AutomationPartialUpdate,
                           session: Session = Depends(write_session)) -> None:
    if not await models.set_enabled(session, id, automation.enabled):
        raise HTTPException(404, NOT_FOUND)


@router.delete("/{id:uuid}", status_code=204)
async def delete_automation(id: UUID, session: Session = Depends(write_session)) -> None:
    if not await models.delete_automation(session, id):
        raise HTTPException(404, NOT_FOUND)


@router.post("/filter")
async def read_automations(sort: AutomationSort | None = Body(None), limit: Limit | None = Body(None),
                           offset: Offset | None = Body(None), automations: AutomationFilter | None = Body(None),
                           session: Session = Depends(read_session)) -> list[Automation]:
    return await models.read_automations(session, automations, sort or AutomationSort.NAME_ASC,
                                         resolve_limit(limit), resolve_offset(offset))


@router.post("/count")
async def count_automations(session: Session = Depends(read_session)) -> int:
    return await models.count_automations(session)


@router.get("/related-to/{resource_id:str}")
async def read_automations_related_to_resource(resource_id: str,
                                               session: Session = Depends(read_session)) -> list[Automation]:
    return await models.related_to(session, resource_id)


@router.delete("/owned-by/{resource_id:str}", status_code=202)
async def delete_automations_owned_by_resource(resource_id: str, session: Session = Depends(write_session)) -> None:
    await models.delete_owned_by(session, resource_id)
