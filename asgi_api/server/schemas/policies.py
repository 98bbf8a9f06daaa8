"""Retry policies of runs, with the defaults and legacy-field handling of Prefect's server."""

from __future__ import annotations

from typing import Annotated, Literal, Union

import msgspec

Seconds = Union[int, float]
"""A delay in seconds; ints stay ints on the way back, as Prefect's client expects."""


def _fill_legacy_retry_fields(policy: FlowRunPolicy | TaskRunPolicy) -> None:
    """Old clients send only `max_retries` / `retry_delay_seconds`: carry them over."""
    if not policy.retries and policy.max_retries != 0:
        policy.retries = policy.max_retries
    if not policy.retry_delay and policy.retry_delay_seconds != 0:
        policy.retry_delay = policy.retry_delay_seconds


class FlowRunPolicy(msgspec.Struct, kw_only=True):
    """How a flow run retries; the server reads `retries` and `retry_delay` to answer FAILED."""

    max_retries: int = 0
    retry_delay_seconds: float = 0.0
    retries: int | None = None
    retry_delay: Seconds | None = None
    pause_keys: list[str] | None = msgspec.field(default_factory=list)
    resuming: bool | None = False
    retry_type: Literal["in_process", "reschedule"] | None = None

    def __post_init__(self) -> None:
        _fill_legacy_retry_fields(self)


class TaskRunPolicy(msgspec.Struct, kw_only=True):
    """How a task run retries; a list of delays gives one delay per attempt."""

    max_retries: int = 0
    retry_delay_seconds: float = 0.0
    retries: int | None = None
    retry_delay: Seconds | Annotated[list[Seconds], msgspec.Meta(max_length=50)] | None = None
    retry_jitter_factor: Annotated[float, msgspec.Meta(ge=0)] | None = None

    def __post_init__(self) -> None:
        _fill_legacy_retry_fields(self)
