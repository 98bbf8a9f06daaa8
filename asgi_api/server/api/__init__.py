"""The reference REST API, one router module per resource; `API_ROUTERS` lists them in order."""

from __future__ import annotations

from asgi_api.routing import APIRouter
from asgi_api.server.api import (
    admin,
    artifacts,
    automations,
    block_documents,
    block_schemas,
    block_types,
    collections,
    concurrency,
    concurrency_limits,
    csrf,
    deployments,
    event_reads,
    events,
    flow_run_inputs,
    flow_run_states,
    flow_runs,
    flows,
    logs,
    root,
    saved_searches,
    task_run_states,
    task_runs,
    ui,
    variables,
    work_queues,
    workers,
)

API_ROUTERS: list[APIRouter] = [
    root.router, admin.router, automations.router, collections.router, csrf.router, logs.router, variables.router,
    events.router, event_reads.router, concurrency.router, concurrency_limits.router, artifacts.router,
    block_types.router, block_schemas.router, block_schemas.capabilities_router, block_documents.router,
    flows.router, flow_runs.router, flow_run_inputs.router, deployments.router, workers.router,
    work_queues.router, saved_searches.router, flow_run_states.router,
    task_runs.router, task_run_states.router, ui.router,
]
