"""JSON bodies: decoded by msgspec straight from bytes, and its errors rephrased as FastAPI's.

Decoding happens once per request with a decoder prepared per route. Only when it fails do we
decode again, untyped, to find every offending value and phrase each error as pydantic would.
"""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import json
import re
import typing
import uuid
from collections.abc import Callable, Sequence
from typing import Any, get_args, get_origin

import msgspec

from asgi_api.exceptions import HTTPException, RequestValidationError
from asgi_api.validation import (
    META_CONSTRAINTS,
    PARSERS,
    Error,
    Fail,
    Invalid,
    constraint_checks,
    enforce,
    error,
    expected_text,
    missing,
    strip_annotated,
    union_members,
)


def dataclass_defaults(tp: Any) -> Callable[[Any], Any] | None:
    """A function storing plain field defaults on dataclass instances msgspec created, or None.

    msgspec leaves such fields to the class attribute when it builds a dataclass, and its encoder
    then omits them; FastAPI would send them. Only type trees holding such dataclasses pay for it.
    Fillers are remembered per type: routes share their models, and resolving a model's string
    annotations again for every route was most of an app's start-up time.
    """
    seen: dict[Any, Any] = {}
    fill = _defaults_filler(tp, seen)
    _FILLERS.update(seen)  # every entry is complete now
    return fill


_PENDING: Any = object()
_FILLERS: dict[Any, Callable[[Any], Any] | None] = {}


def _defaults_filler(tp: Any, seen: dict[Any, Any]) -> Callable[[Any], Any] | None:
    tp = strip_annotated(tp)[0]
    if tp in _FILLERS:
        return _FILLERS[tp]
    if tp in seen:
        if seen[tp] is not _PENDING:
            return seen[tp]
        # A recursive type: its filler is not built yet, look it up when it runs.
        return lambda value: seen[tp](value) if seen[tp] else value
    seen[tp] = _PENDING
    fill: Callable[[Any], Any] | None = None
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        hints = typing.get_type_hints(tp, include_extras=True)
        defaults = {field.name: field.default for field in dataclasses.fields(tp)
                    if field.default is not dataclasses.MISSING}
        nested = {name: filler for name in hints if (filler := _defaults_filler(hints[name], seen)) is not None}
        if defaults or nested:
            def fill(value: Any) -> Any:
                if dataclasses.is_dataclass(value) and hasattr(value, "__dict__"):
                    stored = vars(value)
                    for name, default in defaults.items():
                        if name not in stored:
                            stored[name] = default
                    for name, filler in nested.items():
                        filler(stored.get(name))
                return value
    else:
        parts = [_defaults_filler(arg, seen) for arg in get_args(tp) if arg is not Ellipsis]
        if isinstance(tp, type) and issubclass(tp, msgspec.Struct):
            hints = typing.get_type_hints(tp, include_extras=True)
            fields = {name: filler for name in hints if (filler := _defaults_filler(hints[name], seen)) is not None}
            if fields:
                def fill(value: Any) -> Any:
                    for name, filler in fields.items():
                        filler(getattr(value, name, None))
                    return value
        elif any(parts):
            inner = [part for part in parts if part is not None]

            def fill(value: Any) -> Any:
                items = (value.values() if isinstance(value, dict)
                         else value if isinstance(value, (list, tuple, set, frozenset)) else (value,))
                for item in items:
                    for part in inner:
                        part(item)
                return value
    seen[tp] = fill
    return fill


class JsonValue:
    """How one JSON value - a whole body, or one field of it - becomes a typed value.

    The fast path decodes bytes with a msgspec decoder made once per route. When it fails, the
    slow path does what FastAPI does: Python's `json` parses the bytes (so a BOM, UTF-16, `NaN` or
    `Infinity` are accepted as there), and the document is converted, or its errors collected.

    `strict` reads values as pydantic's strict mode does: a JSON value of the type the schema names,
    nothing coerced (no `0` for `false`, no number for a datetime, no `"5"` or `true` for an int).
    """

    def __init__(self, tp: Any, constraints: dict[str, Any], strict: bool = False) -> None:
        self.type = tp
        self.strict = strict
        # pydantic reads `bytes` from a JSON string as its UTF-8 text; msgspec would read base64.
        text = bytes_as_text(tp)
        self._target = tp if text is None else text
        self._decode = msgspec.json.Decoder(self._target, strict=strict).decode
        self._fill = dataclass_defaults(tp) if text is None else _encode_text
        base = strip_annotated(tp)[0]
        self._checks = constraint_checks(constraints, floats=float in (union_members(base) or (base,)))

    def from_bytes(self, raw: bytes) -> Any:
        """The value, or msgspec's `DecodeError`/`ValidationError` (then use `from_document`)."""
        value = self._decode(raw)
        if self._fill is not None:
            value = self._fill(value)
        if self._checks:
            try:
                enforce(self._checks, value, value)
            except Invalid as exc:  # the errors show the input as sent (`"-inf"`, not the float it became)
                raise Invalid(self.from_document(parse_document(bytes(raw)), ())[1] or exc.errors) from None
        return value

    def from_document(self, document: Any, loc: Sequence[Any]) -> tuple[Any, list[Error]]:
        """The value converted from a parsed document, or every error found in it."""
        lax = whole_floats_as_ints(document, self.type) if self.strict else bools_as_numbers(document, self.type)
        # A body that is not JSON comes as its bytes, which a `bytes` field takes as they are.
        target = self.type if isinstance(document, bytes) else self._target
        try:
            value = self._finish(msgspec.convert(lax, target, strict=self.strict))
        except (msgspec.ValidationError, OverflowError):
            return None, body_errors(lax, self.type, loc, self.strict)
        try:
            enforce(self._checks, value, document)  # errors show the input as sent (`false`, not 0)
        except Invalid as exc:
            return None, [{**entry, "loc": [*loc, *entry["loc"]]} for entry in exc.errors]
        return value, []

    def _finish(self, value: Any) -> Any:
        return self._fill(value) if self._fill is not None else value


def bytes_as_text(tp: Any) -> Any:
    """`tp` with `str` for `bytes` when it is `bytes` (or a union holding it), else None."""
    tp, metadata = strip_annotated(tp)
    members = union_members(tp) or (tp,)
    if bytes not in members or str in members:
        return None
    text: Any = typing.Union.__getitem__(tuple(str if member is bytes else member for member in members))
    return typing.Annotated.__class_getitem__((text, *metadata)) if metadata else text  # type: ignore[attr-defined]


def _encode_text(value: Any) -> Any:
    return value.encode() if isinstance(value, str) else value


def bools_as_numbers(value: Any, tp: Any) -> Any:
    """`value` with JSON `true`/`false` turned into 1/0 wherever `tp` expects an int (or 1.0/0.0
    for a float), as pydantic's lax mode reads them and msgspec does not. Slow path only."""
    return _retype(value, tp, _bool_as_number)


def whole_floats_as_ints(value: Any, tp: Any) -> Any:
    """`value` with numbers of no fraction (`5.0`) turned into ints wherever `tp` expects an int and
    no float: JSON Schema counts them as integers, msgspec's strict mode does not. Slow path only."""
    return _retype(value, tp, _whole_float_as_int)


def _bool_as_number(value: Any, expected: tuple[Any, ...]) -> Any:
    if not isinstance(value, bool) or bool in expected or Any in expected:
        return value
    return int(value) if int in expected else float(value) if float in expected else value


def _whole_float_as_int(value: Any, expected: tuple[Any, ...]) -> Any:
    if type(value) is float and value.is_integer() and int in expected and float not in expected:
        return int(value)
    return value


def _retype(value: Any, tp: Any, scalar: Callable[[Any, tuple[Any, ...]], Any]) -> Any:
    """`value` with each scalar in it passed to `scalar` with the types `tp` expects there."""
    tp = strip_annotated(tp)[0]
    members = union_members(tp)
    if value is None or isinstance(value, (bool, int, float, str)):
        return scalar(value, tuple(strip_annotated(member)[0] for member in members or (tp,)))
    if members is not None:
        for member in members:
            converted = _retype(value, member, scalar)
            if converted is not value:
                return converted
        return value
    origin, args = get_origin(tp), get_args(tp)
    if isinstance(value, list) and args:
        if origin is tuple and not (len(args) == 2 and args[1] is Ellipsis):
            return [_retype(item, arg, scalar) for item, arg in zip(value, args, strict=False)] + value[len(args):]
        return [_retype(item, args[0], scalar) for item in value]
    if isinstance(value, dict):
        if origin is dict and len(args) == 2:
            return {key: _retype(item, args[1], scalar) for key, item in value.items()}
        fields = model_fields(tp)
        if fields:
            types = {name: field_type for name, field_type, _ in fields}
            return {key: _retype(item, types[key], scalar) if key in types else item for key, item in value.items()}
    return value


def parse_document(raw: bytes) -> Any:
    """Parse JSON as FastAPI does: a syntax error is a 422 whose `loc` ends with the offending
    position; anything else that stops Python's parser (invalid UTF-8, nesting too deep, an integer
    of more digits than Python converts) is FastAPI's 400."""
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        entry = error("json_invalid", "JSON decode error", {}, ("body", exc.pos), {"error": exc.msg})
        raise RequestValidationError([entry], body=exc.doc) from None
    except (ValueError, RecursionError):
        raise HTTPException(400, "There was an error parsing the body") from None


_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_SURROGATE_BYTES = re.compile(rb"\xed[\xa0-\xbf]")  # U+D800..U+DFFF written as UTF-8: not valid UTF-8


def refuse_lone_surrogates(raw: bytes) -> None:
    """A `\\ud800` escape not paired with another is accepted by JSON parsers but is not text: no
    response could encode it back (FastAPI fails with a 500 then). Refuse such a body up front.

    The same code point sent as raw bytes is invalid UTF-8 (FastAPI's 400), though msgspec reads it.
    """
    if b"\xed" in raw and _SURROGATE_BYTES.search(raw) is not None and json.detect_encoding(raw) == "utf-8":
        raise HTTPException(400, "There was an error parsing the body")
    if b"\\u" not in raw or _SURROGATE_ESCAPE.search(raw) is None:
        return
    try:
        msgspec.json.encode(json.loads(raw))
    except UnicodeEncodeError:
        raise HTTPException(400, "There was an error parsing the body") from None
    except (ValueError, RecursionError):
        pass  # not JSON at all: reported by the decoding that follows


# seam: msgspec message wording "<problem> - at `$.field[0]...`" (where the error is)
_AT = re.compile(r"^(?P<message>.*?)(?: - at `\$(?P<path>.*)`)?$", re.DOTALL)
_STEP = re.compile(r"\.([^.\[]+)|\[(\d+)\]|\[\.\.\.\]")


def translate(exc: msgspec.ValidationError | OverflowError, tp: Any, document: Any, strict: bool = False) -> Error:
    """Rephrase msgspec's error about decoding `document` into `tp` as FastAPI's entry.

    `document` is the same input decoded without a type, to report the offending value as `input`.
    """
    match = _AT.match(str(exc))
    assert match is not None
    message, loc = match["message"], []
    for step in _STEP.finditer(match["path"] or ""):
        if step.group(0) == "[...]":
            break
        loc.append(step[1] if step[1] is not None else int(step[2]))
    value, found = _value_at(document, loc)
    target = _info_at(msgspec.inspect.type_info(tp), loc)
    if message.startswith("Object missing required field"):  # seam: msgspec message wording "... field `name`"
        name = message.split("`")[1]
        return missing([*loc, name], value)
    if not found:
        value = None
    problem = _describe(message, target, value, strict)
    return error(problem.type, problem.msg, value, loc, problem.ctx)


def _value_at(document: Any, loc: list[Any]) -> tuple[Any, bool]:
    for step in loc:
        try:
            document = document[step]
        except (KeyError, IndexError, TypeError):
            return None, False
    return document, True


def _info_at(info: msgspec.inspect.Type, loc: list[Any]) -> msgspec.inspect.Type:
    for step in loc:
        info = _without_null(info)
        if isinstance(info, (msgspec.inspect.StructType, msgspec.inspect.DataclassType, msgspec.inspect.TypedDictType)):
            fields = {field.encode_name: field.type for field in info.fields}
            info = fields.get(step, msgspec.inspect.AnyType())
        elif isinstance(info, (msgspec.inspect.ListType, msgspec.inspect.SetType, msgspec.inspect.FrozenSetType,
                               msgspec.inspect.VarTupleType)):
            info = info.item_type
        elif isinstance(info, msgspec.inspect.TupleType) and isinstance(step, int) and step < len(info.item_types):
            info = info.item_types[step]
        elif isinstance(info, msgspec.inspect.DictType):
            info = info.value_type
        else:
            return msgspec.inspect.AnyType()
    return _without_null(info)


def _without_null(info: msgspec.inspect.Type) -> msgspec.inspect.Type:
    if isinstance(info, msgspec.inspect.UnionType):
        members = [member for member in info.types if not isinstance(member, msgspec.inspect.NoneType)]
        if len(members) == 1:
            return members[0]
    return info


# seam: msgspec message wording "Expected `int` >= 1", "... of length <= 3", "... multiple of", "... matching regex"
_CONSTRAINT = re.compile(r"^Expected `[^`]*` (?:of length )?(?P<op>>=|<=|>|<) (?P<bound>.+)$")
_PYTHON_TYPE: dict[type, type] = {
    msgspec.inspect.IntType: int, msgspec.inspect.FloatType: float, msgspec.inspect.BoolType: bool,
    msgspec.inspect.StrType: str, msgspec.inspect.DecimalType: decimal.Decimal, msgspec.inspect.UUIDType: uuid.UUID,
    msgspec.inspect.DateTimeType: datetime.datetime, msgspec.inspect.DateType: datetime.date,
    msgspec.inspect.TimeType: datetime.time, msgspec.inspect.BytesType: bytes,
}


# pydantic's errors for a value of the wrong JSON type in strict mode (one lax mode would convert)
_STRICT_TYPE: dict[type, Fail] = {
    int: Fail("int_type", "Input should be a valid integer"),
    float: Fail("float_type", "Input should be a valid number"),
    bool: Fail("bool_type", "Input should be a valid boolean"),
    str: Fail("string_type", "Input should be a valid string"),
    bytes: Fail("bytes_type", "Input should be a valid bytes"),
    decimal.Decimal: Fail("decimal_type", "Decimal input should be an integer, float, string or Decimal object"),
    uuid.UUID: Fail("uuid_type", "UUID input should be a string, bytes or UUID object"),
    datetime.datetime: Fail("datetime_type", "Input should be a valid datetime"),
    datetime.date: Fail("date_type", "Input should be a valid date"),
    datetime.time: Fail("time_type", "Input should be a valid time"),
}


def _describe(message: str, target: msgspec.inspect.Type, value: Any, strict: bool = False) -> Fail:
    """Which pydantic error a msgspec message about `value` (of expected type `target`) stands for."""
    if isinstance(target, (msgspec.inspect.EnumType, msgspec.inspect.LiteralType)):
        choices = [member.value for member in target.cls] if isinstance(target, msgspec.inspect.EnumType) \
            else list(target.values)
        expected = expected_text(choices)
        kind = "enum" if isinstance(target, msgspec.inspect.EnumType) else "literal_error"
        return Fail(kind, f"Input should be {expected}", {"expected": expected})
    constraint = _CONSTRAINT.match(message)
    if constraint is not None or "multiple of" in message or "matching regex" in message:
        return _constraint_failure(target, value)
    python_type = _PYTHON_TYPE.get(type(target))
    if python_type is not None:
        try:
            PARSERS[python_type](value)
        except Fail as exc:
            return exc
        if strict:
            return _STRICT_TYPE[python_type]
    if isinstance(target, (msgspec.inspect.StructType, msgspec.inspect.DataclassType)) and isinstance(value, dict):
        return Fail("value_error", f"Value error, {message}")  # raised by its __post_init__ (a model validator)
    if isinstance(target, msgspec.inspect.StructType):
        return Fail("model_attributes_type", "Input should be a valid dictionary or object to extract fields from")
    if isinstance(target, msgspec.inspect.DataclassType):
        name = target.cls.__name__
        return Fail("dataclass_type", f"Input should be a dictionary or an instance of {name}", {"class_name": name})
    if isinstance(target, (msgspec.inspect.DictType, msgspec.inspect.TypedDictType)):
        return Fail("dict_type", "Input should be a valid dictionary")
    if isinstance(target, msgspec.inspect.ListType):
        return Fail("list_type", "Input should be a valid list")
    if isinstance(target, (msgspec.inspect.SetType, msgspec.inspect.FrozenSetType)):
        return Fail("set_type", "Input should be a valid set")
    if isinstance(target, (msgspec.inspect.TupleType, msgspec.inspect.VarTupleType)):
        return Fail("tuple_type", "Input should be a valid tuple")
    return Fail("value_error", f"Value error, {message}")


def _constraint_failure(target: msgspec.inspect.Type, value: Any) -> Fail:
    constraints = {key: getattr(target, key) for key in META_CONSTRAINTS if getattr(target, key, None) is not None}
    try:
        for check in constraint_checks(constraints):
            check(value)
    except Fail as exc:
        return exc
    return Fail("value_error", "Value error, constraint not met")


def body_errors(document: Any, tp: Any, loc: Sequence[Any], strict: bool = False) -> list[Error]:
    """Every error of a decoded JSON `document` against `tp`, as pydantic reports them.

    msgspec stops at the first error; on this (error-only) path we descend into model fields, list
    items and dict values so that the client learns about all of them at once.
    """
    try:
        msgspec.convert(document, tp, strict=strict)
        return []
    except (msgspec.ValidationError, OverflowError) as exc:
        first = exc
    base = strip_annotated(tp)[0]
    members = union_members(base)
    if members is not None and document is not None:
        others = [member for member in members if member is not type(None)]
        base = others[0] if len(others) == 1 else base
    errors: list[Error] = []
    fields = model_fields(base)
    origin, args = get_origin(base) or base, get_args(base)
    if fields is not None and isinstance(document, dict):
        for name, field_type, required in fields:
            if name in document:
                errors.extend(body_errors(document[name], field_type, [*loc, name], strict))
            elif required:
                errors.append(missing([*loc, name], document))
    elif isinstance(origin, type) and issubclass(origin, (list, set, frozenset, tuple)) and isinstance(document, list):
        if args and (origin is not tuple or args[-1] is Ellipsis):
            for index, item in enumerate(document):
                errors.extend(body_errors(item, args[0], [*loc, index], strict))
    elif isinstance(origin, type) and issubclass(origin, dict) and isinstance(document, dict) and len(args) == 2:
        for key, item in document.items():
            errors.extend(body_errors(item, args[1], [*loc, key], strict))
    if errors:
        return errors
    entry = translate(first, tp, document, strict)
    entry["loc"] = [*loc, *entry["loc"]]
    return [entry]


def model_fields(tp: Any) -> list[tuple[str, Any, bool]] | None:
    """(JSON name, type, required) of each field of a Struct, dataclass or TypedDict class."""
    if not isinstance(tp, type):
        return None
    if issubclass(tp, msgspec.Struct):
        return [(field.encode_name, field.type, field.required) for field in msgspec.structs.fields(tp)]
    if dataclasses.is_dataclass(tp):
        hints = typing.get_type_hints(tp, include_extras=True)
        return [(field.name, hints.get(field.name, Any),
                 field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING)
                for field in dataclasses.fields(tp) if field.init]
    if issubclass(tp, dict) and hasattr(tp, "__required_keys__"):  # typing's and typing_extensions' TypedDicts
        hints = typing.get_type_hints(tp, include_extras=True)
        return [(name, hint, name in tp.__required_keys__) for name, hint in hints.items()]
    return None
