"""The `limit` and `offset` body keys of the `/filter` routes, where `null` means the default."""

from __future__ import annotations

from asgi_api.exceptions import HTTPException

MAX_LIMIT = 200


def resolve_limit(limit: int | None) -> int:
    """`null` -> 200; outside 0..200 -> 422 with Prefect's message."""
    if limit is None:
        return MAX_LIMIT
    if not 0 <= limit <= MAX_LIMIT:
        raise HTTPException(422, f"Invalid limit: must be between 0 and {MAX_LIMIT}.")
    return limit


def resolve_offset(offset: int | None) -> int:
    """`null` -> 0; a negative offset is a 422."""
    if offset is None:
        return 0
    if offset < 0:
        raise HTTPException(422, "Invalid offset: must be 0 or more.")
    return offset
