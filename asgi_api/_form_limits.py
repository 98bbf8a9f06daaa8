"""The request limits a route declares, as FastAPI 0.165 takes them: `max_body_size=` and `form_limits=`.

Both may be given to the app, a router, `include_router` and a route; the innermost given wins (the
route, then its router, the include, the including router, ... the app), for `form_limits` key by
key. They are resolved when a route is added, so a request only meets its route's own values. The
module path is FastAPI's (`fastapi._form_limits._FormLimits` is the type its users annotate with).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict

from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["_FormLimits", "first_limit", "form_limits_for", "passing_form_limits", "validate_form_limits",
           "validate_max_body_size"]

_SCOPE_KEY = "asgi_api.form_limits"  # an app's `form_limits=`, for routes it did not declare itself


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


def passing_form_limits(app: ASGIApp, limits: _FormLimits) -> ASGIApp:
    """`app` handing its `form_limits` down through the scope (over those of an app it is mounted in),
    to routes it did not declare (`routes=[...]`, mounted apps): they are resolved on the request.
    An app without form limits pays nothing."""
    return _PassingFormLimits(app, limits) if limits else app


class _PassingFormLimits:
    def __init__(self, app: ASGIApp, limits: _FormLimits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        outer = scope.get(_SCOPE_KEY)
        scope[_SCOPE_KEY] = self.limits if outer is None else {**outer, **self.limits}
        await self.app(scope, receive, send)


def form_limits_for(scope: Scope, own: Mapping[str, Any]) -> Mapping[str, Any]:
    """A form route's limits for this request: its own (resolved when declared) over its apps'."""
    inherited = scope.get(_SCOPE_KEY)
    return own if inherited is None else {**inherited, **own}
