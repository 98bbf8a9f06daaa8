"""The v2 concurrency-lease calls tagged tasks make (`/v2/concurrency_limits/*-with-lease`).

Prefect declares these routes with one body parameter per key, so a route can take the Struct's
fields as separate `Body` parameters or the whole body as one of these Structs: the JSON is the same.
"""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

import msgspec

LeaseSeconds = Annotated[float, msgspec.Meta(ge=60, le=60 * 60 * 24)]


class ConcurrencyLeaseHolder(msgspec.Struct, kw_only=True):
    """The run (or deployment) that holds the slots."""

    type: Literal["flow_run", "task_run", "deployment"]
    id: UUID


class ConcurrencyLeaseRequest(msgspec.Struct, kw_only=True):
    """`POST /v2/concurrency_limits/increment-with-lease`."""

    names: Annotated[list[str], msgspec.Meta(min_length=1)]
    slots: Annotated[int, msgspec.Meta(gt=0)]
    mode: Literal["concurrency", "rate_limit"] = "concurrency"
    lease_duration: LeaseSeconds = 300.0
    holder: ConcurrencyLeaseHolder | None = None


class ConcurrencyLeaseRelease(msgspec.Struct, kw_only=True):
    """`POST /v2/concurrency_limits/decrement-with-lease` (answered 204)."""

    lease_id: UUID


class MinimalConcurrencyLimit(msgspec.Struct, kw_only=True):
    """A limit whose slots the lease holds."""

    id: UUID
    name: str
    limit: int


class ConcurrencyLeaseResponse(msgspec.Struct, kw_only=True):
    """The answer to a lease request; with no limits configured, `limits` is empty."""

    lease_id: UUID
    limits: list[MinimalConcurrencyLimit] = msgspec.field(default_factory=list)
