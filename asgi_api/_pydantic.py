"""pydantic v2 as a second model backend, for types that are pydantic's own.

A route decides when it is created which backend each of its types uses (`uses_pydantic`); this
module is imported only then, and pydantic only when a route's types already come from it (if
`pydantic` is not in `sys.modules`, no annotation can be a pydantic type). Validation, errors and
serialisation are pydantic's, called the way FastAPI calls them: `validate_python` on the decoded
JSON document with `from_attributes`, `dump_json(by_alias=True)` for response models, error
entries from `errors(include_url=False)` under FastAPI's `loc` prefixes.
"""

from __future__ import annotations

import sys
import typing
from collections.abc import Callable, Sequence
from typing import Annotated, Any

import msgspec

from asgi_api import json_body
from asgi_api.exceptions import ResponseValidationError
from asgi_api.validation import Error, Invalid

if typing.TYPE_CHECKING:
    from pydantic import TypeAdapter

__all__ = ["JsonValue", "adapter", "dump_free", "schemas", "serializer", "string_converter", "uses_pydantic"]

_MODULES = ("pydantic", "pydantic_core", "annotated_types")


def _from_pydantic(cls: type) -> bool:
    module = getattr(cls, "__module__", "") or ""
    return module.split(".", 1)[0] in _MODULES


def uses_pydantic(tp: Any) -> bool:
    """Whether `tp` holds a pydantic model, a pydantic dataclass, a pydantic type (`EmailStr`) or a
    pydantic/annotated-types constraint (`Field(gt=1)`, `conint`): such types need pydantic."""
    if "pydantic" not in sys.modules:
        return False
    return _holds_pydantic(tp, set())


def _holds_pydantic(tp: Any, seen: set[int]) -> bool:
    if id(tp) in seen:
        return False
    seen.add(id(tp))
    if typing.get_origin(tp) is Annotated:
        base, *metadata = typing.get_args(tp)
        return any(_from_pydantic(type(item)) for item in metadata) or _holds_pydantic(base, seen)
    if isinstance(tp, type):
        return (_from_pydantic(tp) or hasattr(tp, "__pydantic_core_schema__")
                or hasattr(tp, "__get_pydantic_core_schema__"))
    return any(_holds_pydantic(arg, seen) for arg in typing.get_args(tp) if arg is not Ellipsis)


def adapter(tp: Any, constraints: dict[str, Any] | None = None) -> TypeAdapter[Any]:
    """pydantic's validator and serialiser for `tp`, with a marker's constraints (`Query(gt=1)`)."""
    from pydantic import Field, TypeAdapter

    if constraints:
        tp = Annotated[tp, Field(**constraints)]
    return TypeAdapter(tp)


def errors_of(exc: Any, loc: Sequence[Any] = ()) -> list[Error]:
    """pydantic's error entries under `loc`, with the keys FastAPI sends."""
    return [{**entry, "loc": [*loc, *entry["loc"]]} for entry in exc.errors(include_url=False)]


class JsonValue:
    """A JSON body value validated by pydantic: `asgi_api.json_body.JsonValue`'s interface.

    FastAPI decodes the body with Python's `json` and validates the document; so does this, so
    that what is accepted and every error entry are the same.
    """

    def __init__(self, tp: Any, constraints: dict[str, Any]) -> None:
        from pydantic import ValidationError

        self.type = tp
        self._validate = adapter(tp, constraints).validate_python
        self._error = ValidationError

    def from_bytes(self, raw: bytes | msgspec.Raw) -> Any:
        """The value, or `Invalid` with locations relative to it (malformed JSON: FastAPI's errors)."""
        value, errors = self.from_document(json_body.parse_document(bytes(raw)), ())
        if errors:
            raise Invalid(errors)
        return value

    def from_document(self, document: Any, loc: Sequence[Any]) -> tuple[Any, list[Error]]:
        try:
            return self._validate(document, from_attributes=True), []
        except self._error as exc:
            return None, errors_of(exc, loc)


def string_converter(tp: Any, constraints: dict[str, Any]) -> Callable[[Any], Any]:
    """A path/query/header/cookie converter (text, or a list of texts) validated by pydantic."""
    from pydantic import ValidationError

    validate = adapter(tp, constraints).validate_python

    def convert(value: Any) -> Any:
        try:
            return validate(value)
        except ValidationError as exc:
            raise Invalid(errors_of(exc)) from None

    return convert


def _validator(model: Any) -> tuple[TypeAdapter[Any], Callable[[Any], Any]]:
    from pydantic import ValidationError

    found = adapter(model)

    def validate(value: Any) -> Any:
        try:
            return found.validate_python(value, from_attributes=True)
        except ValidationError as exc:
            raise ResponseValidationError(f"Response does not fit the response model {model!r}: "
                                          f"{errors_of(exc, ('response',))}", body=value) from None

    return found, validate


def serializer(model: Any, **switches: Any) -> Callable[[Any], bytes]:
    """The return value validated against `model` and written by pydantic straight to JSON bytes;
    `switches` are FastAPI's `response_model_*` ones (`include`, `exclude`, `by_alias`, `exclude_*`)."""
    found, validate = _validator(model)
    dump = found.dump_json
    return lambda value: dump(validate(value), **switches)


def dump_free(value: Any) -> Any:
    """A pydantic model or dataclass met in free-form data, as FastAPI's `jsonable_encoder` dumps it."""
    from pydantic_core import to_jsonable_python

    return to_jsonable_python(value, by_alias=True)


def schemas(entries: Sequence[tuple[Any, str]], ref_template: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """JSON schemas for `(type, "validation" | "serialization")` pairs, generated together so that
    components are named as FastAPI names them (`Model-Input`/`Model-Output` where the two differ)."""
    from pydantic.json_schema import GenerateJsonSchema

    generator = GenerateJsonSchema(ref_template=ref_template)
    inputs = [(index, mode, adapter(tp).core_schema) for index, (tp, mode) in enumerate(entries)]
    mapping, definitions = generator.generate_definitions(inputs=inputs)  # type: ignore[arg-type]
    for definition in definitions.values():
        if "description" in definition:  # FastAPI cuts docstrings at a form feed
            definition["description"] = definition["description"].split("\f")[0]
    found: dict[Any, Any] = dict(mapping)
    return ([_as_fastapi_writes(found[(index, mode)], False) for index, (_, mode) in enumerate(entries)],
            _as_fastapi_writes(definitions, True))


_FLOAT_KEYWORDS = frozenset({"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"})


def _as_fastapi_writes(value: Any, component: bool) -> Any:
    """FastAPI passes its document through its `OpenAPI` model and writes it with `exclude_none`: a
    null in any object (`"default": null`) goes, and in components numeric bounds become floats."""
    if isinstance(value, dict):
        return {key: float(item) if component and key in _FLOAT_KEYWORDS and type(item) is int
                else _as_fastapi_writes(item, component) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [_as_fastapi_writes(item, component) for item in value]
    return value
