"""The answer to a `set_state` proposal: a status, the resulting state and why.

Clients branch on `status` and on the `details.type` tag, so both are spelled exactly as
Prefect spells them.
"""

from __future__ import annotations

import enum
from typing import Union

import msgspec

from asgi_api.server.schemas.states import State


class SetStateStatus(str, enum.Enum):
    """ACCEPT: adopt the stored state; REJECT: adopt the returned one; ABORT: stop; WAIT: retry later."""

    ACCEPT = "ACCEPT"
    REJECT = "REJECT"
    ABORT = "ABORT"
    WAIT = "WAIT"


class AcceptDetails(msgspec.Struct, tag_field="type", tag="accept_details"):
    """The proposal was stored as is."""


class RejectDetails(msgspec.Struct, tag_field="type", tag="reject_details"):
    """The proposal was refused; the result's state is the one to adopt."""

    reason: str | None = None


class AbortDetails(msgspec.Struct, tag_field="type", tag="abort_details"):
    """The run must not go on (e.g. it left a terminal state without `force`)."""

    reason: str | None = None


class WaitDetails(msgspec.Struct, tag_field="type", tag="wait_details"):
    """Propose again after `delay_seconds` (whole seconds: Prefect's client rejects a fraction)."""

    delay_seconds: int
    reason: str | None = None


OrchestrationDetails = Union[AcceptDetails, RejectDetails, AbortDetails, WaitDetails]


class OrchestrationResult(msgspec.Struct, kw_only=True):
    """Body of `POST /flow_runs/{id}/set_state` and `POST /task_runs/{id}/set_state`."""

    state: State | None
    status: SetStateStatus
    details: OrchestrationDetails
