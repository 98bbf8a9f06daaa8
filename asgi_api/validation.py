"""From raw request values to typed ones, and from failures to FastAPI's error entries.

Two paths, both prepared when a route is created:
- strings (path, query, header, cookie) go through small parsers that accept what FastAPI (pydantic in
  lax mode) accepts, e.g. `" 7 "` and `"1_000"` for an int, `"yes"`/`"off"` for a bool;
- JSON bodies are decoded by msgspec straight from bytes; only when that fails do we decode again,
  untyped, to point at the offending value and phrase the error as FastAPI would.
"""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import enum
import json
import re
import types
import typing
import uuid
from collections.abc import Callable, Sequence
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import msgspec

from asgi_api.exceptions import HTTPException, RequestValidationError

Error = dict[str, Any]
Converter = Callable[[Any], Any]


class Invalid(Exception):
    """One or more validation errors; `loc`s are relative to the value that was being converted."""

    def __init__(self, errors: list[Error]) -> None:
        super().__init__(errors)
        self.errors = errors


def error(type_: str, msg: str, input_: Any, loc: Sequence[Any] = (), ctx: dict[str, Any] | None = None) -> Error:
    entry: Error = {"type": type_, "loc": list(loc), "msg": msg, "input": input_}
    if ctx is not None:
        entry["ctx"] = ctx
    return entry


def missing(loc: Sequence[Any], input_: Any = None) -> Error:
    return error("missing", "Field required", input_, loc)


# --- type inspection -------------------------------------------------------------------------

_SCALARS = (str, int, float, bool, bytes, decimal.Decimal, uuid.UUID, datetime.datetime, datetime.date,
            datetime.time, datetime.timedelta)
_SEQUENCES = (list, set, frozenset, tuple, Sequence)


def strip_annotated(tp: Any) -> tuple[Any, tuple[Any, ...]]:
    """`Annotated[T, a, b]` -> `(T, (a, b))`; anything else -> `(tp, ())`."""
    if get_origin(tp) is Annotated:
        return tp.__origin__, tp.__metadata__
    return tp, ()


def union_members(tp: Any) -> tuple[Any, ...] | None:
    if get_origin(tp) in (Union, types.UnionType):
        return get_args(tp)
    return None


def is_scalar(tp: Any) -> bool:
    """Whether FastAPI would read a parameter of this type from the query string by default."""
    tp = strip_annotated(tp)[0]
    if tp is Any or tp is None or tp is type(None):
        return tp is not Any
    members = union_members(tp)
    if members is not None:
        return all(is_scalar(member) for member in members)
    if get_origin(tp) is Literal:
        return True
    return isinstance(tp, type) and issubclass(tp, (*_SCALARS, enum.Enum))


def is_sequence(tp: Any) -> bool:
    """`list[int]`, `set[str]`, `tuple[int, ...]`, optionally inside `Optional`: several query values."""
    tp = strip_annotated(tp)[0]
    members = union_members(tp)
    if members is not None:
        return any(is_sequence(member) for member in members if member is not type(None))
    origin = get_origin(tp) or tp
    return isinstance(origin, type) and issubclass(origin, _SEQUENCES) and not issubclass(origin, (str, bytes))


# --- parsing strings as pydantic's lax mode does ------------------------------------------------

class _Fail(Exception):
    def __init__(self, type_: str, msg: str, ctx: dict[str, Any] | None = None) -> None:
        self.type, self.msg, self.ctx = type_, msg, ctx


_INT = re.compile(r"[+-]?\d+(?:_\d+)*(?:\.0*)?")
_TRUE = frozenset({"1", "on", "t", "true", "y", "yes"})
_FALSE = frozenset({"0", "off", "f", "false", "n", "no"})


def _parse_int(value: Any) -> int:
    if type(value) is int:
        return value
    if isinstance(value, str):
        if value.isascii() and value.isdigit():
            return int(value)
        text = value.strip()
        if _INT.fullmatch(text):
            return int(text.split(".")[0].replace("_", ""))
        raise _Fail("int_parsing", "Input should be a valid integer, unable to parse string as an integer")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise _Fail("int_type", "Input should be a valid integer")


def _parse_float(value: Any) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    try:
        return float(value.strip().replace("_", "") if isinstance(value, str) else value)
    except (ValueError, TypeError):
        if isinstance(value, str):
            raise _Fail("float_parsing", "Input should be a valid number, unable to parse string as a number") from None
        raise _Fail("float_type", "Input should be a valid number") from None


def _parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower() if isinstance(value, (str, int)) else None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise _Fail("bool_parsing", "Input should be a valid boolean, unable to interpret input")


def _parse_str(value: Any) -> str:
    if isinstance(value, str):
        return value
    raise _Fail("string_type", "Input should be a valid string")


def _parse_bytes(value: Any) -> bytes:
    if isinstance(value, str):
        return value.encode()
    raise _Fail("bytes_type", "Input should be a valid bytes")


def _parse_decimal(value: Any) -> decimal.Decimal:
    try:
        result = decimal.Decimal(value.strip() if isinstance(value, str) else value)
    except (decimal.InvalidOperation, TypeError, ValueError):
        raise _Fail("decimal_parsing", "Input should be a valid decimal") from None
    if not result.is_finite():
        raise _Fail("finite_number", "Input should be a finite number")
    return result


def _uuid_problem(text: str) -> str:
    """The reason pydantic gives for a malformed UUID (it uses the `uuid` crate's wording)."""
    body = text[9:] if text.startswith("urn:uuid:") else text
    for index, char in enumerate(body):
        if char not in "0123456789abcdefABCDEF-":
            return f"invalid character: found `{char}` at {index}"
    if "-" not in body:
        return f"invalid length: found {len(body)}"
    groups = body.split("-")
    if len(groups) != 5:
        return f"invalid group count: expected 5, found {len(groups)}"
    for number, (group, size) in enumerate(zip(groups, (8, 4, 4, 4, 12)), start=1):
        if len(group) != size:
            return f"invalid group length in group {number}: expected {size}, found {len(group)}"
    return f"invalid length: found {len(body)}"


def _parse_uuid(value: Any) -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value
    if not isinstance(value, str):
        raise _Fail("uuid_type", "UUID input should be a string, bytes or UUID object")
    try:
        return uuid.UUID(value)
    except ValueError:
        problem = _uuid_problem(value)
        raise _Fail("uuid_parsing", f"Input should be a valid UUID, {problem}", {"error": problem}) from None


def _temporal_problem(text: str) -> str:
    """An approximation of speedate's reasons, for the common malformed inputs."""
    if len(text) < 10:
        return "input is too short"
    if not text[:4].isdigit():
        return "invalid character in year"
    if text[4] != "-":
        return "invalid date separator, expected `-`"
    if not text[5:7].isdigit():
        return "invalid character in month"
    if not 1 <= int(text[5:7]) <= 12:
        return "month value is outside expected range of 1-12"
    if not text[8:10].isdigit():
        return "invalid character in day"
    if len(text) > 10 and text[10] not in "Tt _":
        return "invalid datetime separator, expected `T`, `t`, `_` or space"
    return "day value is outside expected range"


def _parse_datetime(value: Any) -> datetime.datetime:
    if isinstance(value, datetime.datetime):
        return value
    if isinstance(value, (int, float)) or (isinstance(value, str) and _number(value)):
        return datetime.datetime.fromtimestamp(float(value), tz=datetime.timezone.utc)
    try:
        text = value.strip()
        if len(text) == 10:
            return datetime.datetime.combine(datetime.date.fromisoformat(text), datetime.time())
        return datetime.datetime.fromisoformat(text)
    except (ValueError, AttributeError, TypeError):
        if not isinstance(value, str):
            raise _Fail("datetime_type", "Input should be a valid datetime") from None
        problem = _temporal_problem(value)
        raise _Fail("datetime_from_date_parsing", f"Input should be a valid datetime or date, {problem}",
                    {"error": problem}) from None


def _parse_date(value: Any) -> datetime.date:
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value
    try:
        text = value.strip()
        if len(text) > 10:
            moment = datetime.datetime.fromisoformat(text)
            if moment.time() != datetime.time():
                raise _Fail("date_from_datetime_inexact",
                            "Datetimes provided to dates should have zero time - e.g. be exact dates")
            return moment.date()
        return datetime.date.fromisoformat(text)
    except (ValueError, AttributeError, TypeError):
        if not isinstance(value, str):
            raise _Fail("date_type", "Input should be a valid date") from None
        problem = _temporal_problem(value)
        raise _Fail("date_from_datetime_parsing", f"Input should be a valid date or datetime, {problem}",
                    {"error": problem}) from None


def _parse_time(value: Any) -> datetime.time:
    if isinstance(value, datetime.time):
        return value
    try:
        return datetime.time.fromisoformat(value.strip())
    except (ValueError, AttributeError, TypeError):
        raise _Fail("time_parsing", "Input should be in a valid time format, invalid time") from None


def _parse_timedelta(value: Any) -> datetime.timedelta:
    if isinstance(value, datetime.timedelta):
        return value
    try:
        return msgspec.convert(value, datetime.timedelta, strict=False)
    except msgspec.ValidationError:
        raise _Fail("time_delta_parsing", "Input should be a valid timedelta, invalid duration") from None


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


_PARSERS: dict[type, Converter] = {
    bool: _parse_bool, int: _parse_int, float: _parse_float, str: _parse_str, bytes: _parse_bytes,
    decimal.Decimal: _parse_decimal, uuid.UUID: _parse_uuid, datetime.datetime: _parse_datetime,
    datetime.date: _parse_date, datetime.time: _parse_time, datetime.timedelta: _parse_timedelta,
}


def _expected(values: Sequence[Any]) -> str:
    shown = [repr(value) for value in values]
    return shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} or {shown[-1]}"


def _choice_parser(choices: Sequence[Any], type_: str, result: Callable[[Any], Any]) -> Converter:
    """Enum members and Literal values, matched by value or by the string form of their value."""
    by_text = {str(choice): choice for choice in choices}
    expected = _expected(choices)

    def parse(value: Any) -> Any:
        if isinstance(value, str) and value in by_text:
            return result(by_text[value])
        for choice in choices:
            if value == choice and type(value) is type(choice):
                return result(choice)
        raise _Fail(type_, f"Input should be {expected}", {"expected": expected})

    return parse


def _scalar_parser(tp: Any) -> Converter:
    tp = strip_annotated(tp)[0]
    members = union_members(tp)
    if members is not None:
        return _union_parser([member for member in members if member is not type(None)])
    if get_origin(tp) is Literal:
        return _choice_parser(get_args(tp), "literal_error", lambda choice: choice)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return _choice_parser([member.value for member in tp], "enum", tp)
    for base, parser in _PARSERS.items():
        if isinstance(tp, type) and issubclass(tp, base):
            return parser if tp is base else lambda value, tp=tp, parser=parser: tp(parser(value))
    return lambda value: value


def _union_parser(members: list[Any]) -> Converter:
    """Like pydantic's smart mode on strings: a `str` member takes a string as it is."""
    if str in members:
        return lambda value: value
    parsers = [_scalar_parser(member) for member in members]

    def parse(value: Any) -> Any:
        first: _Fail | None = None
        for parser in parsers:
            try:
                return parser(value)
            except _Fail as exc:
                first = first or exc
        assert first is not None
        raise first

    return parse


# --- constraints, with pydantic's wording -------------------------------------------------------

def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _checks(constraints: dict[str, Any]) -> list[Callable[[Any], None]]:
    """One check per constraint, in the order pydantic reports them (it stops at the first)."""
    checks: list[Callable[[Any], None]] = []

    def add(check: Callable[[Any], bool], type_: str, msg: str, key: str) -> None:
        value = constraints[key]

        def run(item: Any) -> None:
            if not check(item):
                raise _Fail(type_, msg, {key: value})

        checks.append(run)

    def add_length(key: str, fits: Callable[[int, int], bool], word: str) -> None:
        bound = constraints[key]

        def run(item: Any) -> None:
            if isinstance(item, (str, bytes)):
                if not fits(len(item), bound):
                    kind = "string_too_short" if key == "min_length" else "string_too_long"
                    raise _Fail(kind, f"String should have {word} {_plural(bound, 'character')}", {key: bound})
            elif item is not None and not fits(len(item), bound):
                kind = "too_short" if key == "min_length" else "too_long"
                raise _Fail(kind, f"{type(item).__name__.capitalize()} should have {word} "
                            f"{_plural(bound, 'item')} after validation, not {len(item)}",
                            {"field_type": type(item).__name__.capitalize(), key: bound, "actual_length": len(item)})

        checks.append(run)

    if "multiple_of" in constraints:
        step = constraints["multiple_of"]
        add(lambda item: item % step == 0, "multiple_of", f"Input should be a multiple of {step}", "multiple_of")
    for key, type_, words, test in (
        ("le", "less_than_equal", "less than or equal to", lambda item, bound: item <= bound),
        ("lt", "less_than", "less than", lambda item, bound: item < bound),
        ("ge", "greater_than_equal", "greater than or equal to", lambda item, bound: item >= bound),
        ("gt", "greater_than", "greater than", lambda item, bound: item > bound),
    ):
        if key in constraints:
            bound = constraints[key]
            add(lambda item, bound=bound, test=test: test(item, bound), type_, f"Input should be {words} {bound}", key)
    if "min_length" in constraints:
        add_length("min_length", lambda size, bound: size >= bound, "at least")
    if "max_length" in constraints:
        add_length("max_length", lambda size, bound: size <= bound, "at most")
    if "pattern" in constraints:
        pattern = constraints["pattern"]
        compiled = re.compile(pattern)
        add(lambda item: compiled.search(item) is not None, "string_pattern_mismatch",
            f"String should match pattern '{pattern}'", "pattern")
    return checks


def _constraints_of(metadata: Sequence[Any]) -> dict[str, Any]:
    """Constraints written as `msgspec.Meta(...)` inside `Annotated` count too."""
    found: dict[str, Any] = {}
    for item in metadata:
        if isinstance(item, msgspec.Meta):
            for key in ("gt", "ge", "lt", "le", "multiple_of", "min_length", "max_length", "pattern"):
                if getattr(item, key) is not None:
                    found[key] = getattr(item, key)
    return found


def string_converter(tp: Any, constraints: dict[str, Any]) -> Converter:
    """A converter for a path/query/header/cookie value (a `str`, or a list of them for sequences)."""
    base, metadata = strip_annotated(tp)
    constraints = {**_constraints_of(metadata), **constraints}
    if is_sequence(base):
        return _sequence_converter(base, constraints)
    parse = _scalar_parser(base)
    checks = _checks(constraints)
    if not checks and parse is _parse_str:
        return lambda value: value

    def convert(value: Any) -> Any:
        try:
            result = parse(value)
            for check in checks:
                check(result)
        except _Fail as exc:
            raise Invalid([error(exc.type, exc.msg, value, (), exc.ctx)]) from None
        return result

    return convert


def _sequence_converter(tp: Any, constraints: dict[str, Any]) -> Converter:
    members = union_members(tp)
    if members is not None:
        tp = next(member for member in members if is_sequence(member))
    origin = get_origin(tp) or tp
    args = [arg for arg in get_args(tp) if arg is not Ellipsis]
    item = string_converter(args[0], {}) if args else (lambda value: value)
    build: Callable[[list[Any]], Any] = list if origin in (list, Sequence) else origin
    checks = _checks(constraints)

    def convert(values: list[Any]) -> Any:
        items, errors = [], []
        for index, value in enumerate(values):
            try:
                items.append(item(value))
            except Invalid as exc:
                errors.extend({**entry, "loc": [index, *entry["loc"]]} for entry in exc.errors)
        if errors:
            raise Invalid(errors)
        try:
            for check in checks:
                check(items)
        except _Fail as exc:
            raise Invalid([error(exc.type, exc.msg, values, (), exc.ctx)]) from None
        return build(items)

    return convert


# --- JSON values and bodies ----------------------------------------------------------------------

def dataclass_defaults(tp: Any) -> Callable[[Any], Any] | None:
    """A function storing plain field defaults on dataclass instances msgspec created, or None.

    msgspec leaves such fields to the class attribute when it builds a dataclass, and its encoder
    then omits them; FastAPI would send them. Only type trees holding such dataclasses pay for it.
    """
    return _defaults_filler(tp, {})


def _defaults_filler(tp: Any, seen: dict[Any, Any]) -> Callable[[Any], Any] | None:
    tp = strip_annotated(tp)[0]
    if tp in seen:
        return lambda value: seen[tp](value) if seen[tp] else value
    seen[tp] = None
    fill: Callable[[Any], Any] | None = None
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        hints = typing.get_type_hints(tp, include_extras=True)
        defaults = {field.name: field.default for field in dataclasses.fields(tp)
                    if field.default is not dataclasses.MISSING}
        nested = {name: filler for name in hints if (filler := _defaults_filler(hints[name], seen)) is not None}
        if defaults or nested:
            def fill(value: Any) -> Any:
                if dataclasses.is_dataclass(value) and hasattr(value, "__dict__"):
                    stored = value.__dict__
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
                items = value.values() if isinstance(value, dict) else value if isinstance(value, (list, tuple, set, frozenset)) else (value,)
                for item in items:
                    for part in inner:
                        part(item)
                return value
    seen[tp] = fill
    return fill


def json_converter(tp: Any, constraints: dict[str, Any]) -> Callable[[bytes], Any]:
    """Decode one JSON document (a body, or one embedded body field) straight into `tp`."""
    decode = msgspec.json.Decoder(tp, strict=False).decode
    fill = dataclass_defaults(tp)
    if fill is not None:
        decode = lambda raw, decode=decode: fill(decode(raw))  # noqa: E731
    checks = _checks(constraints)
    if not checks:
        return decode

    def convert(raw: bytes) -> Any:
        result = decode(raw)
        try:
            for check in checks:
                check(result)
        except _Fail as exc:
            raise Invalid([error(exc.type, exc.msg, result, (), exc.ctx)]) from None
        return result

    return convert


def json_problem(raw: bytes) -> Exception | None:
    """None when `raw` is JSON; otherwise what FastAPI raises for it.

    A syntax error is a 422 whose `loc` ends with the offending position; anything else that stops
    Python's parser (invalid UTF-8, nesting too deep) is FastAPI's 400.
    """
    try:
        json.loads(raw)
    except json.JSONDecodeError as exc:
        entry = error("json_invalid", "JSON decode error", {}, ("body", exc.pos), {"error": exc.msg})
        return RequestValidationError([entry], body=exc.doc)
    except (ValueError, RecursionError):
        return HTTPException(400, "There was an error parsing the body")
    return None


_AT = re.compile(r"^(?P<message>.*?)(?: - at `\$(?P<path>.*)`)?$", re.DOTALL)
_STEP = re.compile(r"\.([^.\[]+)|\[(\d+)\]|\[\.\.\.\]")


def translate(exc: msgspec.ValidationError, tp: Any, document: Any) -> Error:
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
    if message.startswith("Object missing required field"):
        name = message.split("`")[1]
        return missing([*loc, name], value)
    if not found:
        value = None
    problem = _describe(message, target, value)
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


_CONSTRAINT = re.compile(r"^Expected `[^`]*` (?:of length )?(?P<op>>=|<=|>|<) (?P<bound>.+)$")
_BY_TYPE: dict[type, Converter] = {
    msgspec.inspect.IntType: _parse_int, msgspec.inspect.FloatType: _parse_float,
    msgspec.inspect.BoolType: _parse_bool, msgspec.inspect.StrType: _parse_str,
    msgspec.inspect.DecimalType: _parse_decimal, msgspec.inspect.UUIDType: _parse_uuid,
    msgspec.inspect.DateTimeType: _parse_datetime, msgspec.inspect.DateType: _parse_date,
    msgspec.inspect.TimeType: _parse_time,
}


def _describe(message: str, target: msgspec.inspect.Type, value: Any) -> _Fail:
    """Which pydantic error a msgspec message about `value` (of expected type `target`) stands for."""
    if isinstance(target, (msgspec.inspect.EnumType, msgspec.inspect.LiteralType)):
        choices = [member.value for member in target.cls] if isinstance(target, msgspec.inspect.EnumType) \
            else list(target.values)
        expected = _expected(choices)
        kind = "enum" if isinstance(target, msgspec.inspect.EnumType) else "literal_error"
        return _Fail(kind, f"Input should be {expected}", {"expected": expected})
    constraint = _CONSTRAINT.match(message)
    if constraint is not None or "multiple of" in message or "matching regex" in message:
        return _constraint_failure(target, value)
    parser = _BY_TYPE.get(type(target))
    if parser is not None:
        try:
            parser(value)
        except _Fail as exc:
            return exc
    if isinstance(target, msgspec.inspect.StructType):
        return _Fail("model_attributes_type", "Input should be a valid dictionary or object to extract fields from")
    if isinstance(target, msgspec.inspect.DataclassType):
        name = target.cls.__name__
        return _Fail("dataclass_type", f"Input should be a dictionary or an instance of {name}", {"class_name": name})
    if isinstance(target, (msgspec.inspect.DictType, msgspec.inspect.TypedDictType)):
        return _Fail("dict_type", "Input should be a valid dictionary")
    if isinstance(target, msgspec.inspect.ListType):
        return _Fail("list_type", "Input should be a valid list")
    if isinstance(target, (msgspec.inspect.SetType, msgspec.inspect.FrozenSetType)):
        return _Fail("set_type", "Input should be a valid set")
    if isinstance(target, (msgspec.inspect.TupleType, msgspec.inspect.VarTupleType)):
        return _Fail("tuple_type", "Input should be a valid tuple")
    return _Fail("value_error", f"Value error, {message}")


def _constraint_failure(target: msgspec.inspect.Type, value: Any) -> _Fail:
    constraints = {key: getattr(target, key) for key in
                   ("gt", "ge", "lt", "le", "multiple_of", "min_length", "max_length", "pattern")
                   if getattr(target, key, None) is not None}
    try:
        for check in _checks(constraints):
            check(value)
    except _Fail as exc:
        return exc
    return _Fail("value_error", "Value error, constraint not met")


def body_errors(document: Any, tp: Any, loc: Sequence[Any]) -> list[Error]:
    """Every error of a decoded JSON `document` against `tp`, as pydantic reports them.

    msgspec stops at the first error; on this (error-only) path we descend into model fields, list
    items and dict values so that the client learns about all of them at once.
    """
    try:
        msgspec.convert(document, tp, strict=False)
        return []
    except msgspec.ValidationError as exc:
        first = exc
    base = strip_annotated(tp)[0]
    members = union_members(base)
    if members is not None and document is not None:
        others = [member for member in members if member is not type(None)]
        base = others[0] if len(others) == 1 else base
    errors: list[Error] = []
    fields = _model_fields(base)
    origin, args = get_origin(base) or base, get_args(base)
    if fields is not None and isinstance(document, dict):
        for name, field_type, required in fields:
            if name in document:
                errors.extend(body_errors(document[name], field_type, [*loc, name]))
            elif required:
                errors.append(missing([*loc, name], document))
    elif isinstance(origin, type) and issubclass(origin, (list, set, frozenset, tuple)) and isinstance(document, list):
        if args and (origin is not tuple or args[-1] is Ellipsis):
            for index, item in enumerate(document):
                errors.extend(body_errors(item, args[0], [*loc, index]))
    elif isinstance(origin, type) and issubclass(origin, dict) and isinstance(document, dict) and len(args) == 2:
        for key, item in document.items():
            errors.extend(body_errors(item, args[1], [*loc, key]))
    if errors:
        return errors
    entry = translate(first, tp, document)
    entry["loc"] = [*loc, *entry["loc"]]
    return [entry]


def _model_fields(tp: Any) -> list[tuple[str, Any, bool]] | None:
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
    if typing.is_typeddict(tp):
        hints = typing.get_type_hints(tp, include_extras=True)
        return [(name, hint, name in tp.__required_keys__) for name, hint in hints.items()]
    return None
