"""pydantic v2 as a second model backend, for types that are pydantic's own.

A route decides when it is created which backend each of its types uses (`uses_pydantic`); this
module is imported only then, and pydantic only when a route's types already come from it (if
`pydantic` is not in `sys.modules`, no annotation can be a pydantic type). Validation, errors and
serialisation are pydantic's, called the way FastAPI calls them: `validate_python` on the decoded
JSON document with `from_attributes`, `dump_json(by_alias=True)` for response models, error
entries from `errors(include_url=False)` under FastAPI's `loc` prefixes.
"""

from __future__ import annotations

import copy
import sys
import typing
import warnings
from collections.abc import Callable, Sequence
from typing import Annotated, Any

import msgspec

from asgi_api import json_body, params, validation
from asgi_api.exceptions import ResponseValidationError
from asgi_api.validation import Error, Invalid

if typing.TYPE_CHECKING:
    from pydantic import TypeAdapter

__all__ = ["JsonValue", "ParamModel", "adapter", "dump_free", "form_models", "from_pydantic",
           "has_computed_fields", "is_json", "model_of", "schemas", "serializer", "string_converter", "uses_pydantic",
           "v1_model_in", "wanted", "with_field_info"]

_MODULES = ("pydantic", "pydantic_core", "annotated_types", "pydantic_extra_types")


def from_pydantic(cls: type) -> bool:
    """Whether `cls` is defined by pydantic or its companions (`SecretStr`, `Url`, `Color`, `Gt`)."""
    module = getattr(cls, "__module__", "") or ""
    return module.split(".", 1)[0] in _MODULES


def wanted(tp: Any, marker: params.Param) -> bool:
    """Whether a parameter is pydantic's to validate: its type needs pydantic, or its marker sets
    one of pydantic's switches (`Query(union_mode="left_to_right")`, `Body(strict=True)`)."""
    return bool(marker.switches) or uses_pydantic(tp)


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
        return any(from_pydantic(type(item)) for item in metadata) or _holds_pydantic(base, seen)
    if isinstance(tp, type):
        return (from_pydantic(tp) or hasattr(tp, "__pydantic_core_schema__")
                or hasattr(tp, "__get_pydantic_core_schema__"))
    return any(_holds_pydantic(arg, seen) for arg in typing.get_args(tp) if arg is not Ellipsis)


def v1_model_in(tp: Any) -> Any:
    """The first `pydantic.v1` model in `tp` (`list[ModelV1]`, `dict | ModelV1`), or None; for the error
    FastAPI raises, so the check runs only once a type was found unusable (or in a fallback)."""
    if any(base.__module__ == "pydantic.v1.main" and base.__name__ == "BaseModel"
           for base in getattr(tp, "__mro__", ())):
        return tp
    return next((found for arg in typing.get_args(tp) if (found := v1_model_in(arg)) is not None), None)


def adapter(tp: Any, constraints: dict[str, Any] | None = None) -> TypeAdapter[Any]:
    """pydantic's validator and serialiser for `tp`, with a marker's constraints (`Query(gt=1)`)."""
    from pydantic import Field, TypeAdapter
    from pydantic import warnings as pydantic_warnings

    if constraints:
        tp = Annotated[tp, Field(**constraints)]
    with warnings.catch_warnings():
        # A model field's own `FieldInfo` (its alias, say) is met outside its model when a parameter
        # model's fields are documented one by one, as FastAPI does: pydantic >= 2.12 warns, FastAPI hushes it.
        unused = getattr(pydantic_warnings, "UnsupportedFieldAttributeWarning", None)
        if unused is not None:
            warnings.simplefilter("ignore", unused)
        return TypeAdapter(tp)


def with_field_info(marker: params.Param, metadata: Sequence[Any]) -> params.Param:
    """`marker` with what a pydantic `Field(...)` beside it sets and the marker leaves open, as FastAPI merges
    them (`Annotated[int, Field(alias="wire", default_factory=f), Query()]`): its names (an alias, a string
    or `AliasChoices` validation alias), its `default_factory` and `validate_default`. A copy: markers are shared."""
    if "pydantic" not in sys.modules:
        return marker
    from pydantic.fields import FieldInfo

    info = next((item for item in reversed(metadata) if isinstance(item, FieldInfo)), None)
    if info is None:
        return marker
    marker = copy.copy(marker)
    if marker.alias is None and not marker.alias_choices:
        choices = params.alias_choices(info.validation_alias)
        chosen = info.validation_alias if isinstance(info.validation_alias, str) else info.alias
        marker.alias, marker.alias_choices = (None, choices) if choices else (chosen, ())
    if marker.default_factory is None:
        marker.default_factory = info.default_factory  # type: ignore[assignment]
    if marker.validate_default is None:
        marker.validate_default = info.validate_default
    return marker


def has_computed_fields(tp: Any, seen: set[Any] | None = None) -> bool:
    """Whether `tp` holds a pydantic model or dataclass with a `computed_field`: FastAPI keeps such a
    response's output schema apart even under `separate_input_output_schemas=False`."""
    seen = set() if seen is None else seen
    decorators = getattr(tp, "__pydantic_decorators__", None)
    if isinstance(tp, type) and decorators is not None:
        if tp in seen:
            return False
        seen.add(tp)
        return bool(decorators.computed_fields) or any(
            has_computed_fields(info.annotation, seen) for info in getattr(tp, "__pydantic_fields__", {}).values())
    return any(has_computed_fields(arg, seen) for arg in typing.get_args(tp))


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


def is_json(metadata: Sequence[Any]) -> bool:
    """Whether `Annotated` metadata holds pydantic's `Json` marker (`Json[Model]`)."""
    return any(type(item).__name__ == "Json" and from_pydantic(type(item)) for item in metadata)


def model_of(annotation: Any) -> Any:
    """The pydantic model of `Model`, `Optional[Model]` or `Annotated[Model, ...]`; else None."""
    from pydantic import BaseModel

    base, metadata = validation.strip_annotated(annotation)
    if is_json(metadata):
        return None  # `Json[Model]`: one value holding the model as JSON text
    members = validation.union_members(base)
    if members is not None and len(members) == 2 and type(None) in members:
        base = next(member for member in members if member is not type(None))
    return base if isinstance(base, type) and issubclass(base, BaseModel) else None


class ParamModel:
    """`Annotated[Model, Query()]` (or `Header()`, `Cookie()`, `Form()`): one pydantic model read
    from all of a location's values, as FastAPI reads it. Each field is looked up by its name or
    aliases (a header's with `-` for `_`), the location's other values are passed on for the
    model's `extra` policy, and errors sit under the location alone (`["query", "limit"]`).
    A form may also be a union of models: each branch reads the form its own way, and pydantic
    picks the branch (by a discriminator, or each model tagged with its name)."""

    def __init__(self, name: str, annotation: Any, models: list[Any], marker: params.Param, default: Any) -> None:
        from pydantic import BeforeValidator, Tag, ValidationError

        self.name = name
        self.loc = str(marker.in_)  # a plain string in error `loc`s
        self.required, self.default = params.default_of(default, marker)
        self._error = ValidationError
        convert = self.loc == "header" and getattr(marker, "convert_underscores", True)
        base, metadata = validation.strip_annotated(annotation)
        members = validation.union_members(base) or (base,)
        self.optional = type(None) in members
        # an optional model with a default may be left out whole: OpenAPI then requires none of its fields
        self._models = [_ModelFields(model, self.loc, convert, self.optional and not self.required)
                        for model in models]
        self.documented = [field for found in self._models for field in found.documented]
        self._own = {key for found in self._models for key in found.own}
        self._extra = any(found.extra for found in self._models)
        if len(models) > 1:  # each branch normalises the form for its own model
            choices = [member if member is type(None) else Annotated[
                member, BeforeValidator(found.normalize), *_tag(member, found.model, Tag)]
                for member, found in zip([m for m in members if m is not type(None)], self._models, strict=True)]
            if self.optional:
                choices.append(type(None))
            annotation = typing.Union[tuple(choices)]
            annotation = Annotated[(annotation, *metadata)] if metadata else annotation
        self._validate = adapter(annotation, marker.switches).validate_python

    def absent_schema(self) -> dict[str, Any]:
        """The JSON schema of a form without this (optional) model, as FastAPI documents it: no value at
        all when a model takes extra values, else none of the fields' names."""
        if self._extra:
            return {"maxProperties": 0}
        names = sorted({key for found in self._models for aliases, _ in found.fields for _, key in aliases})
        return {"not": {"anyOf": [{"required": [name]} for name in names]}} if names else {}

    def form_schema(self, schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
        """A single form model's schema where its fields are sent under other names than pydantic
        documents (alias choices, names allowed beside aliases): a copy with the names FastAPI gives."""
        if len(self._models) != 1:
            return schema
        found = self._models[0]
        model_schema = components.get(schema.get("$ref", "").rsplit("/", 1)[-1], schema)
        properties, required = model_schema.get("properties", {}), model_schema.get("required", [])
        renamed = {documented: [key for _, key in aliases]
                   for documented, (aliases, _) in zip(found.documented_names, found.fields, strict=True)
                   if documented in properties
                   and (aliases[0][1] != documented or (len(aliases) > 1 and documented in required))}
        if not renamed:
            return schema
        adjusted = copy.deepcopy(model_schema)
        adjusted["properties"] = {renamed.get(name, [name])[0]: value for name, value in properties.items()}
        adjusted["required"] = []
        for name in required:
            names = renamed.get(name, [name])
            if len(names) == 1:
                adjusted["required"].append(names[0])
            else:
                adjusted.setdefault("allOf", []).append({"anyOf": [{"required": [key]} for key in names]})
        return adjusted

    def read(self, given: dict[str, list[Any]]) -> tuple[Any, list[Error]]:
        """The model from the location's values (each name with all its values, in order)."""
        if len(self._models) == 1:
            document, renamed = self._models[0].document(given)
        else:
            document, renamed = {key: values[0] if len(values) == 1 else values for key, values in given.items()}, {}
        if self.optional and not (self._own.intersection(given) or (self._extra and document)):
            return (None, [validation.missing([self.loc])]) if self.required else (self.default(), [])
        try:
            return self._validate(document, from_attributes=True), []
        except self._error as exc:
            errors = errors_of(exc, (self.loc,))
        for entry in errors if renamed else ():
            if len(entry["loc"]) > 1 and entry["loc"][1] in renamed:
                entry["loc"] = [entry["loc"][0], renamed[entry["loc"][1]], *entry["loc"][2:]]
        return None, errors


def form_models(annotation: Any) -> list[Any]:
    """The pydantic models of a form parameter: `Model`, `Optional[Model]`, or a union of models."""
    if (model := model_of(annotation)) is not None:
        return [model]
    members = validation.union_members(validation.strip_annotated(annotation)[0]) or ()
    found = [model_of(member) for member in members if member is not type(None)]
    return found if len(found) > 1 and None not in found else []


def _tag(member: Any, model: Any, tag: Any) -> list[Any]:
    """A union branch's tag (its own, or the model's name) so that errors name the branch."""
    own = [item for item in validation.strip_annotated(member)[1] if isinstance(item, tag)]
    return [] if own else [tag(model.__name__)]


class _ModelFields:
    """How one model's fields are found among a location's values, as FastAPI finds them."""

    def __init__(self, model: Any, loc: str, convert: bool, optional: bool) -> None:
        self.model = model
        self._loc = loc
        self._headers = loc == "header"
        config = model.model_config
        self.extra = config.get("extra") in ("allow", "forbid")
        self._loc_by_alias = config.get("loc_by_alias", True)
        # per field: [(validation alias, request key)] (a header's key in lower case), several values?
        self.fields: list[tuple[list[tuple[str, str]], bool]] = []
        self.documented: list[_FieldParam] = []
        self.documented_names: list[str] = []  # each field's property name in pydantic's schema
        for field_name, info in model.model_fields.items():
            aliases = _aliases(field_name, info, config, convert)
            choices = params.alias_choices(info.validation_alias)
            self.documented_names.append(choices[0] if choices else _validation_alias(field_name, info))
            self.documented.append(_FieldParam(loc, aliases[0], info, optional))
            self.fields.append(([(alias, key.lower() if self._headers else key) for alias, key in aliases],
                                 loc != "cookie" and validation.is_sequence(info.annotation)))
        self.own = {key for aliases, _ in self.fields for _, key in aliases}

    def document(self, given: dict[str, list[Any]]) -> tuple[dict[str, Any], dict[str, str]]:
        """The model's input (its fields, then the other values), and header fields renamed in errors."""
        document: dict[str, Any] = {}
        seen: set[str] = set()
        renamed: dict[str, str] = {}
        for aliases, sequence in self.fields:
            if self._loc == "body":  # a form: the first name with a value; the names after it may be extras
                alias, key, value = *aliases[0], _ABSENT
                for choice, choice_key in aliases:
                    seen.add(choice_key)
                    if (found := self._pick(given.get(choice_key), sequence)) is not _ABSENT:
                        alias, key, value = choice, choice_key, found
                        break
            else:
                alias, key = next(((alias, key) for alias, key in aliases if key in given), aliases[0])
                value = self._pick(given.get(key), sequence)
                seen.add(key)
            if value is not _ABSENT:
                document[alias] = value
            if self._headers:
                seen.update(alias.lower() for alias, key in aliases if alias.lower() != key)
                if alias.lower() != key and self._loc_by_alias:
                    renamed[alias] = key
        for key, values in given.items():
            if key not in seen:
                document[key] = values[0] if len(values) == 1 else values
        return document, renamed

    def normalize(self, value: Any) -> Any:
        """A union branch's view of the form (given as one value or a list per name)."""
        if not isinstance(value, dict):
            return value
        document = self.document({key: item if isinstance(item, list) else [item] for key, item in value.items()})[0]
        # None or an empty list cannot come from a form, but a validator may supply them
        document.update({key: item for key, item in value.items() if item is None or item == []})
        return document

    def _pick(self, values: list[Any] | None, sequence: bool) -> Any:
        """FastAPI's choice among a name's values: all for a list field, else the last (a header: the first);
        in a form an empty text or an unselected file counts as absent."""
        if values is None:
            return _ABSENT
        if sequence:
            if self._loc == "body":
                values = [value for value in values if not _empty_file(value)]
            return values or _ABSENT
        value = values[0] if self._headers else values[-1]
        if self._loc == "body" and (value == "" or _empty_file(value)):
            return _ABSENT
        return value


_ABSENT: Any = object()


def _empty_file(value: Any) -> bool:
    return hasattr(value, "filename") and not value.filename and not value.size


def _validation_alias(name: str, info: Any) -> str:
    """The one name pydantic validates a field by: its string `validation_alias`, its alias, or its name."""
    chosen = info.validation_alias
    return chosen if isinstance(chosen, str) and chosen else (info.alias or name)


def _aliases(name: str, info: Any, config: Any, convert: bool) -> list[tuple[str, str]]:
    """(validation alias, request key) pairs a model field is looked up by, in FastAPI's order."""
    from pydantic import AliasChoices, AliasPath

    chosen = info.validation_alias
    alias = _validation_alias(name, info)
    found = [(alias, alias.replace("_", "-") if convert and alias == name else alias)]
    if isinstance(chosen, AliasPath):
        return found
    if isinstance(chosen, AliasChoices):
        choices = params.alias_choices(chosen)
        if not choices:  # one of them is an `AliasPath`
            return found
        found = [(choice, choice) for choice in choices]
    by_alias = config.get("validate_by_alias")
    if by_alias is False or config.get("validate_by_name", config.get("populate_by_name", False)):
        request_name = name.replace("_", "-") if convert else name
        if by_alias is False:
            return [(name, request_name)]
        if name not in [alias for alias, _ in found]:
            found.append((name, request_name))
    return found


class _FieldParam:
    """A parameter model's field as OpenAPI lists it: one parameter of the location."""

    def __init__(self, loc: str, names: tuple[str, str], info: Any, optional: bool) -> None:
        alias, self.alias = names  # the name pydantic reads, the name in the request
        self.loc = loc
        self.required = info.is_required() and not optional
        self.annotation = Annotated[info.annotation, info]
        # pydantic's schema of the field carries its default, description and examples already
        self.default: Callable[[], Any] = lambda: None
        self.marker = params.Param(title=info.title or alias.title().replace("_", " "),
                                   description=info.description, deprecated=bool(info.deprecated))


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
