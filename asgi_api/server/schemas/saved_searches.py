"""Saved searches: named filter sets Prefect's UI keeps for its runs page."""

from __future__ import annotations

from typing import Any

import msgspec

from asgi_api.server.schemas.core import StoredObject
from asgi_api.server.schemas.fields import Key


class SavedSearchFilter(msgspec.Struct, kw_only=True):
    object: str
    property: str
    type: str
    operation: str
    value: Any


class SavedSearchCreate(msgspec.Struct, kw_only=True):
    """`PUT /saved_searches/`: creates the search, or replaces the filters of the one of that name."""

    name: Key
    filters: list[SavedSearchFilter] = msgspec.field(default_factory=list)


class SavedSearch(StoredObject, kw_only=True):
    name: str
    filters: list[SavedSearchFilter] = msgspec.field(default_factory=list)
