"""The body checks of `/flow_runs/history` and `/task_runs/history`, shared by both routes."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Literal

import msgspec

from asgi_api.exceptions import HTTPException
from asgi_api.server.database import Session
from asgi_api.server.models import dashboards
from asgi_api.server.schemas.dashboards import HistoryResponse

__all__ = ["HistoryInterval", "run_history"]

HistoryInterval = Annotated[float, msgspec.Meta(extra_json_schema={"minimum": 1})]
"""Seconds per bar: the minimum is documented, and checked by `run_history` with Prefect's message."""


async def run_history(session: Session, kind: Literal["flow_run", "task_run"], filters: dashboards.RunFilters,
                      start: datetime, end: datetime, interval_seconds: float) -> list[HistoryResponse]:
    """History of `kind` runs; 422 for an interval under a second, an end before the start, or
    more intervals than a chart can show."""
    if interval_seconds < 1:
        raise HTTPException(422, "History interval must not be less than 1 second.")
    if end < start:
        raise HTTPException(422, "history_end must not be before history_start.")
    try:
        return await dashboards.run_history(session, kind, filters, start, end, timedelta(seconds=interval_seconds))
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
