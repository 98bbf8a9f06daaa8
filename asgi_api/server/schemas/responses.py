"""Response bodies that are not stored objects themselves."""

from __future__ import annotations

import msgspec

from asgi_api.server.schemas.core import Flow, StoredObject
from asgi_api.server.schemas.fields import DateTime


class FlowPaginationResponse(msgspec.Struct, kw_only=True):
    """`POST /flows/paginate`: one page of flows and how many pages there are."""

    results: list[Flow]
    count: int
    limit: int
    pages: int
    page: int


class CsrfToken(StoredObject, kw_only=True):
    """`GET /csrf-token`: the token a client sends back in `Prefect-Csrf-Token`."""

    token: str
    client: str
    expiration: DateTime
