"""`/v2/concurrency_limits/*-with-lease`: tagged tasks ask for slots before they run.

This server keeps no concurrency limits, so every request is granted at once with an empty list
of limits; the lease id is only there so that the client's release and renew calls succeed.
"""

from __future__ import annotations

from uuid import UUID, uuid4

from asgi_api.params import Body
from asgi_api.routing import APIRouter
from asgi_api.server.schemas.concurrency import (
    ConcurrencyLeaseRelease,
    ConcurrencyLeaseRequest,
    ConcurrencyLeaseResponse,
)

router = APIRouter(prefix="/v2/concurrency_limits", tags=["Concurrency Limits V2"])


@router.post("/increment-with-lease")
async def increment_with_lease(request: ConcurrencyLeaseRequest) -> ConcurrencyLeaseResponse:
    return ConcurrencyLeaseResponse(lease_id=uuid4(), limits=[])


@router.post("/decrement-with-lease", status_code=204)
async def decrement_with_lease(release: ConcurrencyLeaseRelease) -> None:
    """Releasing a lease that holds no slots changes nothing."""


@router.post("/leases/{lease_id:uuid}/renew", status_code=204)
async def renew_lease(lease_id: UUID, lease_duration: float | None = Body(None, embed=True)) -> None:
    """Long-running tagged tasks renew their lease; with no slots held there is nothing to extend."""
