"""Parameter markers: where a value comes from and what it must satisfy.

Use them as defaults (`q: int = Query(10, ge=1)`) or inside `Annotated` (`q: Annotated[int, Query(ge=1)] = 10`).
They only describe; `dependencies.py` reads them once, when a route is created.
"""

from __future__ import annotations

import copy
import enum
import re
import sys
import warnings
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Literal

from asgi_api.exceptions import FastAPIDeprecationWarning

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from asgi_api.signatures import ParamOptions


class _Unset:
    """The default of a marker whose default was not given (distinct from `None` and `...`)."""

    def __repr__(self) -> str:  # FastAPI's name for it: a required `Query()` prints `Query(PydanticUndefined)`
        return "PydanticUndefined"


UNSET: Any = _Unset()


class ParamTypes(enum.StrEnum):
    """Where a `Path`/`Query`/`Header`/`Cookie` value is read: FastAPI's `marker.in_` (a body's is `"body"`)."""

    query = "query"
    header = "header"
    path = "path"
    cookie = "cookie"


class Param:
    """A request value read from one location (`in_`), validated by its type and constraints."""

    in_: str = ParamTypes.query  # a bare `Param(...)` is read from the query string, as FastAPI reads it

    def __init__(
        self,
        default: Any = UNSET,
        *,
        default_factory: Callable[[], Any] | None = None,
        alias: str | None = None,
        title: str | None = None,
        description: str | None = None,
        gt: float | None = None,
        ge: float | None = None,
        lt: float | None = None,
        le: float | None = None,
        multiple_of: float | None = None,
        min_length: int | None = None,
        max_length: int | None = None,
        pattern: str | None = None,
        max_digits: int | None = None,
        decimal_places: int | None = None,
        examples: list[Any] | None = None,
        deprecated: bool | None = None,
        include_in_schema: bool = True,
        json_schema_extra: dict[str, Any] | None = None,
        validation_alias: Any = None,
        serialization_alias: str | None = None,
        regex: str | None = None,
        example: Any = UNSET,
        openapi_examples: dict[str, Any] | None = None,
        allow_inf_nan: bool | None = None,
        strict: bool | None = None,
        discriminator: str | None = None,
        union_mode: Literal["smart", "left_to_right"] | None = None,
        alias_priority: int | None = None,
        validate_default: bool | None = None,
        fail_fast: bool | None = None,
    ) -> None:
        # pydantic's own switches: a parameter that sets one is validated by pydantic (FastAPI's
        # behaviour); `alias_priority` is accepted so FastAPI code loads.
        self.switches = {key: value for key, value in (("strict", strict), ("discriminator", discriminator),
                                                       ("union_mode", union_mode), ("fail_fast", fail_fast))
                         if value is not None}
        self.default = UNSET if default is ... else default
        self.default_factory = default_factory
        self.alias = validation_alias if isinstance(validation_alias, str) else alias
        self.alias_choices = alias_choices(validation_alias)
        self.serialization_alias = serialization_alias
        if regex is not None:
            _warn_deprecated("`regex` has been deprecated, please use `pattern` instead")
        pattern = pattern if pattern is not None else regex
        self.validate_default = validate_default  # None: not set (a pydantic `Field` beside it may set it)
        self._pattern_text = pattern.pattern if isinstance(pattern, re.Pattern) else None
        if isinstance(pattern, re.Pattern):  # its flags kept inline: `(?i)^abc$`
            flags = "".join(letter for flag, letter in ((re.IGNORECASE, "i"), (re.MULTILINE, "m"), (re.DOTALL, "s"),
                                                        (re.VERBOSE, "x")) if pattern.flags & flag)
            pattern = f"(?{flags}){pattern.pattern}" if flags else pattern.pattern
        self.openapi_examples = openapi_examples
        if example is not UNSET:
            _warn_deprecated("`example` has been deprecated, please use `examples` instead")
        self.example = example  # OpenAPI's own `example`, shown beside the schema (not in it) as FastAPI does
        self.title = title
        self.description = description
        self.constraints = {
            key: value
            for key, value in (
                ("gt", gt), ("ge", ge), ("lt", lt), ("le", le), ("multiple_of", multiple_of),
                ("min_length", min_length), ("max_length", max_length), ("pattern", pattern),
                ("max_digits", max_digits), ("decimal_places", decimal_places), ("allow_inf_nan", allow_inf_nan),
            )
            if value is not None
        }
        self.examples = examples
        self.deprecated = deprecated
        self.include_in_schema = include_in_schema
        self.json_schema_extra = json_schema_extra

    @property
    def documented_constraints(self) -> dict[str, Any]:
        """`constraints` as OpenAPI shows them: a compiled pattern's own text, without inline flags, and
        no `allow_inf_nan` (JSON Schema has no keyword for it)."""
        shown = {key: value for key, value in self.constraints.items() if key != "allow_inf_nan"}
        if self._pattern_text is not None:
            shown["pattern"] = self._pattern_text
        return shown

    def __repr__(self) -> str:
        # FastAPI's spelling: its class names (`Query`, not `QueryParam`) and the default's str().
        return f"{type(self).__name__.removesuffix('Param') or 'Param'}({self.default})"


def _warn_deprecated(message: str) -> None:
    """Warn as FastAPI does for a marker keyword it keeps for compatibility, pointing at the caller's
    line (past `Query()` and the marker classes' `__init__`s, however many of them there are)."""
    level, frame = 2, sys._getframe(1)  # stacklevel 2: the first frame past this function
    while frame.f_back is not None and frame.f_globals.get("__name__") == __name__:
        level, frame = level + 1, frame.f_back
    warnings.warn(message, FastAPIDeprecationWarning, stacklevel=level)


def alias_choices(validation_alias: Any) -> tuple[str, ...]:
    """The names of pydantic's `AliasChoices("a", "b")`, tried in order, as FastAPI tries them for a
    parameter; `()` for anything else (an `AliasPath`, or choices holding one, reads the parameter's name)."""
    choices = getattr(validation_alias, "choices", None)
    if not choices or not all(isinstance(choice, str) for choice in choices):
        return ()
    return tuple(choices)


def request_names(marker: Param, name: str) -> tuple[str, ...]:
    """The names a parameter is read by, in order: its `AliasChoices`, or its alias, or its own name."""
    return marker.alias_choices or (marker.alias or name,)


def default_of(default: Any, marker: Param, always_required: bool = False) -> tuple[bool, Callable[[], Any]]:
    """(required, a factory of the default); mutable defaults are copied per request, as FastAPI does."""
    if marker.default_factory is not None:
        return False, marker.default_factory
    if always_required or default is UNSET or default is ...:
        return True, lambda: None
    if isinstance(default, (list, dict, set)):
        return False, lambda: copy.deepcopy(default)
    return False, lambda: default


class PathParam(Param):
    in_ = ParamTypes.path


class QueryParam(Param):
    in_ = ParamTypes.query


class HeaderParam(Param):
    in_ = ParamTypes.header

    def __init__(self, default: Any = UNSET, *, convert_underscores: bool = True, **kwargs: Any) -> None:
        super().__init__(default, **kwargs)
        self.convert_underscores = convert_underscores


class CookieParam(Param):
    in_ = ParamTypes.cookie


class BodyParam(Param):
    in_ = "body"

    def __init__(
        self, default: Any = UNSET, *, embed: bool = False, media_type: str = "application/json", **kwargs: Any
    ) -> None:
        super().__init__(default, **kwargs)
        self.embed = embed
        self.media_type = media_type


class FormParam(BodyParam):
    """A form field (`application/x-www-form-urlencoded` or `multipart/form-data`)."""

    def __init__(self, default: Any = UNSET, *, media_type: str = "application/x-www-form-urlencoded",
                 **kwargs: Any) -> None:
        super().__init__(default, media_type=media_type, **kwargs)


class FileParam(FormParam):
    """A file part of a `multipart/form-data` body (an `UploadFile`, or its `bytes`)."""

    def __init__(self, default: Any = UNSET, *, media_type: str = "multipart/form-data", **kwargs: Any) -> None:
        super().__init__(default, media_type=media_type, **kwargs)


class DependsMarker:
    """`Depends(call)`: the value is what `call` returns (or yields), resolved per request.

    `scope="function"` closes a generator dependency before the response is sent (FastAPI >= 0.121);
    the default (`None`/`"request"`) closes it after the response has been sent.
    """

    def __init__(
        self,
        dependency: Callable[..., Any] | None = None,
        *,
        use_cache: bool = True,
        scope: Literal["function", "request"] | None = None,
        max_concurrency: int | None = None,
    ) -> None:
        if max_concurrency is not None and (type(max_concurrency) is not int or max_concurrency < 1):
            # Checked here, where the mistake is written, not at the first request (bool is no count either).
            raise ValueError("max_concurrency must be a positive integer or None")
        self.dependency = dependency
        self.use_cache = use_cache
        self.scope = scope
        self.max_concurrency = max_concurrency
        # The plans made of this marker, by where it is used (`asgi_api.dependencies`): kept here, they
        # live as long as the marker does.
        self._plans: dict[Any, Any] = {}

    def _fields(self) -> dict[str, Any]:
        return {"dependency": self.dependency, "use_cache": self.use_cache, "scope": self.scope,
                "max_concurrency": self.max_concurrency}

    def __repr__(self) -> str:  # FastAPI's spelling (its markers are dataclasses)
        fields = ", ".join(f"{name}={value!r}" for name, value in self._fields().items())
        return f"{type(self).__name__.removesuffix('Marker')}({fields})"

    # Equal and hashable by their fields, as FastAPI's (frozen dataclass) markers are: tools keep them
    # in sets and dicts. One with `max_concurrency` is only itself: its limit is its own to count.
    def _identity(self) -> tuple[Any, ...]:
        if self.max_concurrency is not None:
            return (id(self),)
        return (type(self), *(tuple(value) if isinstance(value, list) else value for value in self._fields().values()))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DependsMarker) and self._identity() == other._identity()

    def __hash__(self) -> int:
        return hash(self._identity())


class SecurityMarker(DependsMarker):
    """`Security(call, scopes=[...])`: a dependency that also asks for OAuth2 scopes."""

    def __init__(self, dependency: Callable[..., Any] | None = None, *, scopes: Sequence[str] | None = None,
                 use_cache: bool = True) -> None:
        super().__init__(dependency, use_cache=use_cache)
        self.scopes = scopes

    def _fields(self) -> dict[str, Any]:
        return {**super()._fields(), "scopes": self.scopes}


def Path(default: Any = UNSET, **kwargs: Unpack[ParamOptions]) -> Any:  # noqa: N802 - FastAPI's public spelling
    """A path parameter (`/items/{item_id}`): always required, so it takes no default (`...` at most)."""
    assert default is UNSET or default is ..., "Path parameters cannot have a default value"
    return PathParam(default, **kwargs)


def Query(default: Any = UNSET, **kwargs: Unpack[ParamOptions]) -> Any:  # noqa: N802
    """A query-string parameter; needed for `list[...]` query parameters, optional for scalars."""
    return QueryParam(default, **kwargs)


def Header(default: Any = UNSET, *, convert_underscores: bool = True, **kwargs: Unpack[ParamOptions]) -> Any:  # noqa: N802
    """A request header; `user_agent` reads `user-agent` unless `convert_underscores=False`."""
    return HeaderParam(default, convert_underscores=convert_underscores, **kwargs)


def Cookie(default: Any = UNSET, **kwargs: Unpack[ParamOptions]) -> Any:  # noqa: N802
    """A request cookie."""
    return CookieParam(default, **kwargs)


def Body(  # noqa: N802
    default: Any = UNSET, *, embed: bool = False, media_type: str = "application/json", **kwargs: Unpack[ParamOptions]
) -> Any:
    """A JSON body value; `embed=True` expects it under its name (`{"item": {...}}`)."""
    return BodyParam(default, embed=embed, media_type=media_type, **kwargs)


def Form(  # noqa: N802
    default: Any = UNSET, *, media_type: str = "application/x-www-form-urlencoded", **kwargs: Unpack[ParamOptions]
) -> Any:
    """A form field; `Annotated[Model, Form()]` reads the model's fields from the form."""
    return FormParam(default, media_type=media_type, **kwargs)


def File(  # noqa: N802
    default: Any = UNSET, *, media_type: str = "multipart/form-data", **kwargs: Unpack[ParamOptions]
) -> Any:
    """An uploaded file: annotate `UploadFile` (spooled, streamed) or `bytes` (read whole)."""
    return FileParam(default, media_type=media_type, **kwargs)


def Depends(  # noqa: N802
    dependency: Callable[..., Any] | None = None,
    *,
    use_cache: bool = True,
    scope: Literal["function", "request"] | None = None,
    max_concurrency: int | None = None,
) -> Any:
    """Declare a dependency; with no argument, the parameter's annotation is the callable.

    `max_concurrency=n` lets at most n calls run it at once, e.g. to protect a small connection pool:
    a generator dependency holds its place until its cleanup ends; a value reused from the request's
    cache takes none. The limit belongs to this `Depends(...)` object: every route, router or app
    that uses the same object (an `Annotated` alias) shares it, while another `Depends(...)` of the
    same function has a limit of its own. Each event loop counts apart."""
    return DependsMarker(dependency, use_cache=use_cache, scope=scope, max_concurrency=max_concurrency)


def Security(  # noqa: N802
    dependency: Callable[..., Any] | None = None,
    *,
    scopes: Sequence[str] | None = None,
    use_cache: bool = True,
) -> Any:
    """A dependency (usually a security scheme) that needs the OAuth2 `scopes` given; dependencies
    below it read every scope asked for on the way down by asking for `SecurityScopes`."""
    return SecurityMarker(dependency, scopes=scopes, use_cache=use_cache)
