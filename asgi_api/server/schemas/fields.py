"""Constrained field types shared by the REST API schemas.

They live in one place so that a rule from the spec (what a flow name may contain, how long a
variable name may be) is written once and every Struct that carries such a field agrees.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Union

import msgspec

DateTime = Annotated[datetime, msgspec.Meta(tz=True)]
"""A timezone-aware datetime: naive input is rejected (422) rather than guessed at, so that
comparisons with stored aware datetimes can never raise at query time."""

Name = Annotated[str, msgspec.Meta(pattern=r"^[^/%&><]*$")]
"""Prefect bans `/ % & > <` in the names of objects addressed by name (flows, concurrency limits,
blocks...): they break URLs such as `/flows/name/{name}`."""

FlowName = Name

MAX_VARIABLE_NAME_LENGTH = 255
VariableName = Annotated[
    str, msgspec.Meta(pattern=r"^[a-z0-9_-]+$", max_length=MAX_VARIABLE_NAME_LENGTH)
]

LabelValue = Union[str, bool, int, float]
KeyValueLabels = dict[str, LabelValue]
"""Labels are flat: string keys, scalar values."""


def utc_now() -> datetime:
    """The current time, timezone-aware, as every stored timestamp must be."""
    return datetime.now(timezone.utc)
