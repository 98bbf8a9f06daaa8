"""Events clients emit over `/events/in` and `POST /events`.

Since Prefect 3 task runs are reported only as events, so these shapes are how the server learns
about them. A resource is a flat string map rather than a Struct because its keys are open-ended
labels; only `prefect.resource.id` (and `prefect.resource.role` on related resources) is required.
"""

from __future__ import annotations

import enum
from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec

from asgi_api.server.schemas.fields import DateTime

RESOURCE_ID = "prefect.resource.id"
RESOURCE_ROLE = "prefect.resource.role"

# The required labels (non-empty) are checked in `Event.__post_init__`; the schema says so too (OpenAPI).
_LABEL = {"type": "string", "minLength": 1}
Resource = Annotated[dict[str, str], msgspec.Meta(extra_json_schema={
    "required": [RESOURCE_ID], "properties": {RESOURCE_ID: _LABEL}})]
RelatedResource = Annotated[dict[str, str], msgspec.Meta(extra_json_schema={
    "required": [RESOURCE_ID, RESOURCE_ROLE], "properties": {RESOURCE_ID: _LABEL, RESOURCE_ROLE: _LABEL}})]


class Event(msgspec.Struct, kw_only=True):
    """One event, e.g. `prefect.task-run.Completed` about resource `prefect.task-run.<uuid>`."""

    id: UUID
    occurred: DateTime
    event: str
    resource: Resource
    related: list[RelatedResource] = msgspec.field(default_factory=list)
    payload: dict[str, Any] = msgspec.field(default_factory=dict)
    follows: UUID | None = None

    def __post_init__(self) -> None:
        # Raised here, msgspec reports a ValidationError, so a malformed event is a 422.
        if not self.resource.get(RESOURCE_ID):
            raise ValueError(f"resource must have a non-empty {RESOURCE_ID!r}")
        for related in self.related:
            if not related.get(RESOURCE_ID) or not related.get(RESOURCE_ROLE):
                raise ValueError(f"related resources need {RESOURCE_ID!r} and {RESOURCE_ROLE!r}")

    def related_with_role(self, role: str) -> list[RelatedResource]:
        """The related resources playing `role` (e.g. the `flow-run` of a task-run event)."""
        return [related for related in self.related if related[RESOURCE_ROLE] == role]


def object_id(resource: Resource, kind: str) -> UUID | None:
    """The UUID in a resource id `prefect.<kind>.<uuid>`; None when it names something else."""
    prefix = f"prefect.{kind}."
    value = resource[RESOURCE_ID]
    if not value.startswith(prefix):
        return None
    try:
        return UUID(value[len(prefix):])
    except ValueError:
        return None


class EventsAuth(msgspec.Struct, kw_only=True):
    """The first frame on `/events/in`; the token is the configured auth string or null."""

    type: Literal["auth"]
    token: str | None = None


# -- subscribing: the filter frame of `/events/out` -------------------------------------------------


class EventOccurredFilter(msgspec.Struct, kw_only=True):
    since: DateTime | None = None
    until: DateTime | None = None


class EventNameFilter(msgspec.Struct, kw_only=True):
    prefix: list[str] | None = None
    exclude_prefix: list[str] | None = None
    name: list[str] | None = None
    exclude_name: list[str] | None = None

    def matches(self, event: str) -> bool:
        return ((self.prefix is None or event.startswith(tuple(self.prefix)))
                and (self.exclude_prefix is None or not event.startswith(tuple(self.exclude_prefix)))
                and (self.name is None or event in self.name)
                and (self.exclude_name is None or event not in self.exclude_name))


class EventResourceFilter(msgspec.Struct, kw_only=True):
    """On a resource id: one of `id`, or starting with one of `id_prefix`."""

    id: list[str] | None = None
    id_prefix: list[str] | None = None

    def matches(self, resource: Resource) -> bool:
        resource_id = resource[RESOURCE_ID]
        return ((self.id is None or resource_id in self.id)
                and (self.id_prefix is None or resource_id.startswith(tuple(self.id_prefix))))


class EventRelatedFilter(msgspec.Struct, kw_only=True):
    """On the related resources: one of them has one of these ids."""

    id: list[str] | None = None


class EventIdFilter(msgspec.Struct, kw_only=True):
    id: list[UUID] | None = None


class EventFilter(msgspec.Struct, kw_only=True):
    """What a `/events/out` subscriber wants: the keys Prefect's clients send to follow runs
    (`occurred`, `event`, `resource`, `any_resource`: the event's or a related resource)."""

    occurred: EventOccurredFilter = msgspec.field(default_factory=EventOccurredFilter)
    event: EventNameFilter | None = None
    resource: EventResourceFilter | None = None
    any_resource: EventResourceFilter | None = None
    # Read by `/events/filter` and `/events/count-by` only:
    related: EventRelatedFilter | None = None
    id: EventIdFilter | None = None
    order: Literal["ASC", "DESC"] = "DESC"

    def matches(self, event: Event) -> bool:
        any_resource = self.any_resource
        return ((self.event is None or self.event.matches(event.event))
                and (self.resource is None or self.resource.matches(event.resource))
                and (any_resource is None or any(any_resource.matches(resource)
                                                 for resource in (event.resource, *event.related))))


class EventsSubscription(msgspec.Struct, kw_only=True):
    """The frame after authentication on `/events/out`."""

    type: Literal["filter"]
    filter: EventFilter = msgspec.field(default_factory=EventFilter)


# -- reading stored events ------------------------------------------------------------------------


class ReceivedEvent(Event, kw_only=True):
    """A stored event, with when the server received it."""

    received: DateTime


class EventPage(msgspec.Struct, kw_only=True):
    """`POST /events/filter`: one page, how many match in all, and the URL of the next page."""

    events: list[ReceivedEvent]
    total: int
    next_page: str | None = None


class Countable(str, enum.Enum):
    """What `/events/count-by/{countable}` groups by (`day` means `time` in days)."""

    day = "day"
    time = "time"
    event = "event"
    resource = "resource"


class TimeUnit(str, enum.Enum):
    week = "week"
    day = "day"
    hour = "hour"
    minute = "minute"
    second = "second"


TIME_UNIT_SECONDS = {TimeUnit.week: 7 * 86400.0, TimeUnit.day: 86400.0, TimeUnit.hour: 3600.0,
                     TimeUnit.minute: 60.0, TimeUnit.second: 1.0}


class EventCount(msgspec.Struct, kw_only=True):
    """How many matching events share one value (an event name, a resource, a time bucket)."""

    value: str
    label: str
    count: int
    start_time: DateTime
    end_time: DateTime
