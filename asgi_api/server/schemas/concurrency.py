"""Concurrency limits: global (v2) limits with slots and leases, and v1 tag limits on top of them.

A v2 limit has `limit` slots; `active_slots` are taken. With `slot_decay_per_second` > 0 it is a
rate limit: taken slots free themselves at that rate instead of being released. A v1 tag limit
is the v2 limit named `tag:<tag>`, as in Prefect 3, so tagged tasks (which ask for `tag:<tag>`
slots through the lease routes) are limited by either API.

Prefect declares the slot routes with one body parameter per key, so a route can take the Struct's
fields as separate `Body` parameters or the whole body as one of these Structs: the JSON is the same.
"""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

import msgspec
from msgspec import UNSET, UnsetType

from asgi_api.server.schemas.core import StoredObject
from asgi_api.server.schemas.fields import DateTime, Name, NonNegativeInt, PositiveInt

LeaseSeconds = Annotated[float, msgspec.Meta(ge=60, le=60 * 60 * 24)]
NonNegativeFloat = Annotated[float, msgspec.Meta(ge=0)]
SlotMode = Literal["concurrency", "rate_limit"]

TAG_PREFIX = "tag:"


# -- v2 global limits ---------------------------------------------------------------------------


class ConcurrencyLimitV2(StoredObject, kw_only=True):
    """A stored global limit (Prefect's GlobalConcurrencyLimitResponse carries the same fields)."""

    active: bool = True
    name: str
    limit: int
    active_slots: int = 0
    denied_slots: int = 0
    slot_decay_per_second: float = 0.0
    avg_slot_occupancy_seconds: float = 2.0


class ConcurrencyLimitV2Create(msgspec.Struct, kw_only=True):
    """`POST /v2/concurrency_limits/`."""

    name: Name
    limit: NonNegativeInt
    active: bool = True
    active_slots: NonNegativeInt = 0
    denied_slots: NonNegativeInt = 0
    slot_decay_per_second: NonNegativeFloat = 0.0


class ConcurrencyLimitV2Update(msgspec.Struct, kw_only=True):
    """`PATCH /v2/concurrency_limits/{id_or_name}`: only the sent fields change (null = unchanged)."""

    active: bool | None | UnsetType = UNSET
    name: Name | None | UnsetType = UNSET
    limit: NonNegativeInt | None | UnsetType = UNSET
    active_slots: NonNegativeInt | None | UnsetType = UNSET
    denied_slots: NonNegativeInt | None | UnsetType = UNSET
    slot_decay_per_second: NonNegativeFloat | None | UnsetType = UNSET


class SlotRequest(msgspec.Struct, kw_only=True):
    """`POST /v2/concurrency_limits/increment`: take `slots` of each named limit, all or none."""

    names: Annotated[list[str], msgspec.Meta(min_length=1)]
    slots: PositiveInt
    mode: SlotMode = "concurrency"
    create_if_missing: bool | None = None  # deprecated by Prefect, ignored


class SlotRelease(msgspec.Struct, kw_only=True):
    """`POST /v2/concurrency_limits/decrement`: give `slots` back to each named limit."""

    names: Annotated[list[str], msgspec.Meta(min_length=1)]
    slots: PositiveInt
    occupancy_seconds: Annotated[float, msgspec.Meta(gt=0)] | None = None
    create_if_missing: bool | None = None  # deprecated by Prefect, ignored


class ConcurrencyLeaseHolder(msgspec.Struct, kw_only=True):
    """The run (or deployment) that holds the slots."""

    type: Literal["flow_run", "task_run", "deployment"]
    id: UUID


class ConcurrencyLeaseRequest(msgspec.Struct, kw_only=True):
    """`POST /v2/concurrency_limits/increment-with-lease`."""

    names: Annotated[list[str], msgspec.Meta(min_length=1)]
    slots: PositiveInt
    mode: SlotMode = "concurrency"
    lease_duration: LeaseSeconds = 300.0
    holder: ConcurrencyLeaseHolder | None = None


class ConcurrencyLeaseRelease(msgspec.Struct, kw_only=True):
    """`POST /v2/concurrency_limits/decrement-with-lease` (answered 204)."""

    lease_id: UUID


class MinimalConcurrencyLimit(msgspec.Struct, kw_only=True):
    """A limit whose slots were taken or given back."""

    id: UUID
    name: str
    limit: int


class ConcurrencyLeaseResponse(msgspec.Struct, kw_only=True):
    """The answer to a lease request; `limits` is empty when none of the names is a limit."""

    lease_id: UUID
    limits: list[MinimalConcurrencyLimit] = msgspec.field(default_factory=list)


class ConcurrencyLease(msgspec.Struct, kw_only=True):
    """A stored lease: `slots` of each limit in `limit_ids`, held until released or expired."""

    id: UUID
    created: DateTime
    expiration: DateTime
    limit_ids: list[UUID]
    slots: int
    holder: ConcurrencyLeaseHolder | None = None


# -- v1 tag limits ------------------------------------------------------------------------------


class ConcurrencyLimit(StoredObject, kw_only=True):
    """A tag limit as v1 clients see it; `active_slots` lists the task runs holding a slot."""

    tag: str
    concurrency_limit: int
    active_slots: list[UUID] = msgspec.field(default_factory=list)


class ConcurrencyLimitCreate(msgspec.Struct, kw_only=True):
    """`POST /concurrency_limits/`: an upsert by tag."""

    tag: str
    concurrency_limit: NonNegativeInt


class TagSlotRequest(msgspec.Struct, kw_only=True):
    """`POST /concurrency_limits/increment` and `/decrement`: one slot per tag for a task run."""

    names: list[str]
    task_run_id: UUID
