"""The request limits a route declares, as FastAPI 0.165 takes them: `max_body_size=` and `form_limits=`.

Both may be given to the app, a router, `include_router` and a route; the innermost given wins (the
route, then its router, the include, the including router, ... the app), for `form_limits` key by
key. They are resolved when a route is added, so a request only meets its route's own values. The
module path is FastAPI's (`fastapi._form_limits._FormLimits` is the type its users annotate with).
"""

from __future__ import annotations

from typing import TypedDict

__all__ = ["_FormLimits", "first_limit", "validate_form_limits", "validate_max_body_size"]


class _FormLimits(TypedDict, total=False):
    """Limits for reading `Form`, `File` and `UploadFile` parameters (Starlette's form parser's)."""

    max_fields: int  # non-file fields
    max_files: int  # files in a multipart form
    max_part_size: int  # bytes of one non-file field


def _non_negative_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def validate_max_body_size(max_body_size: int | None) -> int | None:
    if max_body_size is not None and not _non_negative_int(max_body_size):
        raise ValueError("max_body_size must be a non-negative integer or None")
    return max_body_size


def validate_form_limits(limits: _FormLimits | None) -> _FormLimits:
    """`limits` checked when declared: only the known keys, each a non-negative integer."""
    for key, value in (limits or {}).items():
        if key not in _FormLimits.__annotations__ or not _non_negative_int(value):
            raise ValueError(f"form_limits: {key!r} must be one of {sorted(_FormLimits.__annotations__)} "
                             f"with a non-negative integer value, not {value!r}")
    return dict(limits or {})  # type: ignore[return-value]


def first_limit(*limits: int | None) -> int | None:
    """The innermost limit given (they come innermost first)."""
    return next((limit for limit in limits if limit is not None), None)
