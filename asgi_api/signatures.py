"""The keyword arguments of the route decorators, `include_router` and the parameter markers, typed.

Each list is written once here and used as `**options: Unpack[...]`, so a type checker and an editor
see every keyword with its type (a typo such as `respons_model=` or `Query(gte=1)` is an error)
while the methods forward them without repeating the list. Imported only by type checkers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal, TypedDict

from starlette.responses import Response
from starlette.routing import BaseRoute

from asgi_api._form_limits import _FormLimits
from asgi_api.params import DependsMarker
from asgi_api.routing import APIRoute

__all__ = ["IncludeOptions", "ParamOptions", "RouteOptions", "WebSocketOptions"]


class RouteOptions(TypedDict, total=False):
    """`add_api_route`'s keywords besides `path`, `endpoint` and `methods`."""

    response_model: Any
    response_model_include: Any
    response_model_exclude: Any
    response_model_by_alias: bool
    response_model_exclude_unset: bool
    response_model_exclude_defaults: bool
    response_model_exclude_none: bool
    status_code: int | None
    tags: list[str] | None
    dependencies: Sequence[DependsMarker] | None
    summary: str | None
    description: str | None
    response_description: str
    responses: dict[int | str, dict[str, Any]] | None
    deprecated: bool | None
    operation_id: str | None
    include_in_schema: bool
    response_class: type[Response] | None
    name: str | None
    route_class_override: type[APIRoute] | None
    openapi_extra: dict[str, Any] | None
    strict_content_type: bool | None
    strict_body: bool | None
    callbacks: list[BaseRoute] | None
    generate_unique_id_function: Callable[[APIRoute], str] | None
    max_body_size: int | None
    form_limits: _FormLimits | None


class IncludeOptions(TypedDict, total=False):
    """`include_router`'s keywords besides the router."""

    prefix: str
    tags: list[str] | None
    dependencies: Sequence[DependsMarker] | None
    default_response_class: type[Response] | None
    responses: dict[int | str, dict[str, Any]] | None
    deprecated: bool | None
    include_in_schema: bool
    callbacks: list[BaseRoute] | None
    generate_unique_id_function: Callable[[APIRoute], str] | None
    max_body_size: int | None
    form_limits: _FormLimits | None


class WebSocketOptions(TypedDict, total=False):
    dependencies: Sequence[DependsMarker] | None


class ParamOptions(TypedDict, total=False):
    """The keywords of `Path`, `Query`, `Header`, `Cookie`, `Body`, `Form` and `File` besides `default`."""

    default_factory: Callable[[], Any] | None
    alias: str | None
    title: str | None
    description: str | None
    gt: float | None
    ge: float | None
    lt: float | None
    le: float | None
    multiple_of: float | None
    min_length: int | None
    max_length: int | None
    pattern: str | None
    max_digits: int | None
    decimal_places: int | None
    examples: list[Any] | None
    deprecated: bool | None
    include_in_schema: bool
    json_schema_extra: dict[str, Any] | None
    validation_alias: Any  # a string, or pydantic's AliasChoices / AliasPath
    serialization_alias: str | None
    regex: str | None
    example: Any
    openapi_examples: dict[str, Any] | None
    allow_inf_nan: bool | None
    strict: bool | None
    discriminator: str | None
    union_mode: Literal["smart", "left_to_right"] | None
    alias_priority: int | None
    validate_default: bool | None
    fail_fast: bool | None
