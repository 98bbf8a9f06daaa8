"""Global (v2) concurrency limits: CRUD and the slot arithmetic.

Slots are taken with one conditional UPDATE per limit (`... WHERE active_slots + n <= limit`), in
id order, inside the caller's write transaction: PostgreSQL re-checks the condition on the locked
row, so concurrent requests from any number of server processes can never over-grant a slot, and
the fixed order keeps two multi-limit requests from deadlocking. When one limit of a request is
full, the slots already taken by that request are handed back before the transaction commits.

Rate limits (`slot_decay_per_second` > 0) free taken slots as time passes; so, for every limit,
do `denied_slots` (the demand that was turned away, which sets the suggested retry delay). Decay is
computed in SQL from the time since the row was last `updated`, and written back on each change.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import msgspec
import sqlalchemy as sa

from asgi_api.server.database import Session, tables, utcnow
from asgi_api.server.database.types import UTCDateTime
from asgi_api.server.schemas.concurrency import (
    TAG_PREFIX,
    ConcurrencyLimitV2,
    ConcurrencyLimitV2Create,
    ConcurrencyLimitV2Update,
)

__all__ = [
    "MAX_RETRY_AFTER_SECONDS", "create_limit", "delete_limit", "give_back_slots",
    "read_limit", "read_limits", "read_limits_by_name", "record_denial", "retry_after", "take_slots",
    "update_limit",
]

_limit = tables.concurrency_limit_v2
_c = _limit.c

MAX_RETRY_AFTER_SECONDS = 30.0  # Prefect's default cap on the suggested wait for a concurrency slot
_MIN_OCCUPANCY_SECONDS = 0.1
_OCCUPANCY_SAMPLES_PER_SLOT = 2  # the average occupancy is over the last 2 x limit releases
_JITTER = 0.3  # retry delays spread +-30% so that waiting clients do not come back together


def _where(key: uuid.UUID | str) -> sa.ColumnElement[bool]:
    """A limit is addressed by its id or by its name."""
    return _c.id == key if isinstance(key, uuid.UUID) else _c.name == key


async def create_limit(session: Session, limit: ConcurrencyLimitV2Create) -> ConcurrencyLimitV2:
    """A new limit; a taken name is an integrity error (409)."""
    now = utcnow()
    values = {"id": uuid.uuid4(), "created": now, "updated": now, "avg_slot_occupancy_seconds": 2.0,
              **msgspec.to_builtins(limit)}
    row = await session.fetch_one(sa.insert(_limit).values(values).returning(*_limit.c))
    return msgspec.convert(row, ConcurrencyLimitV2)


async def read_limit(session: Session, key: uuid.UUID | str) -> ConcurrencyLimitV2 | None:
    row = await session.fetch_one(sa.select(_limit).where(_where(key)))
    return None if row is None else msgspec.convert(row, ConcurrencyLimitV2)


async def read_limits(session: Session, limit: int, offset: int, *,
                      tags_only: bool = False) -> list[ConcurrencyLimitV2]:
    """Limits by name; `tags_only`: just the v1 tag limits."""
    query = sa.select(_limit).order_by(_c.name)
    if tags_only:
        query = query.where(sa.func.substr(_c.name, 1, len(TAG_PREFIX)) == TAG_PREFIX)
    rows = await session.fetch_all(query.limit(limit).offset(offset))
    return [msgspec.convert(row, ConcurrencyLimitV2) for row in rows]


async def read_limits_by_name(session: Session, names: Sequence[str]) -> list[ConcurrencyLimitV2]:
    rows = await session.fetch_all(sa.select(_limit).where(_c.name.in_(list(names))).order_by(_c.id))
    return [msgspec.convert(row, ConcurrencyLimitV2) for row in rows]


async def update_limit(session: Session, key: uuid.UUID | str, update: ConcurrencyLimitV2Update) -> bool:
    """Write the fields sent with a value (null leaves a field as it is); False when none matched."""
    values: dict[str, Any] = {name: getattr(update, name) for name in update.__struct_fields__
                              if getattr(update, name) not in (msgspec.UNSET, None)}
    values["updated"] = utcnow()
    statement = sa.update(_limit).where(_where(key)).values(values).returning(_c.id)
    return await session.fetch_one(statement) is not None


async def delete_limit(session: Session, key: uuid.UUID | str) -> ConcurrencyLimitV2 | None:
    row = await session.fetch_one(sa.delete(_limit).where(_where(key)).returning(*_limit.c))
    return None if row is None else msgspec.convert(row, ConcurrencyLimitV2)


async def take_slots(session: Session, limit_ids: Sequence[uuid.UUID], slots: int) -> bool:
    """Take `slots` of every limit (active ones only), all or none; False when one is full."""
    now = utcnow()
    taken: list[uuid.UUID] = []
    for limit_id in sorted(limit_ids):
        active = _active_after_decay(session.dialect, now)
        statement = (sa.update(_limit)
                     .where(_c.id == limit_id, _c.active.is_(True), active + slots <= _c.limit)
                     .values(active_slots=active + slots, denied_slots=_denied_after_decay(session.dialect, now),
                             updated=now)
                     .returning(_c.id))
        if await session.fetch_one(statement) is None:
            if taken:
                await session.execute(sa.update(_limit).where(_c.id.in_(taken))
                                      .values(active_slots=_c.active_slots - slots))
            return False
        taken.append(limit_id)
    return True


async def give_back_slots(session: Session, limit_ids: Sequence[uuid.UUID], slots: int,
                          occupancy_seconds: float | None = None) -> None:
    """Release `slots` of each active limit (never below zero); a known occupancy time moves the
    limit's average occupancy per slot, which sets the retry delay of denied requests."""
    if not limit_ids:
        return
    now = utcnow()
    active = _active_after_decay(session.dialect, now)
    values: dict[str, Any] = {
        "active_slots": _greatest(session.dialect, 0, active - slots),
        "denied_slots": _denied_after_decay(session.dialect, now),
        "updated": now,
    }
    if occupancy_seconds:
        per_slot = max(occupancy_seconds / slots, _MIN_OCCUPANCY_SECONDS)
        samples = _greatest(session.dialect, _c.limit * _OCCUPANCY_SAMPLES_PER_SLOT, 1)  # a 0 limit: 1 sample
        values["avg_slot_occupancy_seconds"] = (_c.avg_slot_occupancy_seconds + per_slot / samples
                                                - _c.avg_slot_occupancy_seconds / samples)
    for limit_id in sorted(limit_ids):
        await session.execute(sa.update(_limit).where(_c.id == limit_id, _c.active.is_(True)).values(values))


async def record_denial(session: Session, limits: Sequence[ConcurrencyLimitV2], slots: int) -> None:
    """Count `slots` more turned-away demand on each active limit."""
    now = utcnow()
    denied = _denied_after_decay(session.dialect, now) + slots
    for limit in sorted(limits, key=lambda limit: limit.id):
        if limit.active:
            await session.execute(sa.update(_limit).where(_c.id == limit.id).values(denied_slots=denied,
                                                                                      updated=now))


def retry_after(limits: Sequence[ConcurrencyLimitV2], slots: int) -> float:
    """Seconds a denied client should wait: set by the limit that blocks most (as Prefect does),
    from its decay rate, or from how long its slots are held (capped at 30 s), with jitter."""
    active = [limit for limit in limits if limit.active]
    if not active:
        return 1.0

    def blocking(limit: ConcurrencyLimitV2) -> float:
        demand = slots + limit.denied_slots
        return demand if limit.slot_decay_per_second > 0 else demand / max(limit.limit, 1)

    worst = max(active, key=blocking)
    if worst.slot_decay_per_second > 0:
        average = blocking(worst) / worst.slot_decay_per_second
    else:
        per_slot = min(worst.avg_slot_occupancy_seconds, MAX_RETRY_AFTER_SECONDS)
        average = min(per_slot * blocking(worst), MAX_RETRY_AFTER_SECONDS)
    return round(average * random.uniform(1 - _JITTER, 1 + _JITTER), 3)


# -- decay, in SQL ------------------------------------------------------------------------------


def _greatest(dialect: str, *values: Any) -> sa.ColumnElement[Any]:
    """The largest value (SQLite spells GREATEST as the many-argument `max`)."""
    return sa.func.greatest(*values) if dialect == "postgresql" else sa.func.max(*values)


def _least(dialect: str, *values: Any) -> sa.ColumnElement[Any]:
    return sa.func.least(*values) if dialect == "postgresql" else sa.func.min(*values)


def _seconds_since_update(dialect: str, now: datetime) -> sa.ColumnElement[Any]:
    """Seconds from the row's `updated` to `now` (never negative: clocks of workers may differ)."""
    at = sa.literal(now, UTCDateTime)
    if dialect == "postgresql":
        elapsed: sa.ColumnElement[Any] = sa.extract("epoch", at - _c.updated)
    else:
        elapsed = (sa.func.julianday(at) - sa.func.julianday(_c.updated)) * 86400.0
    return _greatest(dialect, 0.0, elapsed)


def _active_after_decay(dialect: str, now: datetime) -> sa.ColumnElement[int]:
    freed = _floor(dialect, _c.slot_decay_per_second * _seconds_since_update(dialect, now))
    return _greatest(dialect, 0, _c.active_slots - freed)


def _denied_after_decay(dialect: str, now: datetime) -> sa.ColumnElement[int]:
    """Denied demand decays at the rate limit's rate, or one slot per (capped) occupancy time."""
    occupancy = _greatest(dialect, _MIN_OCCUPANCY_SECONDS, _least(dialect, _c.avg_slot_occupancy_seconds,
                                                                  MAX_RETRY_AFTER_SECONDS))
    rate = sa.case((_c.slot_decay_per_second > 0.0, _c.slot_decay_per_second), else_=1.0 / occupancy)
    return _greatest(dialect, 0, _c.denied_slots - _floor(dialect, rate * _seconds_since_update(dialect, now)))


def _floor(dialect: str, value: sa.ColumnElement[Any]) -> sa.ColumnElement[int]:
    """floor() of a non-negative number: SQLite may be built without its math functions, and a
    cast to integer truncates, which is the floor for non-negative values."""
    if dialect == "postgresql":
        return sa.cast(sa.func.floor(value), sa.Integer)
    return sa.cast(value, sa.Integer)
