"""`/automations`: this server runs no automations, and answers the calls `flow.serve()` and the CLI
make as a server without any would (`serve` clears the automations a deployment owned before
creating its own; `prefect deployment inspect` lists those related to the deployment)."""

from __future__ import annotations

from typing import Any

from asgi_api.params import Body
from asgi_api.routing import APIRouter

router = APIRouter(prefix="/automations", tags=["Automations"])


@router.delete("/owned-by/{resource_id:str}", status_code=202)
async def delete_automations_owned_by_resource(resource_id: str) -> None:
    """Nothing is owned by any resource, so nothing is deleted."""


@router.get("/related-to/{resource_id:str}")
async def read_automations_related_to_resource(resource_id: str) -> list[Any]:
    """`prefect deployment inspect` lists a deployment's automations: there are none."""
    return []


@router.post("/filter")
async def read_automations(limit: int | None = Body(None), offset: int | None = Body(None),
                           sorts: Any = Body(None), automations: Any = Body(None)) -> list[Any]:
    return []


@router.post("/count")
async def count_automations(automations: Any = Body(None)) -> int:
    return 0
