"""Sort values (`asgi_api.server.schemas.sorting`) turned into ORDER BY clauses.

Every sort enum is spelled `<COLUMN>_<ASC|DESC>` (`NAME_ASC`, `EXPECTED_START_TIME_DESC`,
`TIMESTAMP_ASC`), so one function serves flows, runs, logs and variables alike. NULLs come last
in both directions on both backends (they disagree by default), and `id` breaks ties so that
pages of equal keys never shuffle between requests.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from asgi_api.server.database import tables
from asgi_api.server.schemas.sorting import FlowRunSort

# Prefect sorts flow runs by start time, falling back to when they were expected to start.
FLOW_RUN_SORT_EXPRESSIONS: Mapping[str, sa.ColumnElement[Any]] = {
    "start_time": sa.func.coalesce(tables.flow_run.c.start_time, tables.flow_run.c.expected_start_time),
}


def order_by(table: sa.Table, sort: enum.Enum,
             expressions: Mapping[str, sa.ColumnElement[Any]] | None = None) -> list[sa.ColumnElement[Any]]:
    """ORDER BY for `sort` on `table`; `expressions` replace a column by a computed value."""
    name, direction = str(sort.value).rsplit("_", 1)
    key = name.lower()
    expression = (expressions or {}).get(key, table.c[key])
    ascending = direction == "ASC"
    clauses: list[sa.ColumnElement[Any]] = [(expression.asc() if ascending else expression.desc()).nulls_last()]
    if key != "id":
        clauses.append(table.c.id.asc() if ascending else table.c.id.desc())
    return clauses


def flow_run_order_by(sort: FlowRunSort) -> list[sa.ColumnElement[Any]]:
    return order_by(tables.flow_run, sort, FLOW_RUN_SORT_EXPRESSIONS)
