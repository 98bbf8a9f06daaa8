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

MAX_INT64 = 2**63 - 1
"""The largest integer either database takes as a query argument (PostgreSQL bigint, SQLite INTEGER)."""

MAX_INT32 = 2**31 - 1
"""The largest integer an INTEGER column takes (PostgreSQL's is 32-bit): limits, slots, priorities."""
NonNegativeInt = Annotated[int, msgspec.Meta(ge=0, le=MAX_INT32)]
PositiveInt = Annotated[int, msgspec.Meta(gt=0, le=MAX_INT32)]

MAX_KEY_LENGTH = 500
"""Strings in a unique index: PostgreSQL refuses index entries over ~2.7 KB (a 500-character key is
at most 2 KB of UTF-8), so a longer one is a 422 here, on SQLite alike, instead of a database error."""
Key = Annotated[str, msgspec.Meta(max_length=MAX_KEY_LENGTH)]

Name = Annotated[str, msgspec.Meta(pattern=r"^[^/%&><]*$", max_length=MAX_KEY_LENGTH)]
"""Prefect bans `/ % & > <` in the names of objects addressed by name (flows, concurrency limits,
blocks...): they break URLs such as `/flows/name/{name}`. Names are unique, hence the length cap."""

FlowName = Name

DynamicKey = Annotated[str, msgspec.Meta(max_length=100)]
"""Shares a unique index with a task key: the two together stay within PostgreSQL's entry size."""

LogLevel = Annotated[int, msgspec.Meta(ge=-(2**15), le=2**15 - 1)]
"""A log level is stored in a 16-bit column (as in Prefect): PostgreSQL refuses anything wider."""

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
