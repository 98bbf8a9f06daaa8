"""`/concurrency_limits`: v1 tag concurrency limits, kept as the v2 limits named `tag:<tag>`.

As in Prefect 3, a tag limit is a global limit, so tagged tasks (which take `tag:<tag>` slots
through the v2 lease routes) are limited whichever API created it. A tag limit's `active_slots`
lists the task runs holding its slots. The `increment`/`decrement` routes serve older task
engines: their slots are held by a lease without expiry until the task run gives them back.
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
    TAG_PREFIX,
    ConcurrencyLeaseHolder,
    ConcurrencyLimit,
    ConcurrencyLimitCreate,
    ConcurrencyLimitV2,
    ConcurrencyLimitV2Create,
    ConcurrencyLimitV2Update,
    MinimalConcurrencyLimit,
    TagSlotRequest,
)

router = APIRouter(prefix="/concurrency_limits", tags=["Concurrency Limits"])

NOT_FOUND = "Concurrency limit not found"
V1_LEASE = timedelta(days=100 * 365)  # v1 clients never renew: the lease lasts until released
TAG_RETRY_AFTER_SECONDS = 30  # Prefect's tag_concurrency_slot_wait_seconds


@router.post("/")
async def create_concurrency_limit(limit: ConcurrencyLimitCreate, response: Response,
                                   session: Session = Depends(write_session)) -> ConcurrencyLimit:
    """An upsert by tag: 201 with a new limit, 200 with the existing one set to the new value."""
    name = TAG_PREFIX + limit.tag
    existing = await models.read_limit(session, name)
    if existing is None:
        stored = await models.create_limit(session, ConcurrencyLimitV2Create(name=name, limit=limit.concurrency_limit))
        response.status_code = 201
    else:
        await models.update_limit(session, existing.id,
                                  ConcurrencyLimitV2Update(limit=limit.concurrency_limit))
        stored = existing
        stored.limit = limit.concurrency_limit
        response.status_code = 200
    return await _v1(session, stored)


@router.get("/{id:uuid}")
async def read_concurrency_limit(id: UUID, session: Session = Depends(read_session)) -> ConcurrencyLimit:
    limit = await models.read_limit(session, id)
    if limit is None or not limit.name.startswith(TAG_PREFIX):
        raise HTTPException(404, NOT_FOUND)
    return await _v1(session, limit)


@router.get("/tag/{tag}")
async def read_concurrency_limit_by_tag(tag: str, session: Session = Depends(read_session)) -> ConcurrencyLimit:
    return await _v1(session, await _by_tag(session, tag))


@router.post("/filter")
async def read_concurrency_limits(limit: Limit | None = Body(None), offset: Offset | None = Body(None),
                                  session: Session = Depends(read_session)) -> list[ConcurrencyLimit]:
    found = await models.read_limits(session, resolve_limit(limit), resolve_offset(offset), tags_only=True)
    return [await _v1(session, limit) for limit in found]


@router.post("/tag/{tag}/reset")
async def reset_concurrency_limit_by_tag(tag: str, slot_override: list[UUID] | None = Body(None, embed=True),
                                         session: Session = Depends(write_session)) -> None:
    """Free every slot of the tag (releasing the leases that hold them); `slot_override` then
    hands one slot each to the listed task runs."""
    limit = await _by_tag(session, tag)
    await leases.revoke_leases(session, await leases.leases_of_limit(session, limit.id))
    await models.update_limit(session, limit.id, ConcurrencyLimitV2Update(active_slots=0))
    for task_run_id in slot_override or []:
        await models.take_slots(session, [limit.id], 1)
        await leases.create_lease(session, [limit.id], 1, V1_LEASE, ConcurrencyLeaseHolder(type="task_run",
                                                                                           id=task_run_id))


@router.delete("/{id:uuid}")
async def delete_concurrency_limit(id: UUID, session: Session = Depends(write_session)) -> None:
    limit = await models.read_limit(session, id)
    if limit is None or not limit.name.startswith(TAG_PREFIX):
        raise HTTPException(404, NOT_FOUND)
    await _delete(session, limit)


@router.delete("/tag/{tag}")
async def delete_concurrency_limit_by_tag(tag: str, session: Session = Depends(write_session)) -> None:
    await _delete(session, await _by_tag(session, tag))


@router.post("/increment", response_model=list[MinimalConcurrencyLimit])
async def increment_concurrency_limits_v1(request: TagSlotRequest,
                                          session: Session = Depends(write_session)) -> Response:
    """One slot of each tag's limit for the task run, all or none: 423 when one is full, or is 0
    (a task would wait for ever), with the message the task engine shows."""
    found = {limit.name[len(TAG_PREFIX):]: limit
             for limit in await models.read_limits_by_name(session, [TAG_PREFIX + tag for tag in request.names])}
    for tag, limit in found.items():
        if limit.limit == 0:
            raise HTTPException(423, f'The concurrency limit on tag "{tag}" is 0 and will deadlock if the task '
                                     "tries to run again.")
    active = {tag: limit for tag, limit in found.items() if limit.active}
    if not await models.take_slots(session, [limit.id for limit in active.values()], 1):
        full = next(iter(active))
        return JSONResponse({"detail": f"Concurrency limit for the {full} tag has been reached"}, status_code=423,
                            headers={"Retry-After": str(TAG_RETRY_AFTER_SECONDS)})
    if active:
        await leases.create_lease(session, [limit.id for limit in active.values()], 1, V1_LEASE,
                                  ConcurrencyLeaseHolder(type="task_run", id=request.task_run_id))
    return JSONResponse([{"id": str(limit.id), "name": tag, "limit": limit.limit} for tag, limit in active.items()])


@router.post("/decrement")
async def decrement_concurrency_limits_v1(request: TagSlotRequest,
                                          session: Session = Depends(write_session)) -> list[MinimalConcurrencyLimit]:
    """Give back the slots the task run holds on these tags."""
    found = await models.read_limits_by_name(session, [TAG_PREFIX + tag for tag in request.names])
    for limit in found:
        held = [lease for lease in await leases.leases_of_limit(session, limit.id)
                if lease.holder is not None and lease.holder.id == request.task_run_id]
        await leases.revoke_leases(session, held)
    return [MinimalConcurrencyLimit(id=limit.id, name=limit.name, limit=limit.limit) for limit in found]


async def _by_tag(session: Session, tag: str) -> ConcurrencyLimitV2:
    limit = await models.read_limit(session, TAG_PREFIX + tag)
    if limit is None:
        raise HTTPException(404, NOT_FOUND)
    return limit


async def _v1(session: Session, limit: ConcurrencyLimitV2) -> ConcurrencyLimit:
    holders = leases.holder_ids(await leases.leases_of_limit(session, limit.id))
    return ConcurrencyLimit(id=limit.id, created=limit.created, updated=limit.updated,
                            tag=limit.name[len(TAG_PREFIX):], concurrency_limit=limit.limit, active_slots=holders)


async def _delete(session: Session, limit: ConcurrencyLimitV2) -> None:
    """Delete the limit after releasing its leases (their other limits get their slots back)."""
    await leases.revoke_leases(session, await leases.leases_of_limit(session, limit.id))
    await models.delete_limit(session, limit.id)
