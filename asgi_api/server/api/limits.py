"""The `limit`, `offset` and `page` body keys of the `/filter` and `/paginate` routes, where `null`
means the default."""

from __future__ import annotations

from typing import Annotated

import msgspec

from asgi_api.exceptions import HTTPException
from asgi_api.server.schemas.fields import MAX_INT64

__all__ = ["MAX_LIMIT", "Limit", "Offset", "Page", "resolve_limit", "resolve_offset"]

MAX_LIMIT = 200

Limit = Annotated[int, msgspec.Meta(extra_json_schema={"minimum": 0, "maximum": MAX_LIMIT})]
"""Rows to return: the bounds are documented in the schema, and checked by `resolve_limit`, which
answers Prefect's own message rather than a validation error."""

Offset = Annotated[int, msgspec.Meta(ge=0, le=MAX_INT64)]
"""Rows to skip: the database takes at most a 64-bit integer."""

Page = Annotated[int, msgspec.Meta(ge=1, le=MAX_INT64 // MAX_LIMIT)]
"""A page number whose offset, `(page - 1) * limit`, the database still takes."""


def resolve_limit(limit: int | None) -> int:
    """`null` -> 200; outside 0..200 -> 422 with Prefect's message."""
    if limit is None:
        return MAX_LIMIT
    if not 0 <= limit <= MAX_LIMIT:
        raise HTTPException(422, f"Invalid limit: must be between 0 and {MAX_LIMIT}.")
    return limit


def resolve_offset(offset: int | None) -> int:
    """`null` -> 0."""
    return 0 if offset is None else offset
