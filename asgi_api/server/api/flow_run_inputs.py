"""`/flow_runs/{id}/input`: the keyed values a paused run waits for, and what `send_input` sends."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import msgspec
from starlette.responses import PlainTextResponse, Response

from asgi_api.exceptions import HTTPException
from asgi_api.params import Body, Depends
from asgi_api.routing import APIRouter
from asgi_api.server.database import Session
from asgi_api.server.dependencies import read_session, write_session
from asgi_api.server.exceptions import ObjectNotFoundError
from asgi_api.server.models import flow_run_inputs as models
from asgi_api.server.schemas.flow_run_inputs import FlowRunInput, InputKey

router = APIRouter(prefix="/flow_runs", tags=["Flow Runs"])


def _not_found() -> HTTPException:
    return HTTPException(404, "Flow run input not found")


@router.post("/{id:uuid}/input", status_code=201)
async def create_flow_run_input(id: UUID, key: InputKey = Body(...), value: str = Body(...),
                                sender: str | None = Body(None), session: Session = Depends(write_session)) -> None:
    """201; 409 when the run has an input under that key already; 404 for an unknown run."""
    try:
        created = await models.create_input(session, id, key, value, sender)
    except ObjectNotFoundError:
        raise HTTPException(404, "Flow run not found") from None
    if not created:
        raise HTTPException(409, "A flow run input with this key already exists.")


@router.post("/{id:uuid}/input/filter")
async def filter_flow_run_input(id: UUID, prefix: str = Body(...),
                                limit: Annotated[int, msgspec.Meta(ge=0, le=200)] = Body(1),
                                exclude_keys: list[str] = Body([]),
                                session: Session = Depends(read_session)) -> list[FlowRunInput]:
    return await models.read_inputs(session, id, prefix, limit, exclude_keys)


@router.get("/{id:uuid}/input/{key}")
async def read_flow_run_input(id: UUID, key: str, session: Session = Depends(read_session)) -> Response:
    """The value as plain text, as Prefect answers it."""
    found = await models.read_input(session, id, key)
    if found is None:
        raise _not_found()
    return PlainTextResponse(found.value)


@router.delete("/{id:uuid}/input/{key}", status_code=204)
async def delete_flow_run_input(id: UUID, key: str, session: Session = Depends(write_session)) -> None:
    if not await models.delete_input(session, id, key):
        raise _not_found()
