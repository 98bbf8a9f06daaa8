"""`/collections/views/{view}`: Prefect's server answers these from the integrations registry on
GitHub (or the copy bundled with Prefect). This server reaches no network and ships no copy, so a
known view answers "no integrations known": `prefect worker start` for a type that is not
installed then says it found no package for it instead of failing on a 404."""

from __future__ import annotations

from typing import Any

from asgi_api.exceptions import HTTPException
from asgi_api.routing import APIRouter

router = APIRouter(prefix="/collections", tags=["Collections"])

KNOWN_VIEWS = frozenset({"aggregate-block-metadata", "aggregate-flow-metadata", "aggregate-worker-metadata",
                         "demo-flows"})


@router.get("/views/{view}")
async def read_view_content(view: str) -> dict[str, Any]:
    if view not in KNOWN_VIEWS:
        raise HTTPException(404, f"View {view} not found in registry")
    return {}
