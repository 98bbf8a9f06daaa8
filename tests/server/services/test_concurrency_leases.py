"""The lease reclaimer frees the slots of expired leases, once, in batches, on each backend."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from asgi_api.server.database import Database, tables
from asgi_api.server.models import concurrency_leases, concurrency_limits
from asgi_api.server.schemas.concurrency import ConcurrencyLimitV2Create
from asgi_api.server.services import concurrency_leases as service

pytestmark = pytest.mark.anyio


async def test_reclaims_expired_leases_only(database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(service, "_BATCH", 2)  # several rounds
    async with database.transaction(write=True) as session:
        limit = await concurrency_limits.create_limit(session, ConcurrencyLimitV2Create(name="db", limit=10))
        for seconds in (-1, -1, -1, -1, -1, 300):  # five expired leases, one live
            assert await concurrency_limits.take_slots(session, [limit.id], 1)
            await concurrency_leases.create_lease(session, [limit.id], 1, timedelta(seconds=seconds), None)

    await service.LeaseReclaimer(database).run_once()
    async with database.transaction() as session:
        stored = await concurrency_limits.read_limit(session, limit.id)
        remaining = await session.fetch_val(sa.select(sa.func.count()).select_from(tables.concurrency_lease))
    assert stored is not None and (stored.active_slots, remaining) == (1, 1)
    await service.LeaseReclaimer(database).run_once()  # nothing more to do
    async with database.transaction() as session:
        again = await concurrency_limits.read_limit(session, limit.id)
    assert again is not None and again.active_slots == 1
