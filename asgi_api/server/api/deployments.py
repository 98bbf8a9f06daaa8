"""`/deployments`: `flow.serve()` and `deploy()` register deployments, `prefect deployment run`
makes runs from them, and the serving process polls for the runs that are due."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Annotated, Any
from uuid import UUID

import msgspec
from starlette.responses import Response

from asgi_api.exceptions import HTTPException
from asgi_api.params import Body, Depends
from asgi_api.routing import APIRouter
from asgi_api.server.api.limits import Limit, Offset, Page, resolve_limit, resolve_offset
from asgi_api.server.database import Session, utcnow
from asgi_api.server.dependencies import read_session, write_session
from asgi_api.server.models import deployments as models
from asgi_api.server.models import workers as worker_models
from asgi_api.server.schemas.core import FlowRun
from asgi_api.server.schemas.deployments import (
    Deployment,
    DeploymentCreate,
    DeploymentFlowRunCreate,
    DeploymentPaginationResponse,
    DeploymentSchedule,
    DeploymentScheduleCreate,
    DeploymentScheduleUpdate,
    DeploymentSort,
    DeploymentUpdate,
)
from asgi_api.server.schemas.fields import DateTime
from asgi_api.server.schemas.filters import DeploymentFilter, FlowFilter
from asgi_api.server.schemas.parameter_schema import CircularSchemaError, parameter_error

router = APIRouter(prefix="/deployments", tags=["Deployments"])

DEFAULT_SORT = DeploymentSort.NAME_ASC


def _not_found() -> HTTPException:
    return HTTPException(404, "Deployment not found")


async def _pool_exists(session: Session, work_pool_name: str | None | msgspec.UnsetType) -> None:
    """A deployment may name only a pool that exists (Prefect's 404 with `detail`)."""
    if isinstance(work_pool_name, str) and work_pool_name and await worker_models.read_work_pool(
            session, work_pool_name) is None:
        raise HTTPException(404, f'Work pool "{work_pool_name}" not found.')


def _check_parameters(context: str, parameters: Any, schema: Any, *, ignore_required: bool) -> None:
    """Prefect's 409 for parameters the schema refuses (or for no schema to check them against)."""
    if not isinstance(schema, dict):
        raise HTTPException(409, "Error updating deployment: Cannot update parameters because parameter schema "
                                 "enforcement is enabled and the deployment does not have a valid parameter schema.")
    try:
        error = parameter_error(parameters, schema, ignore_required=ignore_required)
    except CircularSchemaError as exc:
        raise HTTPException(422, str(exc)) from exc
    if error is not None:
        raise HTTPException(409, f"{context}: {error}")


@router.post("/")
async def create_deployment(deployment: DeploymentCreate, response: Response,
                            session: Session = Depends(write_session)) -> Deployment:
    """Upsert on (flow, name): 201 with a new deployment, 200 with the overwritten one."""
    await _pool_exists(session, deployment.work_pool_name)
    model, created = await models.create_deployment(session, deployment)
    response.status_code = 201 if created else 200
    return model


@router.get("/{id:uuid}")
async def read_deployment(id: UUID, session: Session = Depends(read_session)) -> Deployment:
    deployment = await models.read_deployment(session, id)
    if deployment is None:
        raise _not_found()
    return deployment


@router.get("/name/{flow_name}/{deployment_name}")
async def read_deployment_by_name(flow_name: str, deployment_name: str,
                                  session: Session = Depends(read_session)) -> Deployment:
    deployment = await models.read_deployment_by_name(session, flow_name, deployment_name)
    if deployment is None:
        raise _not_found()
    return deployment


@router.patch("/{id:uuid}", status_code=204)
async def update_deployment(id: UUID, deployment: DeploymentUpdate, session: Session = Depends(write_session)) -> None:
    """Only the sent fields change; 409 when the deployment's (new or kept) parameters break its
    (new or kept) schema while it enforces it."""
    await _pool_exists(session, deployment.work_pool_name)
    existing = await models.read_deployment(session, id)
    if existing is None:
        raise HTTPException(404, "Deployment not found.")
    enforce = deployment.enforce_parameter_schema
    if enforce if isinstance(enforce, bool) else existing.enforce_parameter_schema:
        parameters = existing.parameters if isinstance(deployment.parameters, msgspec.UnsetType) \
            else deployment.parameters
        _check_parameters("Error updating deployment", parameters,
                          deployment.parameter_openapi_schema or existing.parameter_openapi_schema,
                          ignore_required=True)
    if not await models.update_deployment(session, id, deployment):
        raise HTTPException(404, "Deployment not found.")


@router.delete("/{id:uuid}", status_code=204)
async def delete_deployment(id: UUID, session: Session = Depends(write_session)) -> None:
    if not await models.delete_deployment(session, id):
        raise _not_found()


@router.post("/filter")
async def read_deployments(
    limit: Limit | None = Body(None),
    offset: Offset | None = Body(None),
    flows: FlowFilter | None = Body(None),
    deployments: DeploymentFilter | None = Body(None),
    sort: DeploymentSort | None = Body(None),
    session: Session = Depends(read_session),
) -> list[Deployment]:
    return await models.read_deployments(session, flows, deployments, sort or DEFAULT_SORT,
                                         resolve_limit(limit), resolve_offset(offset))


@router.post("/count")
async def count_deployments(flows: FlowFilter | None = Body(None), deployments: DeploymentFilter | None = Body(None),
                            session: Session = Depends(read_session)) -> int:
    return await models.count_deployments(session, flows, deployments)


@router.post("/paginate")
async def paginate_deployments(
    limit: Limit | None = Body(None),
    page: Page | None = Body(None),
    flows: FlowFilter | None = Body(None),
    deployments: DeploymentFilter | None = Body(None),
    sort: DeploymentSort | None = Body(None),
    session: Session = Depends(read_session),
) -> DeploymentPaginationResponse:
    limit, page = resolve_limit(limit), page or 1
    results = await models.read_deployments(session, flows, deployments, sort or DEFAULT_SORT,
                                             limit, (page - 1) * limit)
    count = await models.count_deployments(session, flows, deployments)
    return DeploymentPaginationResponse(results=results, count=count, limit=limit,
                                        pages=math.ceil(count / limit) if limit else 0, page=page)


@router.post("/get_scheduled_flow_runs")
async def get_scheduled_flow_runs(
    deployment_ids: list[UUID] = Body(...),
    scheduled_before: DateTime | None = Body(None),
    limit: Limit | None = Body(None),
    session: Session = Depends(write_session),
) -> list[FlowRun]:
    """The due SCHEDULED runs of these deployments, soonest first (polled by `serve`)."""
    return await models.scheduled_flow_runs(session, deployment_ids, scheduled_before, resolve_limit(limit))


@router.post("/{id:uuid}/create_flow_run")
async def create_flow_run(id: UUID, flow_run: DeploymentFlowRunCreate, response: Response,
                          session: Session = Depends(write_session)) -> FlowRun:
    """201 with a new run (SCHEDULED now unless a state is sent); 200 for a known idempotency key.
    409 when the merged parameters break the deployment's schema and it (or the request) enforces it."""
    deployment = await models.read_deployment(session, id)
    if deployment is None:
        raise _not_found()
    enforce = deployment.enforce_parameter_schema if flow_run.enforce_parameter_schema is None \
        else flow_run.enforce_parameter_schema
    if enforce:
        _check_parameters("Error creating flow run", {**deployment.parameters, **flow_run.parameters},
                          deployment.parameter_openapi_schema, ignore_required=False)
    model, created = await models.create_flow_run(session, id, flow_run)
    response.status_code = 201 if created else 200
    return model


@router.post("/{id:uuid}/schedule", status_code=201)
async def schedule_deployment(
    id: UUID,
    start_time: DateTime | None = Body(None),
    end_time: DateTime | None = Body(None),
    min_time: float | None = Body(None),
    min_runs: Annotated[int, msgspec.Meta(ge=0)] | None = Body(None),
    max_runs: Annotated[int, msgspec.Meta(ge=0)] | None = Body(None),
    session: Session = Depends(write_session),
) -> None:
    """Make the runs the active schedules want now (what the scheduler service does on its own)."""
    if await models.read_deployment(session, id) is None:
        raise _not_found()
    start = start_time or utcnow()
    await models.schedule_runs(
        session, id, start=start, end=end_time or start + models.MAX_TIME,
        min_time=models.MIN_TIME if min_time is None else timedelta(seconds=min_time),
        min_runs=models.MIN_RUNS if min_runs is None else min_runs,
        max_runs=models.MAX_RUNS if max_runs is None else max_runs)


@router.post("/{id:uuid}/pause_deployment", status_code=204)
async def pause_deployment(id: UUID, session: Session = Depends(write_session)) -> None:
    if not await models.set_paused(session, id, True):
        raise _not_found()


@router.post("/{id:uuid}/resume_deployment", status_code=204)
async def resume_deployment(id: UUID, session: Session = Depends(write_session)) -> None:
    if not await models.set_paused(session, id, False):
        raise _not_found()


@router.get("/{id:uuid}/schedules")
async def read_schedules(id: UUID, session: Session = Depends(read_session)) -> list[DeploymentSchedule]:
    if await models.read_deployment(session, id) is None:
        raise _not_found()
    return await models.read_schedules(session, [id])


@router.post("/{id:uuid}/schedules", status_code=201)
async def create_schedules(id: UUID, schedules: list[DeploymentScheduleCreate],
                           session: Session = Depends(write_session)) -> list[DeploymentSchedule]:
    if await models.read_deployment(session, id) is None:
        raise _not_found()
    return await models.create_schedules(session, id, schedules)


@router.patch("/{id:uuid}/schedules/{schedule_id:uuid}", status_code=204)
async def update_schedule(id: UUID, schedule_id: UUID, schedule: DeploymentScheduleUpdate,
                          session: Session = Depends(write_session)) -> None:
    if await models.read_deployment(session, id) is None:
        raise _not_found()
    if not await models.update_schedule(session, id, schedule_id, schedule):
        raise HTTPException(404, "Schedule not found.")


@router.delete("/{id:uuid}/schedules/{schedule_id:uuid}", status_code=204)
async def delete_schedule(id: UUID, schedule_id: UUID, session: Session = Depends(write_session)) -> None:
    if await models.read_deployment(session, id) is None:
        raise _not_found()
    if not await models.delete_schedule(session, id, schedule_id):
        raise HTTPException(404, "Schedule not found.")
