"""Leases on concurrency slots, stored in the database so that every server process sees them.

A lease says "these slots of these limits are held until `expiration`". Releasing a lease and
reclaiming an expired one both start with `DELETE ... RETURNING`: only the one transaction that
deletes the row gives its slots back, so a slot is never returned twice, whoever races.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import timedelta

import msgspec
import sqlalchemy as sa

from asgi_api.server.database import Session, tables, utcnow
from asgi_api.server.models import concurrency_limits
from asgi_api.server.models.filters import tags_all
from asgi_api.server.schemas.concurrency import ConcurrencyLease, ConcurrencyLeaseHolder

__all__ = ["create_lease", "holder_ids", "leases_of_limit", "reclaim_expired_leases", "release_lease", "renew_lease",
           "revoke_leases"]

_lease = tables.concurrency_lease
_c = _lease.c


async def create_lease(session: Session, limit_ids: Sequence[uuid.UUID], slots: int, duration: timedelta,
                       holder: ConcurrencyLeaseHolder | None) -> ConcurrencyLease:
    now = utcnow()
    row = await session.fetch_one(sa.insert(_lease).values(
        id=uuid.uuid4(), created=now, updated=now, expiration=now + duration,
        limit_ids=[str(limit_id) for limit_id in limit_ids], slots=slots,
        holder=None if holder is None else msgspec.to_builtins(holder)).returning(*_lease.c))
    return msgspec.convert(row, ConcurrencyLease)


async def renew_lease(session: Session, lease_id: uuid.UUID, duration: timedelta) -> bool:
    """Extend a lease that has not expired; False when it is gone or expired."""
    now = utcnow()
    statement = (sa.update(_lease).where(_c.id == lease_id, _c.expiration > now)
                 .values(expiration=now + duration, updated=now).returning(_c.id))
    return await session.fetch_one(statement) is not None


async def release_lease(session: Session, lease_id: uuid.UUID) -> bool:
    """Delete the lease and give its slots back; False when there was no such lease."""
    row = await session.fetch_one(sa.delete(_lease).where(_c.id == lease_id).returning(*_lease.c))
    if row is None:
        return False
    await _give_back(session, msgspec.convert(row, ConcurrencyLease))
    return True


async def reclaim_expired_leases(session: Session, batch: int = 100) -> int:
    """Give back the slots of up to `batch` expired leases; how many there were."""
    expired = sa.select(_c.id).where(_c.expiration <= utcnow()).order_by(_c.expiration).limit(batch)
    rows = await session.fetch_all(sa.delete(_lease).where(_c.id.in_(expired)).returning(*_lease.c))
    for row in rows:
        await _give_back(session, msgspec.convert(row, ConcurrencyLease))
    return len(rows)


async def leases_of_limit(session: Session, limit_id: uuid.UUID) -> list[ConcurrencyLease]:
    """The unexpired leases holding slots of the limit, oldest first."""
    query = (sa.select(_lease).where(tags_all(session.dialect, _c.limit_ids, [str(limit_id)]),
                                     _c.expiration > utcnow())
             .order_by(_c.created, _c.id))
    return [msgspec.convert(row, ConcurrencyLease) for row in await session.fetch_all(query)]


async def revoke_leases(session: Session, leases: Sequence[ConcurrencyLease]) -> None:
    """Delete the leases and give back what they hold."""
    for lease in leases:
        row = await session.fetch_one(sa.delete(_lease).where(_c.id == lease.id).returning(_c.id))
        if row is not None:
            await _give_back(session, lease)


async def _give_back(session: Session, lease: ConcurrencyLease) -> None:
    occupancy = (utcnow() - lease.created).total_seconds()
    await concurrency_limits.give_back_slots(session, lease.limit_ids, lease.slots, occupancy)


def holder_ids(leases: Sequence[ConcurrencyLease], kind: str = "task_run") -> list[uuid.UUID]:
    """The ids of the holders of one kind (v1 lists the task runs holding a tag's slots)."""
    return [lease.holder.id for lease in leases if lease.holder is not None and lease.holder.type == kind]
