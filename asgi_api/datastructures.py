"""Request data structures: Starlette's, under FastAPI's path; and FastAPI's `Default` placeholder."""

from __future__ import annotations

from typing import Any, TypeVar

from starlette.datastructures import URL, Address, FormData, Headers, QueryParams, State, UploadFile

__all__ = ["URL", "Address", "Default", "DefaultPlaceholder", "FormData", "Headers", "QueryParams", "State",
           "UploadFile"]

_T = TypeVar("_T")


class DefaultPlaceholder:
    """A default nobody chose: `value` applies unless a router, an include or the app sets its own.

    Routers take it wherever FastAPI's signatures do (`response_class`, `default_response_class`,
    `generate_unique_id_function`), so an `APIRouter` subclass written for FastAPI, forwarding
    `response_class=Default(JSONResponse)`, keeps the classes its including routers give."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def __bool__(self) -> bool:
        return bool(self.value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DefaultPlaceholder) and other.value == self.value

    __hash__ = None  # type: ignore[assignment]  # equal by value, like FastAPI's (which is unhashable)


def Default(value: _T) -> _T:  # noqa: N802 - FastAPI's public spelling
    """`value` as a default not chosen (see `DefaultPlaceholder`); typed as `value` so it fits a
    parameter's annotation."""
    return DefaultPlaceholder(value)  # type: ignore[return-value]


def chosen(value: Any) -> tuple[Any, bool]:
    """(the value, whether it was chosen): a placeholder gives its value, not chosen; `None` is not chosen."""
    if isinstance(value, DefaultPlaceholder):
        return value.value, False
    return value, value is not None
