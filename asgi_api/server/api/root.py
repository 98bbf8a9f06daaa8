"""`GET /hello` (a liveness greeting clients call) and `GET /ready`: whether the database answers."""

from __future__ import annotations

from starlette.responses import Response

from asgi_api.params import Depends
from asgi_api.routing import APIRouter
from asgi_api.server.database import Database
from asgi_api.server.dependencies import get_database_or_none

router = APIRouter(tags=["Root"])


@router.get("/hello")
async def hello() -> str:
    """A greeting: `client.hello()` in Prefect's client and docs checks the API answers."""
    return "\N{WAVING HAND SIGN}"


@router.get("/ready")
async def ready(response: Response, database: Database | None = Depends(get_database_or_none)) -> dict[str, str]:
    """200 once the database answers a query, else 503 (load balancers stop sending traffic)."""
    if database is None or not await database.is_ready():
        response.status_code = 503
        return {"message": "Database is not available"}
    return {"message": "OK"}
