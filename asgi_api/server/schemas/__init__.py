"""msgspec Structs of the reference REST API's wire format (Prefect 3 compatible).

Shared data for `routes/` (HTTP) and `models/` (SQL); nothing here talks to either. Filters and
sort orders are re-exported from their own modules' namespaces: `schemas.filters`,
`schemas.sorting`.
"""

from asgi_api.server.schemas import filters, sorting
from asgi_api.server.schemas.actions import (
    FlowCreate,
    FlowRunCreate,
    FlowRunUpdate,
    FlowUpdate,
    LogCreate,
    TaskRunCreate,
    VariableCreate,
    VariableUpdate,
    variable_value_too_long,
)
from asgi_api.server.schemas.concurrency import (
    ConcurrencyLeaseHolder,
    ConcurrencyLeaseRelease,
    ConcurrencyLeaseRequest,
    ConcurrencyLeaseResponse,
    MinimalConcurrencyLimit,
)
from asgi_api.server.schemas.core import CreatedBy, Flow, FlowRun, Log, StoredObject, TaskRun, Variable
from asgi_api.server.schemas.events import Event, EventsAuth, RelatedResource, Resource, object_id
from asgi_api.server.schemas.fields import DateTime, utc_now
from asgi_api.server.schemas.names import generate_run_name
from asgi_api.server.schemas.orchestration import (
    AbortDetails,
    AcceptDetails,
    OrchestrationDetails,
    OrchestrationResult,
    RejectDetails,
    SetStateStatus,
    WaitDetails,
)
from asgi_api.server.schemas.policies import FlowRunPolicy, TaskRunPolicy
from asgi_api.server.schemas.responses import CsrfToken, FlowPaginationResponse
from asgi_api.server.schemas.states import (
    TERMINAL_STATE_TYPES,
    State,
    StateCreate,
    StateDetails,
    StateType,
    default_state_name,
    state_from_proposal,
)
from asgi_api.server.schemas.task_inputs import Constant, FlowRunResult, Parameter, TaskRunInput, TaskRunResult

__all__ = [
    "AbortDetails", "AcceptDetails", "ConcurrencyLeaseHolder", "ConcurrencyLeaseRelease",
    "ConcurrencyLeaseRequest", "ConcurrencyLeaseResponse", "Constant", "CreatedBy", "CsrfToken",
    "DateTime", "Event", "EventsAuth", "Flow", "FlowCreate", "FlowPaginationResponse", "FlowRun",
    "FlowRunCreate", "FlowRunPolicy", "FlowRunResult", "FlowRunUpdate", "FlowUpdate", "Log",
    "LogCreate", "MinimalConcurrencyLimit", "OrchestrationDetails", "OrchestrationResult",
    "Parameter", "RejectDetails", "RelatedResource", "Resource", "SetStateStatus", "State",
    "StateCreate", "StateDetails", "StateType", "StoredObject", "TERMINAL_STATE_TYPES", "TaskRun",
    "TaskRunCreate", "TaskRunInput", "TaskRunPolicy", "TaskRunResult", "Variable",
    "VariableCreate", "VariableUpdate", "WaitDetails", "default_state_name", "filters",
    "generate_run_name", "object_id", "sorting", "state_from_proposal", "utc_now",
    "variable_value_too_long",
]
