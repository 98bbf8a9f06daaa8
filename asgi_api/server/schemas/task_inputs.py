"""Where a task run's inputs came from: a tagged union keyed by `input_type`.

The server only stores and returns these (they draw the run graph), so a Struct per kind with
msgspec's tag is all that is needed to validate and round-trip them.
"""

from __future__ import annotations

from typing import Union
from uuid import UUID

import msgspec


class TaskRunResult(msgspec.Struct, tag_field="input_type", tag="task_run"):
    """The input is the result of another task run."""

    id: UUID


class FlowRunResult(msgspec.Struct, tag_field="input_type", tag="flow_run"):
    """The input is the result of a (sub)flow run."""

    id: UUID


class Parameter(msgspec.Struct, tag_field="input_type", tag="parameter"):
    """The input is a parameter of the enclosing flow run."""

    name: str


class Constant(msgspec.Struct, tag_field="input_type", tag="constant"):
    """The input is a constant value; only its type name is recorded."""

    type: str


TaskRunInput = Union[TaskRunResult, FlowRunResult, Parameter, Constant]
TaskInputs = dict[str, list[TaskRunInput]]
