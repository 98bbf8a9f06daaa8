"""`/artifacts`: what runs publish (markdown, tables, links, progress, images), and per key the latest."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import msgspec

from asgi_api.exceptions import HTTPException, RequestValidationError
from asgi_api.params import Body, Depends
from asgi_api.routing import APIRouter
from asgi_api.server.api.limits import Limit, Offset, resolve_limit, resolve_offset
from asgi_api.server.database import Session
from asgi_api.server.dependencies import read_session, write_session
from asgi_api.server.models import artifacts as models
from asgi_api.server.schemas.artifacts import (
    Artifact,
    ArtifactCollection,
    ArtifactCollectionFilter,
    ArtifactCreate,
    ArtifactFilter,
    ArtifactSort,
    ArtifactUpdate,
    data_error,
)
from asgi_api.server.schemas.filters import FlowFilter, FlowRunFilter, TaskRunFilter

router = APIRouter(prefix="/artifacts", tags=["Artifacts"])

NOT_FOUND = "Artifact not found."


@router.post("/", status_code=201)
async def create_artifact(artifact: ArtifactCreate, session: Session = Depends(write_session)) -> Artifact:
    _check_data(artifact.type, artifact.data, artifact)
    return await models.create_artifact(session, artifact)


@router.get("/{id:uuid}")
async def read_artifact(id: UUID, session: Session = Depends(read_session)) -> Artifact:
    artifact = await models.read_artifact(session, id)
    if artifact is None:
        raise HTTPException(404, NOT_FOUND)
    return artifact


@router.get("/{key}/latest")
async def read_latest_artifact(key: str, session: Session = Depends(read_session)) -> ArtifactCollection:
    artifact = await models.read_latest_artifact(session, key)
    if artifact is None:
        raise HTTPException(404, NOT_FOUND)
    return artifact


@router.patch("/{id:uuid}", status_code=204)
async def update_artifact(id: UUID, artifact: ArtifactUpdate, session: Session = Depends(write_session)) -> None:
    """Progress artifacts are moved on this way; new data must still fit the artifact's type."""
    stored = await models.read_artifact(session, id)
    if stored is None:
        raise HTTPException(404, NOT_FOUND)
    if artifact.data is not msgspec.UNSET:
        _check_data(stored.type, artifact.data, artifact)
    await models.update_artifact(session, id, artifact)


@router.delete("/{id:uuid}", status_code=204)
async def delete_artifact(id: UUID, session: Session = Depends(write_session)) -> None:
    if not await models.delete_artifact(session, id):
        raise HTTPException(404, NOT_FOUND)


@router.post("/filter")
async def read_artifacts(
    sort: ArtifactSort | None = Body(None),
    limit: Limit | None = Body(None),
    offset: Offset | None = Body(None),
    artifacts: ArtifactFilter | None = Body(None),
    flow_runs: FlowRunFilter | None = Body(None),
    task_runs: TaskRunFilter | None = Body(None),
    flows: FlowFilter | None = Body(None),
    session: Session = Depends(read_session),
) -> list[Artifact]:
    return await models.read_artifacts(session, artifacts, flow_runs, task_runs, flows, sort or ArtifactSort.ID_DESC,
                                       resolve_limit(limit), resolve_offset(offset))


@router.post("/latest/filter")
async def read_latest_artifacts(
    sort: ArtifactSort | None = Body(None),
    limit: Limit | None = Body(None),
    offset: Offset | None = Body(None),
    artifacts: ArtifactCollectionFilter | None = Body(None),
    flow_runs: FlowRunFilter | None = Body(None),
    task_runs: TaskRunFilter | None = Body(None),
    flows: FlowFilter | None = Body(None),
    session: Session = Depends(read_session),
) -> list[ArtifactCollection]:
    return await models.read_latest_artifacts(session, artifacts, flow_runs, task_runs, flows,
                                              sort or ArtifactSort.ID_DESC, resolve_limit(limit),
                                              resolve_offset(offset))


@router.post("/count")
async def count_artifacts(
    artifacts: ArtifactFilter | None = Body(None),
    flow_runs: FlowRunFilter | None = Body(None),
    task_runs: TaskRunFilter | None = Body(None),
    flows: FlowFilter | None = Body(None),
    session: Session = Depends(read_session),
) -> int:
    return await models.count_artifacts(session, artifacts, flow_runs, task_runs, flows)


@router.post("/latest/count")
async def count_latest_artifacts(
    artifacts: ArtifactCollectionFilter | None = Body(None),
    flow_runs: FlowRunFilter | None = Body(None),
    task_runs: TaskRunFilter | None = Body(None),
    flows: FlowFilter | None = Body(None),
    session: Session = Depends(read_session),
) -> int:
    return await models.count_latest_artifacts(session, artifacts, flow_runs, task_runs, flows)


def _check_data(artifact_type: str | None, data: Any, body: ArtifactCreate | ArtifactUpdate) -> None:
    """Data that cannot be shown as the artifact's type is a validation error of `data` (422)."""
    error = data_error(artifact_type, data)
    if error is not None:
        raise RequestValidationError([{"type": "value_error", "loc": ["body", "data"], "msg": f"Value error, {error}",
                                       "input": data}], body=msgspec.to_builtins(body))
