"""Automations, stored faithfully so that `prefect automation ls/inspect` and the UI show them.

The trigger and actions are kept as the JSON documents the client sent; their shape is checked
only as far as telling a trigger and an action apart (a `type` each), since this server does not
evaluate triggers or run actions.
"""

from __future__ import annotations

import enum
from typing import Annotated, Any

import msgspec

from asgi_api.server.schemas.core import StoredObject
from asgi_api.server.schemas.fields import DateTime

TRIGGER_TYPES = ("event", "compound", "sequence", "metric")

Document = dict[str, Any]
# What `_AutomationFields.__post_init__` checks, said in the schema too (OpenAPI).
Trigger = Annotated[Document, msgspec.Meta(extra_json_schema={
    "required": ["type"], "properties": {"type": {"enum": list(TRIGGER_TYPES)}}})]
Action = Annotated[Document, msgspec.Meta(extra_json_schema={
    "required": ["type"], "properties": {"type": {"type": "string"}}})]


class _AutomationFields(msgspec.Struct, kw_only=True):
    name: str
    description: str = ""
    enabled: bool = True
    tags: list[str] = msgspec.field(default_factory=list)
    trigger: Trigger
    actions: list[Action]
    actions_on_trigger: list[Action] = msgspec.field(default_factory=list)
    actions_on_resolve: list[Action] = msgspec.field(default_factory=list)

    def __post_init__(self) -> None:
        # Raised here, msgspec reports a validation error of the body: a 422.
        if self.trigger.get("type") not in TRIGGER_TYPES:
            raise ValueError(f"trigger.type must be one of {', '.join(TRIGGER_TYPES)}")
        for action in (*self.actions, *self.actions_on_trigger, *self.actions_on_resolve):
            if not isinstance(action.get("type"), str):
                raise ValueError("every action needs a type")


class AutomationCreate(_AutomationFields, kw_only=True):
    """`POST /automations/`."""

    owner_resource: str | None = None


class AutomationUpdate(_AutomationFields, kw_only=True):
    """`PUT /automations/{id}`: the whole automation."""


class AutomationPartialUpdate(msgspec.Struct, kw_only=True):
    """`PATCH /automations/{id}`: switch it on or off."""

    enabled: bool = True


class Automation(StoredObject, kw_only=True):
    name: str
    description: str
    enabled: bool
    tags: list[str]
    trigger: Document
    actions: list[Document]
    actions_on_trigger: list[Document]
    actions_on_resolve: list[Document]


class AutomationNameFilter(msgspec.Struct, kw_only=True):
    any_: list[str] | None = None


class AutomationCreatedFilter(msgspec.Struct, kw_only=True):
    before_: DateTime | None = None


class AutomationTagsFilter(msgspec.Struct, kw_only=True):
    all_: list[str] | None = None
    any_: list[str] | None = None
    is_null_: bool | None = None


class AutomationFilter(msgspec.Struct, kw_only=True):
    name: AutomationNameFilter | None = None
    created: AutomationCreatedFilter | None = None
    tags: AutomationTagsFilter | None = None


class AutomationSort(str, enum.Enum):
    """Default: NAME_ASC."""

    CREATED_DESC = "CREATED_DESC"
    UPDATED_DESC = "UPDATED_DESC"
    NAME_ASC = "NAME_ASC"
    NAME_DESC = "NAME_DESC"
