"""`GET /hello` (a liveness greeting clients call) and `GET /ready`: whether the database answers."""

from __future__ import annotations

from starlette.requests import Request

from asgi_api.responses import JSONResponse
from asgi_api.routing import APIRouter

router = APIRouter(tags=["Root"])


@router.get("/hello")
async def hello() -> str:
    """A greeting: `client.hello()` in Prefect's client and docs checks the API answers."""
    return "\N{WAVING HAND SIGN}"


@router.get("/ready")
async def ready(request: Request) -> dict[str, str]:
    """200 once the database answers a query, else 503 (load balancers stop sending traffic)."""
    database = getattr(request.app.state, "database", None)
    if database is None or not await database.is_ready():
        return JSONResponse({"message": "Database is not available"}, status_code=503)  # type: ignore[return-value]
    return {"message": "OK"}
