"""Flow run inputs: keyed text values a paused run waits for (`pause_flow_run(wait_for_input=...)`,
`send_input`/`receive_input`), and the schema it published for them."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import msgspec

from asgi_api.server.schemas.core import StoredObject

__all__ = ["FlowRunInput", "InputKey"]

InputKey = Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9-]*$")]
"""Lowercase letters, digits and dashes, as Prefect requires of input keys."""


class FlowRunInput(StoredObject, kw_only=True):
    flow_run_id: UUID
    key: str
    value: str
    sender: str | None = None
