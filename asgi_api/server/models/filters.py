"""Filter bodies (`asgi_api.server.schemas.filters`) compiled to SQLAlchemy Core WHERE clauses.

Two layers:

- Criterion helpers, reusable for any table (logs and variables use them too). Each takes a
  column and the criterion's Struct (or a plain value) and returns a condition, or `None` when
  the criterion is absent or empty, so that "not filtering on this" never turns into a `true`
  that would swallow an `or_`:

      any_of(column, values)              value IN values (UUIDs are fine, datetimes/JSON are not)
      none_of(column, values)             value NOT IN values
      like(column, text)                  case-insensitive substring, `%`/`_` taken literally
      is_null(column, flag)               IS NULL / IS NOT NULL
      ids(column, IdFilter), names(column, NameFilter), values(column, ValueFilter)
      references(column, ReferenceFilter | WorkQueueNameFilter)
      time_range(column, TimeFilter)      inclusive `before_`/`after_`, plus `is_null_`
      tags(dialect, column, TagsFilter)   with tags_all / tags_any / tags_empty underneath
      combine(operator, conditions)       AND/OR of the non-`None` conditions, `None` if none

  `dialect` is `session.dialect` ("sqlite" or "postgresql"): tags live in JSON (SQLite, searched
  with `json_each`) or JSONB (PostgreSQL, searched with `@>` / `?|`).

- Per resource: `flows_where`, `flow_runs_where`, `task_runs_where` take the `flows`,
  `flow_runs` and `task_runs` body keys of a filter route and return one WHERE clause. A filter
  on a related resource becomes a subquery (a flow matches a `flow_runs` filter when one of its
  runs does), and is applied whenever the key was sent, even as `{}` ("has at least one").
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa

from asgi_api.server.database import tables
from asgi_api.server.schemas.filters import (
    FlowFilter,
    FlowRunFilter,
    IdFilter,
    NameFilter,
    Operator,
    ReferenceFilter,
    StateFilter,
    SubflowRunsFilter,
    TagsFilter,
    TaskRunFilter,
    TimeFilter,
    ValueFilter,
    WorkQueueNameFilter,
)

Condition = sa.ColumnElement[bool]
Column = sa.ColumnElement[Any]

_flow = tables.flow.c
_flow_run = tables.flow_run.c
_task_run = tables.task_run.c
# Aliases for subqueries that may sit inside a query on the same table (no accidental correlation).
_other_flow_run = tables.flow_run.alias("other_flow_run").c
_other_task_run = tables.task_run.alias("other_task_run").c


# -- combining --------------------------------------------------------------------------------


def combine(operator: Operator, conditions: Iterable[Condition | None]) -> Condition | None:
    """The given conditions joined with `operator`; `None` when there are none."""
    present = [condition for condition in conditions if condition is not None]
    if not present:
        return None
    return sa.or_(*present) if operator is Operator.or_ else sa.and_(*present)


def where(condition: Condition | None) -> Condition:
    """A condition usable in `.where()`: an absent one matches everything."""
    return sa.true() if condition is None else condition


# -- criteria on one column -------------------------------------------------------------------


def any_of(column: Column, values: Sequence[Any] | None) -> Condition | None:
    """`column IN values` (an empty list matches nothing, as in Prefect)."""
    return None if values is None else column.in_(list(values))


def none_of(column: Column, values: Sequence[Any] | None) -> Condition | None:
    """`column NOT IN values` (NULLs never match, as in SQL and Prefect)."""
    return None if values is None else column.not_in(list(values))


def like(column: Column, text: str) -> Condition:
    """Case-insensitive substring match; `%` and `_` in `text` are matched literally."""
    # The pattern is one bound value: `databases` %-formats SQLite statements, so a literal '%'
    # in the SQL text (as `contains(autoescape=True)` renders) would break it.
    escaped = text.lower().replace("/", "//").replace("%", "/%").replace("_", "/_")
    return sa.func.lower(column).like(f"%{escaped}%", escape="/")


def is_null(column: Column, flag: bool | None) -> Condition | None:
    """True: the column is NULL; false: it is not."""
    if flag is None:
        return None
    return column.is_(None) if flag else column.is_not(None)


def ids(column: Column, criterion: IdFilter | None) -> Condition | None:
    if criterion is None:
        return None
    return combine(Operator.and_, [any_of(column, criterion.any_), none_of(column, criterion.not_any_)])


def names(column: Column, criterion: NameFilter | None) -> Condition | None:
    if criterion is None:
        return None
    like_ = None if criterion.like_ is None else like(column, criterion.like_)
    return combine(Operator.and_, [any_of(column, criterion.any_), like_])


def values(column: Column, criterion: ValueFilter | None) -> Condition | None:
    if criterion is None:
        return None
    return combine(Operator.and_, [any_of(column, criterion.any_), none_of(column, criterion.not_any_)])


def references(column: Column, criterion: ReferenceFilter | WorkQueueNameFilter | None) -> Condition | None:
    """A nullable reference (or name): `any_` and `is_null_`, joined with the criterion's operator."""
    if criterion is None:
        return None
    return combine(criterion.operator, [any_of(column, criterion.any_), is_null(column, criterion.is_null_)])


def time_range(column: Column, criterion: TimeFilter | None) -> Condition | None:
    """Inclusive bounds: `before_` = at or before, `after_` = at or after."""
    if criterion is None:
        return None
    return combine(Operator.and_, [
        None if criterion.before_ is None else column <= criterion.before_,
        None if criterion.after_ is None else column >= criterion.after_,
        is_null(column, criterion.is_null_),
    ])


# -- tags (a JSON array of strings) -----------------------------------------------------------


def _sqlite_has_tag(column: Column, tag_condition: Any) -> Condition:
    """EXISTS over the elements of a SQLite JSON array (correlated to the outer row)."""
    elements = sa.func.json_each(column).table_valued("value")
    return sa.exists().where(tag_condition(elements.c.value))


def tags_all(dialect: str, column: Column, tags: Sequence[str]) -> Condition:
    """The JSON array in `column` contains every one of `tags`."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import JSONB  # loaded only by a PostgreSQL server

        return column.op("@>")(sa.cast(list(tags), JSONB))
    return sa.and_(sa.true(), *(_sqlite_has_tag(column, lambda value, tag=tag: value == tag) for tag in tags))


def tags_any(dialect: str, column: Column, tags: Sequence[str]) -> Condition:
    """The JSON array in `column` contains at least one of `tags`."""
    if dialect == "postgresql":
        return column.op("?|")(sa.cast(list(tags), sa.ARRAY(sa.String)))
    return _sqlite_has_tag(column, lambda value: value.in_(list(tags)))


def tags_empty(dialect: str, column: Column) -> Condition:
    """The column is NULL or an empty JSON array."""
    length = sa.func.jsonb_array_length if dialect == "postgresql" else sa.func.json_array_length
    return sa.or_(column.is_(None), length(column) == 0)


def tags(dialect: str, column: Column, criterion: TagsFilter | None) -> Condition | None:
    """A `TagsFilter`: `all_`, `any_` and `is_null_` (true: no tags), joined with its operator."""
    if criterion is None:
        return None
    empty = None if criterion.is_null_ is None else tags_empty(dialect, column)
    return combine(criterion.operator, [
        None if criterion.all_ is None else tags_all(dialect, column, criterion.all_),
        None if criterion.any_ is None else tags_any(dialect, column, criterion.any_),
        None if empty is None else (empty if criterion.is_null_ else sa.not_(empty)),
    ])


# -- runs' state ------------------------------------------------------------------------------


def run_state(table: sa.Table, criterion: StateFilter | None) -> Condition | None:
    """A run's current state type and name (its denormalised `state_type`/`state_name`)."""
    if criterion is None:
        return None
    state_type, state_name = table.c.state_type, table.c.state_name
    type_filter, name_filter = criterion.type, criterion.name
    return combine(criterion.operator, [
        None if type_filter is None else combine(Operator.and_, [
            any_of(state_type, _enum_values(type_filter.any_)),
            none_of(state_type, _enum_values(type_filter.not_any_)),
        ]),
        None if name_filter is None else combine(Operator.and_, [
            any_of(state_name, name_filter.any_), none_of(state_name, name_filter.not_any_),
        ]),
    ])


def _enum_values(members: Sequence[Any] | None) -> list[str] | None:
    return None if members is None else [member.value for member in members]


# -- one resource's own columns ---------------------------------------------------------------


def flow_condition(dialect: str, criterion: FlowFilter | None) -> Condition | None:
    if criterion is None:
        return None
    return combine(criterion.operator, [
        ids(_flow.id, criterion.id),
        names(_flow.name, criterion.name),
        tags(dialect, _flow.tags, criterion.tags),
    ])


def _parent_flow_runs(criterion: ReferenceFilter | None) -> Condition | None:
    """Subflow runs whose parent task run belongs to one of the given flow runs."""
    if criterion is None:
        return None
    parents = None
    if criterion.any_ is not None:
        parent_tasks = sa.select(_other_task_run.id).where(_other_task_run.flow_run_id.in_(criterion.any_))
        parents = _flow_run.parent_task_run_id.in_(parent_tasks)
    return combine(criterion.operator, [parents, is_null(_flow_run.parent_task_run_id, criterion.is_null_)])


def flow_run_condition(dialect: str, criterion: FlowRunFilter | None) -> Condition | None:
    if criterion is None:
        return None
    return combine(criterion.operator, [
        ids(_flow_run.id, criterion.id),
        names(_flow_run.name, criterion.name),
        tags(dialect, _flow_run.tags, criterion.tags),
        references(_flow_run.deployment_id, criterion.deployment_id),
        references(_flow_run.work_queue_name, criterion.work_queue_name),
        run_state(tables.flow_run, criterion.state),
        values(_flow_run.flow_version, criterion.flow_version),
        time_range(_flow_run.start_time, criterion.start_time),
        time_range(_flow_run.end_time, criterion.end_time),
        time_range(_flow_run.expected_start_time, criterion.expected_start_time),
        time_range(_flow_run.next_scheduled_start_time, criterion.next_scheduled_start_time),
        _parent_flow_runs(criterion.parent_flow_run_id),
        references(_flow_run.parent_task_run_id, criterion.parent_task_run_id),
        values(_flow_run.idempotency_key, criterion.idempotency_key),
    ])


def _subflow_runs(criterion: SubflowRunsFilter | None) -> Condition | None:
    """Whether a task run stands for a subflow run (a flow run names it as its parent)."""
    if criterion is None or criterion.exists_ is None:
        return None
    subflow = sa.exists().where(_other_flow_run.parent_task_run_id == _task_run.id)
    return subflow if criterion.exists_ else sa.not_(subflow)


def task_run_condition(dialect: str, criterion: TaskRunFilter | None) -> Condition | None:
    if criterion is None:
        return None
    return combine(criterion.operator, [
        ids(_task_run.id, criterion.id),
        names(_task_run.name, criterion.name),
        tags(dialect, _task_run.tags, criterion.tags),
        run_state(tables.task_run, criterion.state),
        time_range(_task_run.start_time, criterion.start_time),
        time_range(_task_run.end_time, criterion.end_time),
        _subflow_runs(criterion.subflow_runs),
        references(_task_run.flow_run_id, criterion.flow_run_id),
    ])


# -- a filter route's body: the resource and its related resources ----------------------------


def flows_where(dialect: str, flows: FlowFilter | None = None, flow_runs: FlowRunFilter | None = None,
                task_runs: TaskRunFilter | None = None) -> Condition:
    """Flows matching `flows` that have a run matching `flow_runs` with a task run matching `task_runs`."""
    conditions = [flow_condition(dialect, flows)]
    if flow_runs is not None or task_runs is not None:
        runs = sa.select(_flow_run.id).where(_flow_run.flow_id == _flow.id,
                                             where(flow_run_condition(dialect, flow_runs)))
        if task_runs is not None:
            runs = runs.join(tables.task_run, _task_run.flow_run_id == _flow_run.id).where(
                where(task_run_condition(dialect, task_runs)))
        conditions.append(runs.exists())
    return where(combine(Operator.and_, conditions))


def flow_runs_where(dialect: str, flows: FlowFilter | None = None, flow_runs: FlowRunFilter | None = None,
                    task_runs: TaskRunFilter | None = None) -> Condition:
    """Flow runs matching `flow_runs`, of a flow matching `flows`, with a task run matching `task_runs`."""
    conditions = [flow_run_condition(dialect, flow_runs)]
    if flows is not None:
        conditions.append(_flow_run.flow_id.in_(sa.select(_flow.id).where(where(flow_condition(dialect, flows)))))
    if task_runs is not None:
        conditions.append(sa.exists().where(_task_run.flow_run_id == _flow_run.id,
                                            where(task_run_condition(dialect, task_runs))))
    return where(combine(Operator.and_, conditions))


def task_runs_where(dialect: str, flows: FlowFilter | None = None, flow_runs: FlowRunFilter | None = None,
                    task_runs: TaskRunFilter | None = None) -> Condition:
    """Task runs matching `task_runs` whose flow run matches `flow_runs` and whose flow matches `flows`."""
    conditions = [task_run_condition(dialect, task_runs)]
    if flows is not None or flow_runs is not None:
        runs = sa.select(_flow_run.id).where(where(flow_run_condition(dialect, flow_runs)))
        if flows is not None:
            runs = runs.join(tables.flow, _flow.id == _flow_run.flow_id).where(where(flow_condition(dialect, flows)))
        conditions.append(_task_run.flow_run_id.in_(runs))
    return where(combine(Operator.and_, conditions))
