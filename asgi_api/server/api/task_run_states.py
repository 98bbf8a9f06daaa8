"""`/task_run_states`: a task run's state history, as the UI's task-run page shows it."""

from __future__ import annotations

from uuid import UUID

from asgi_api.exceptions import HTTPException
from asgi_api.params import Depends, Query
from asgi_api.routing import APIRouter
from asgi_api.server.database import Session
from asgi_api.server.dependencies import read_session
from asgi_api.server.models.states import TASK_RUNS, read_state, read_states
from asgi_api.server.schemas.states import State

router = APIRouter(prefix="/task_run_states", tags=["Task Run States"])


@router.get("/")
async def read_task_run_states(task_run_id: UUID = Query(...), session: Session = Depends(read_session)) -> list[State]:
    """Every state of the task run, oldest first (none for an unknown run)."""
    return await read_states(session, TASK_RUNS, task_run_id)


@router.get("/{id:uuid}")
async def read_task_run_state(id: UUID, session: Session = Depends(read_session)) -> State:
    state = await read_state(session, TASK_RUNS, id)
    if state is None:
        raise HTTPException(404, "Task run state not found")
    return state
