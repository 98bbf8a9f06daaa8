"""Artifacts and, per key, their latest version (the artifact collection).

The collection row is a copy of the latest artifact with that key, kept in step on every create,
update and delete, so that `/artifacts/latest/filter` is a plain query on one table.
"""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
import sqlalchemy as sa

from asgi_api.server.database import Session, tables, utcnow
from asgi_api.server.models import filters
from asgi_api.server.models.sorting import order_by
from asgi_api.server.schemas.artifacts import (
    Artifact,
    ArtifactCollection,
    ArtifactCollectionFilter,
    ArtifactCreate,
    ArtifactFilter,
    ArtifactIdFilter,
    ArtifactSort,
    ArtifactUpdate,
)
from asgi_api.server.schemas.filters import FlowFilter, FlowRunFilter, Operator, TaskRunFilter

_artifact = tables.artifact
_collection = tables.artifact_collection
_COPIED = ("type", "description", "data", "metadata_", "flow_run_id", "task_run_id")


async def create_artifact(session: Session, artifact: ArtifactCreate) -> Artifact:
    """Store the artifact; with a key, it becomes that key's latest version."""
    now = utcnow()
    values = {"id": uuid.uuid4(), "created": now, "updated": now, "key": artifact.key,
              **{name: getattr(artifact, name) for name in _COPIED}}
    row = await session.fetch_one(sa.insert(_artifact).values(values).returning(*_artifact.c))
    assert row is not None
    if artifact.key is not None:
        latest = {name: values[name] for name in ("updated", *_COPIED)}
        upsert = session.insert(_collection).values(
            id=uuid.uuid4(), created=now, key=artifact.key, latest_id=values["id"], **latest)
        await session.execute(upsert.on_conflict_do_update(index_elements=[_collection.c.key],
                                                           set_={"latest_id": values["id"], **latest}))
    return msgspec.convert(row, Artifact)


async def read_artifact(session: Session, artifact_id: uuid.UUID) -> Artifact | None:
    row = await session.fetch_one(sa.select(_artifact).where(_artifact.c.id == artifact_id))
    return None if row is None else msgspec.convert(row, Artifact)


async def read_latest_artifact(session: Session, key: str) -> ArtifactCollection | None:
    row = await session.fetch_one(sa.select(_collection).where(_collection.c.key == key))
    return None if row is None else msgspec.convert(row, ArtifactCollection)


async def update_artifact(session: Session, artifact_id: uuid.UUID, update: ArtifactUpdate) -> bool:
    """Change the sent fields of the artifact, and of its key's latest version if it is that one."""
    values: dict[str, Any] = {name: getattr(update, name) for name in update.__struct_fields__
                              if getattr(update, name) is not msgspec.UNSET}
    values["updated"] = utcnow()
    changed = await session.fetch_one(sa.update(_artifact).where(_artifact.c.id == artifact_id)
                                      .values(values).returning(_artifact.c.id))
    if changed is not None:
        await session.execute(sa.update(_collection).where(_collection.c.latest_id == artifact_id).values(values))
    return changed is not None


async def delete_artifact(session: Session, artifact_id: uuid.UUID) -> bool:
    """Delete an artifact; when it was its key's latest version, the previous one takes over."""
    row = await session.fetch_one(sa.delete(_artifact).where(_artifact.c.id == artifact_id)
                                  .returning(_artifact.c.key))
    if row is None:
        return False
    key = row["key"]
    if key is not None:
        previous = await session.fetch_one(sa.select(_artifact).where(_artifact.c.key == key)
                                           .order_by(_artifact.c.created.desc(), _artifact.c.id.desc()).limit(1))
        is_latest = _collection.c.latest_id == artifact_id
        if previous is None:
            await session.execute(sa.delete(_collection).where(is_latest))
        else:
            await session.execute(sa.update(_collection).where(is_latest).values(
                latest_id=previous["id"], created=previous["created"], updated=previous["updated"],
                **{name: previous[name] for name in _COPIED}))
    return True


async def read_artifacts(session: Session, artifacts: ArtifactFilter | None, flow_runs: FlowRunFilter | None,
                         task_runs: TaskRunFilter | None, flows: FlowFilter | None, sort: ArtifactSort,
                         limit: int, offset: int) -> list[Artifact]:
    where = _where(_artifact, session.dialect, artifacts, flow_runs, task_runs, flows)
    query = sa.select(_artifact).where(where).order_by(*order_by(_artifact, sort)).limit(limit).offset(offset)
    return [msgspec.convert(row, Artifact) for row in await session.fetch_all(query)]


async def count_artifacts(session: Session, artifacts: ArtifactFilter | None, flow_runs: FlowRunFilter | None,
                          task_runs: TaskRunFilter | None, flows: FlowFilter | None) -> int:
    where = _where(_artifact, session.dialect, artifacts, flow_runs, task_runs, flows)
    return int(await session.fetch_val(sa.select(sa.func.count()).select_from(_artifact).where(where)))


async def read_latest_artifacts(session: Session, artifacts: ArtifactCollectionFilter | None,
                                flow_runs: FlowRunFilter | None, task_runs: TaskRunFilter | None,
                                flows: FlowFilter | None, sort: ArtifactSort, limit: int,
                                offset: int) -> list[ArtifactCollection]:
    where = _where(_collection, session.dialect, artifacts, flow_runs, task_runs, flows)
    query = sa.select(_collection).where(where).order_by(*order_by(_collection, sort)).limit(limit).offset(offset)
    return [msgspec.convert(row, ArtifactCollection) for row in await session.fetch_all(query)]


async def count_latest_artifacts(session: Session, artifacts: ArtifactCollectionFilter | None,
                                 flow_runs: FlowRunFilter | None, task_runs: TaskRunFilter | None,
                                 flows: FlowFilter | None) -> int:
    where = _where(_collection, session.dialect, artifacts, flow_runs, task_runs, flows)
    return int(await session.fetch_val(sa.select(sa.func.count()).select_from(_collection).where(where)))


def _where(table: sa.Table, dialect: str, artifacts: ArtifactFilter | ArtifactCollectionFilter | None,
           flow_runs: FlowRunFilter | None, task_runs: TaskRunFilter | None,
           flows: FlowFilter | None) -> sa.ColumnElement[bool]:
    """The artifact criteria, and EXISTS subqueries for the run and flow filters."""
    column = table.c
    conditions = [_artifact_condition(table, artifacts)]
    if flow_runs is not None or flows is not None:
        flow_run = tables.flow_run
        runs = sa.select(flow_run.c.id).where(flow_run.c.id == column.flow_run_id,
                                              filters.where(filters.flow_run_condition(dialect, flow_runs)))
        if flows is not None:
            runs = runs.join(tables.flow, tables.flow.c.id == flow_run.c.flow_id).where(
                filters.where(filters.flow_condition(dialect, flows)))
        conditions.append(runs.exists())
    if task_runs is not None:
        task_run = tables.task_run
        condition = filters.where(filters.task_run_condition(dialect, task_runs))
        conditions.append(sa.select(task_run.c.id).where(task_run.c.id == column.task_run_id, condition).exists())
    return filters.where(filters.combine(Operator.and_, conditions))


def _artifact_condition(table: sa.Table,
                        criterion: ArtifactFilter | ArtifactCollectionFilter | None) -> sa.ColumnElement[bool] | None:
    if criterion is None:
        return None
    column = table.c
    own_id = (filters.any_of(column.id, _any(criterion.id)) if isinstance(criterion, ArtifactFilter)
              else filters.any_of(column.latest_id, _any(criterion.latest_id)))
    key, kind = criterion.key, criterion.type
    return filters.combine(criterion.operator, [
        own_id,
        None if key is None else filters.combine(Operator.and_, [
            filters.any_of(column.key, key.any_),
            # Prefect passes `like_` to ILIKE as it is: SQL wildcards in it are wildcards.
            None if not key.like_ else sa.func.lower(column.key).like(f"%{key.like_.lower()}%"),
            None if key.exists_ is None else filters.is_null(column.key, not key.exists_),
        ]),
        filters.any_of(column.flow_run_id, _any(criterion.flow_run_id)),
        filters.any_of(column.task_run_id, _any(criterion.task_run_id)),
        None if kind is None else filters.combine(Operator.and_, [
            filters.any_of(column.type, kind.any_),
            # As in Prefect, NOT IN drops artifacts without a type too; an empty list filters nothing.
            filters.none_of(column.type, kind.not_any_) if kind.not_any_ else None,
        ]),
    ])


def _any(criterion: ArtifactIdFilter | None) -> list[uuid.UUID] | None:
    return None if criterion is None else criterion.any_
