"""`/v2/concurrency_limits`: global concurrency and rate limits, and the slots clients take from them.

`concurrency("name")` and tagged tasks take slots with a lease (`increment-with-lease`), renew it
while they run and release it at the end; `rate_limit("name")` takes slots with `increment` and
lets them decay. A request all of whose slots cannot be had gets 423 with `Retry-After`, and the
client waits and asks again. Names that are no limit are skipped: with none, the answer is an empty
list, which the client reports (or, with `strict=True`, raises on), exactly as with Prefect.
"""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from starlette.responses import Response

from asgi_api.exceptions import HTTPException
from asgi_api.params import Body, Depends
from asgi_api.responses import JSONResponse
from asgi_api.routing import APIRouter
from asgi_api.server.api.limits import Limit, Offset, resolve_limit, resolve_offset
from asgi_api.server.database import Session
from asgi_api.server.dependencies import read_session, write_session
from asgi_api.server.models import concurrency_leases as leases
from asgi_api.server.models import concurrency_limits as models
from asgi_api.server.schemas.concurrency import (
    ConcurrencyLeaseRelease,
    ConcurrencyLeaseRequest,
    ConcurrencyLeaseResponse,
    ConcurrencyLimitV2,
    ConcurrencyLimitV2Create,
    ConcurrencyLimitV2Update,
    LeaseSeconds,
    MinimalConcurrencyLimit,
    SlotMode,
    SlotRelease,
    SlotRequest,
)

router = APIRouter(prefix="/v2/concurrency_limits", tags=["Concurrency Limits V2"])

NOT_FOUND = "Concurrency Limit not found"


@router.post("/", status_code=201)
async def create_concurrency_limit_v2(limit: ConcurrencyLimitV2Create,
                                      session: Session = Depends(write_session)) -> ConcurrencyLimitV2:
    """A new limit; a name in use is a 409."""
    return await models.create_limit(session, limit)


@router.get("/{id_or_name}")
async def read_concurrency_limit_v2(id_or_name: str, session: Session = Depends(read_session)) -> ConcurrencyLimitV2:
    limit = await models.read_limit(session, _key(id_or_name))
    if limit is None:
        raise HTTPException(404, NOT_FOUND)
    return limit


@router.post("/filter")
async def read_all_concurrency_limits_v2(limit: Limit | None = Body(None), offset: Offset | None = Body(None),
                                         session: Session = Depends(read_session)) -> list[ConcurrencyLimitV2]:
    return await models.read_limits(session, resolve_limit(limit), resolve_offset(offset))


@router.patch("/{id_or_name}", status_code=204)
async def update_concurrency_limit_v2(id_or_name: str, limit: ConcurrencyLimitV2Update,
                                      session: Session = Depends(write_session)) -> None:
    if not await models.update_limit(session, _key(id_or_name), limit):
        raise HTTPException(404, NOT_FOUND)


@router.delete("/{id_or_name}", status_code=204)
async def delete_concurrency_limit_v2(id_or_name: str, session: Session = Depends(write_session)) -> None:
    if await models.delete_limit(session, _key(id_or_name)) is None:
        raise HTTPException(404, NOT_FOUND)


@router.post("/increment", response_model=list[MinimalConcurrencyLimit])
async def bulk_increment_active_slots(request: SlotRequest, session: Session = Depends(write_session)) -> Response:
    found = await _acquire(session, request.names, request.slots, request.mode)
    if isinstance(found, Response):
        return found
    return JSONResponse([_minimal(limit) for limit in found])


@router.post("/increment-with-lease", response_model=ConcurrencyLeaseResponse)
async def bulk_increment_active_slots_with_lease(request: ConcurrencyLeaseRequest,
                                                 session: Session = Depends(write_session)) -> Response:
    """Slots held under a lease (even with no limits found, so that renew and release succeed)."""
    found = await _acquire(session, request.names, request.slots, request.mode)
    if isinstance(found, Response):
        return found
    taken = [limit.id for limit in found if limit.active]
    lease = await leases.create_lease(session, taken, request.slots, timedelta(seconds=request.lease_duration),
                                      request.holder)
    return JSONResponse({"lease_id": str(lease.id), "limits": [_minimal(limit) for limit in found]})


@router.post("/decrement")
async def bulk_decrement_active_slots(release: SlotRelease,
                                      session: Session = Depends(write_session)) -> list[MinimalConcurrencyLimit]:
    found = await models.read_limits_by_name(session, release.names)
    await models.give_back_slots(session, [limit.id for limit in found if limit.active], release.slots,
                                 release.occupancy_seconds)
    return [MinimalConcurrencyLimit(id=limit.id, name=limit.name, limit=limit.limit) for limit in found]


@router.post("/decrement-with-lease", status_code=204)
async def bulk_decrement_active_slots_with_lease(release: ConcurrencyLeaseRelease,
                                                 session: Session = Depends(write_session)) -> None:
    """Give the lease's slots back; a lease already released or reclaimed changes nothing."""
    await leases.release_lease(session, release.lease_id)


@router.post("/leases/{lease_id:uuid}/renew", status_code=204)
async def renew_concurrency_lease(lease_id: UUID, lease_duration: LeaseSeconds = Body(300.0, embed=True),
                                  session: Session = Depends(write_session)) -> None:
    """Extend a lease; one that expired (its slots reclaimed) or was released is gone: 410."""
    if not await leases.renew_lease(session, lease_id, timedelta(seconds=lease_duration)):
        raise HTTPException(410, "Lease not found - it may have expired or been revoked")


async def _acquire(session: Session, names: list[str], slots: int,
                   mode: SlotMode) -> list[ConcurrencyLimitV2] | Response:
    """The named limits with their slots taken, or the 423 (or 422) response that says why not."""
    found = await models.read_limits_by_name(session, names)
    active = [limit for limit in found if limit.active]
    if any(limit.limit < slots for limit in active):
        raise HTTPException(422, "Slots requested is greater than the limit")
    not_decaying = [limit.name for limit in active if limit.slot_decay_per_second == 0.0]
    if mode == "rate_limit" and not_decaying:
        raise HTTPException(422, "Only concurrency limits with slot decay can be used for rate limiting. The "
                                 f"following limits do not have a decay configured: {','.join(not_decaying)!r}")
    if await models.take_slots(session, [limit.id for limit in active], slots):
        return found
    await models.record_denial(session, active, slots)  # committed with the 423: it sets later delays
    return JSONResponse({"detail": "Locked"}, status_code=423,
                        headers={"Retry-After": str(models.retry_after(active, slots))})


def _minimal(limit: ConcurrencyLimitV2) -> dict[str, str | int]:
    return {"id": str(limit.id), "name": limit.name, "limit": limit.limit}


def _key(id_or_name: str) -> UUID | str:
    """A limit is addressed by id or, when the path is no UUID, by name (as in Prefect)."""
    try:
        return UUID(id_or_name)
    except ValueError:
        return id_or_name
