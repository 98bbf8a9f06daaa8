"""A proposed state change (`Transition`), a rule's decision (`Outcome`), and `decide`."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from asgi_api.server.schemas.orchestration import AcceptDetails, OrchestrationDetails, SetStateStatus
from asgi_api.server.schemas.states import State

__all__ = ["DeploymentSlots", "Outcome", "Rule", "Transition", "decide"]


class DeploymentSlots(NamedTuple):
    """A deployment's concurrency limit, how many of its runs hold a slot (Pending, Running,
    Cancelling), and what a run beyond the limit does (`CollisionStrategy` value)."""

    limit: int
    active: int
    collision_strategy: str


@dataclass
class Transition:
    """A run (its columns, with its current `state`) and the state proposed for it."""

    run: Mapping[str, Any]
    proposed: State
    changes: dict[str, Any] = field(default_factory=dict)
    deployment_slots: DeploymentSlots | None = None  # read for a flow run of a limited deployment going PENDING

    @property
    def initial(self) -> State | None:
        initial: State | None = self.run["state"]
        return initial


class Outcome(NamedTuple):
    """A rule's decision; `state` is the state to store: the proposal when accepted, a REJECT's
    replacement state, or None (store nothing, keep the current state)."""

    status: SetStateStatus
    details: OrchestrationDetails
    state: State | None = None


Rule = Callable[[Transition], "Outcome | None"]


def decide(transition: Transition, rules: Sequence[Rule]) -> Outcome:
    """The first rule's outcome, in order; ACCEPT of the (possibly adjusted) proposal when none objects."""
    outcome = next(filter(None, (rule(transition) for rule in rules)), None)
    return outcome or Outcome(SetStateStatus.ACCEPT, AcceptDetails(), transition.proposed)
