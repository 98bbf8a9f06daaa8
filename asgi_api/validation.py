"""Path, query, header and cookie values: from strings to typed values, or FastAPI's error entries.

Converters are prepared when a route is created. They accept what FastAPI (pydantic in lax mode)
accepts, e.g. `" 7 "` and `"1_000"` for an int, `"yes"`/`"off"` for a bool, and report failures and
constraint violations with pydantic's error types and messages.
"""

from __future__ import annotations

import datetime
import decimal
import enum
import functools
import math
import operator
import re
import types
import uuid
from collections.abc import Callable, Sequence
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import msgspec

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


def relocate(errors: list[Error], prefix: Sequence[Any]) -> list[Error]:
    """`errors` with `prefix` put in front of each `loc` (where the converted value sits)."""
    return [{**entry, "loc": [*prefix, *entry["loc"]]} for entry in errors]


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
        return True  # FastAPI reads an unannotated (`Any`) parameter from the query string
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

class Fail(Exception):
    def __init__(self, type_: str, msg: str, ctx: dict[str, Any] | None = None) -> None:
        self.type, self.msg, self.ctx = type_, msg, ctx


_INT = re.compile(r"[+-]?\d+(?:_\d+)*(?:\.0*)?")
_TRUE = frozenset({"1", "on", "t", "true", "y", "yes"})
_FALSE = frozenset({"0", "off", "f", "false", "n", "no"})


def _too_big() -> Fail:
    return Fail("int_parsing_size", "Unable to parse input string as an integer, exceeded maximum size")


def _parse_int(value: Any) -> int:
    if type(value) is int:
        return value
    try:
        if isinstance(value, str):
            if value.isascii() and value.isdigit():
                return int(value)
            text = value.strip()
            if _INT.fullmatch(text):
                return int(text.split(".")[0].replace("_", ""))
            raise Fail("int_parsing", "Input should be a valid integer, unable to parse string as an integer")
    except ValueError:  # more digits than Python converts
        raise _too_big() from None
    if isinstance(value, float):
        if abs(value) >= 2**63:
            raise _too_big()
        if value.is_integer():
            return int(value)
        raise Fail("int_from_float", "Input should be a valid integer, got a number with a fractional part")
    raise Fail("int_type", "Input should be a valid integer")


def _parse_float(value: Any) -> float:
    try:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        return float(value.strip().replace("_", "") if isinstance(value, str) else value)
    except (ValueError, TypeError, OverflowError):
        if isinstance(value, str):
            raise Fail("float_parsing", "Input should be a valid number, unable to parse string as a number") from None
        raise Fail("float_type", "Input should be a valid number") from None


def _parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower() if isinstance(value, (str, int)) else None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise Fail("bool_parsing", "Input should be a valid boolean, unable to interpret input")


def _parse_str(value: Any) -> str:
    if isinstance(value, str):
        return value
    raise Fail("string_type", "Input should be a valid string")


def _parse_bytes(value: Any) -> bytes:
    if isinstance(value, str):
        return value.encode()
    raise Fail("bytes_type", "Input should be a valid bytes")


def _parse_decimal(value: Any) -> decimal.Decimal:
    try:
        result = decimal.Decimal(value.strip() if isinstance(value, str) else value)
    except (decimal.InvalidOperation, TypeError, ValueError):
        raise Fail("decimal_parsing", "Input should be a valid decimal") from None
    if not result.is_finite():
        raise Fail("finite_number", "Input should be a finite number")
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
    for number, (group, size) in enumerate(zip(groups, (8, 4, 4, 4, 12), strict=True), start=1):
        if len(group) != size:
            return f"invalid group length in group {number}: expected {size}, found {len(group)}"
    return f"invalid length: found {len(body)}"


def _parse_uuid(value: Any) -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value
    if not isinstance(value, str):
        raise Fail("uuid_type", "UUID input should be a string, bytes or UUID object")
    try:
        return uuid.UUID(value)
    except ValueError:
        problem = _uuid_problem(value)
        raise Fail("uuid_parsing", f"Input should be a valid UUID, {problem}", {"error": problem}) from None


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
    if isinstance(value, (int, float)) or (isinstance(value, str) and _TIMESTAMP_TEXT.fullmatch(value)):
        try:
            return datetime.datetime.fromtimestamp(float(value), tz=datetime.timezone.utc)
        except (OverflowError, OSError, ValueError):
            when = "after 9999" if float(value) > 0 else "before 0000"
            problem = f"dates {when} are not supported as unix timestamps"
            raise Fail("datetime_parsing", f"Input should be a valid datetime, {problem}", {"error": problem}) from None
    try:
        text = value.strip()
        if len(text) == 10:
            return datetime.datetime.combine(datetime.date.fromisoformat(text), datetime.time())
        return datetime.datetime.fromisoformat(text)
    except (ValueError, AttributeError, TypeError):
        if not isinstance(value, str):
            raise Fail("datetime_type", "Input should be a valid datetime") from None
        problem = _temporal_problem(value)
        raise Fail("datetime_from_date_parsing", f"Input should be a valid datetime or date, {problem}",
                    {"error": problem}) from None


def _parse_date(value: Any) -> datetime.date:
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value
    try:
        text = value.strip()
        if len(text) > 10:
            moment = datetime.datetime.fromisoformat(text)
            if moment.time() != datetime.time():
                raise Fail("date_from_datetime_inexact",
                            "Datetimes provided to dates should have zero time - e.g. be exact dates")
            return moment.date()
        return datetime.date.fromisoformat(text)
    except (ValueError, AttributeError, TypeError):
        if not isinstance(value, str):
            raise Fail("date_type", "Input should be a valid date") from None
        problem = _temporal_problem(value)
        raise Fail("date_from_datetime_parsing", f"Input should be a valid date or datetime, {problem}",
                    {"error": problem}) from None


def _parse_time(value: Any) -> datetime.time:
    if isinstance(value, datetime.time):
        return value
    try:
        return datetime.time.fromisoformat(value.strip())
    except (ValueError, AttributeError, TypeError):
        raise Fail("time_parsing", "Input should be in a valid time format, invalid time") from None


def _parse_timedelta(value: Any) -> datetime.timedelta:
    if isinstance(value, datetime.timedelta):
        return value
    try:
        return msgspec.convert(value, datetime.timedelta, strict=False)
    except msgspec.ValidationError:
        raise Fail("time_delta_parsing", "Input should be a valid timedelta, invalid duration") from None


# Text pydantic reads as a unix timestamp: digits with an optional sign and fraction, no exponent.
_TIMESTAMP_TEXT = re.compile(r"[+-]?\d+(?:\.\d+)?")


PARSERS: dict[type, Converter] = {
    bool: _parse_bool, int: _parse_int, float: _parse_float, str: _parse_str, bytes: _parse_bytes,
    decimal.Decimal: _parse_decimal, uuid.UUID: _parse_uuid, datetime.datetime: _parse_datetime,
    datetime.date: _parse_date, datetime.time: _parse_time, datetime.timedelta: _parse_timedelta,
}


def expected_text(values: Sequence[Any]) -> str:
    shown = [repr(value) for value in values]
    return shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} or {shown[-1]}"


def _choice_parser(choices: Sequence[Any], type_: str, result: Callable[[Any], Any], by_str: bool) -> Converter:
    """Enum members and Literal values, matched by value; with `by_str` (enums) also by the string
    form of their value, as pydantic matches a query string `2` to `IntEnum` but not to `Literal[2]`."""
    by_text = {str(choice): choice for choice in choices if by_str or isinstance(choice, str)}
    expected = expected_text(choices)

    def parse(value: Any) -> Any:
        if isinstance(value, str) and value in by_text:
            return result(by_text[value])
        for choice in choices:
            if value == choice and type(value) is type(choice):
                return result(choice)
        raise Fail(type_, f"Input should be {expected}", {"expected": expected})

    return parse


def _scalar_parser(tp: Any) -> Converter:
    tp = strip_annotated(tp)[0]
    members = union_members(tp)
    if members is not None:
        return _union_parser([member for member in members if member is not type(None)])
    if get_origin(tp) is Literal:
        return _choice_parser(get_args(tp), "literal_error", lambda choice: choice, by_str=False)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return _choice_parser([member.value for member in tp], "enum", tp, by_str=True)
    for base, parser in PARSERS.items():
        if isinstance(tp, type) and issubclass(tp, base):
            return parser if tp is base else functools.partial(_as_subclass, tp, parser)
    return _same


def _same(value: Any) -> Any:
    """The parser of a type taken as it comes (`Any`, or a union with `str`)."""
    return value


def _union_parser(members: list[Any]) -> Converter:
    """Like pydantic's smart mode on strings: a `str` member takes a string as it is."""
    if str in members:
        return _same
    parsers = [_scalar_parser(member) for member in members]

    def parse(value: Any) -> Any:
        first: Fail | None = None
        for parser in parsers:
            try:
                return parser(value)
            except Fail as exc:
                first = first or exc
        assert first is not None
        raise first

    return parse


# --- constraints, with pydantic's wording -------------------------------------------------------

def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def constraint_checks(constraints: dict[str, Any], floats: bool = False) -> list[Callable[[Any], None]]:
    """One check per constraint, in the order pydantic reports them (it stops at the first).

    With `floats` (a float-typed value) numeric bounds show as floats in `ctx`, as pydantic's do.
    """
    checks: list[Callable[[Any], None]] = []
    if constraints.get("allow_inf_nan") is False:
        checks.append(_finite_check)
    if "max_digits" in constraints or "decimal_places" in constraints:
        checks.append(_digits_check(constraints.get("max_digits"), constraints.get("decimal_places")))

    def add(check: Callable[[Any], bool], type_: str, msg: str, key: str) -> None:
        value = float(constraints[key]) if floats and key != "pattern" else constraints[key]

        def run(item: Any) -> None:
            if not check(item):
                raise Fail(type_, msg, {key: value})

        checks.append(run)

    def add_length(key: str, fits: Callable[[int, int], bool], word: str) -> None:
        bound = constraints[key]

        def run(item: Any) -> None:
            if isinstance(item, (str, bytes)):
                if not fits(len(item), bound):
                    kind = "string_too_short" if key == "min_length" else "string_too_long"
                    raise Fail(kind, f"String should have {word} {_plural(bound, 'character')}", {key: bound})
            elif item is not None and not fits(len(item), bound):
                kind = "too_short" if key == "min_length" else "too_long"
                raise Fail(kind, f"{type(item).__name__.capitalize()} should have {word} "
                            f"{_plural(bound, 'item')} after validation, not {len(item)}",
                            {"field_type": type(item).__name__.capitalize(), key: bound, "actual_length": len(item)})

        checks.append(run)

    if "multiple_of" in constraints:
        step = constraints["multiple_of"]
        add(lambda item: item % step == 0, "multiple_of", f"Input should be a multiple of {step}", "multiple_of")
    for key, type_, words, test in (
        ("le", "less_than_equal", "less than or equal to", operator.le),
        ("lt", "less_than", "less than", operator.lt),
        ("ge", "greater_than_equal", "greater than or equal to", operator.ge),
        ("gt", "greater_than", "greater than", operator.gt),
    ):
        if key in constraints:
            checks.append(_bound_check(test, constraints[key], type_, f"Input should be {words}", key, floats))
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


def _finite_check(item: Any) -> None:
    """`allow_inf_nan=False`: a float must be finite (pydantic checks it before any bound)."""
    if isinstance(item, float) and not math.isfinite(item):
        raise Fail("finite_number", "Input should be a finite number")


def _as_subclass(tp: Callable[[Any], Any], parser: Callable[[Any], Any], value: Any) -> Any:
    return tp(parser(value))


def _bound_check(test: Callable[[Any, Any], bool], bound: Any, type_: str, words: str, key: str,
                 floats: bool) -> Callable[[Any], None]:
    """A `ge`/`gt`/`le`/`lt` check: one call per value (these run on every request)."""
    shown = float(bound) if floats else bound
    msg = f"{words} {bound}"

    def run(item: Any) -> None:
        if not test(item, bound):
            raise Fail(type_, msg, {key: shown})

    return run


def _digits_check(max_digits: int | None, places: int | None) -> Callable[[Any], None]:
    """pydantic's decimal checks: total digits, then decimal places, then digits before the point."""

    def run(item: Any) -> None:
        if not isinstance(item, decimal.Decimal):
            return
        _, digit_tuple, exponent = item.normalize().as_tuple()
        assert isinstance(exponent, int)  # the value is finite: parsing rejected NaN and infinity
        decimals = max(-exponent, 0)
        digits = max(len(digit_tuple) + max(exponent, 0), decimals)
        if max_digits is not None and digits > max_digits:
            raise Fail("decimal_max_digits", f"Decimal input should have no more than "
                       f"{_plural(max_digits, 'digit')} in total", {"max_digits": max_digits})
        if places is not None and decimals > places:
            raise Fail("decimal_max_places", f"Decimal input should have no more than "
                       f"{_plural(places, 'decimal place')}", {"decimal_places": places})
        if max_digits is not None and places is not None and digits - decimals > max_digits - places:
            whole = max_digits - places
            raise Fail("decimal_whole_digits", f"Decimal input should have no more than "
                       f"{_plural(whole, 'digit')} before the decimal point", {"whole_digits": whole})

    return run


def enforce(checks: list[Callable[[Any], None]], value: Any, input_: Any) -> None:
    """Run constraint checks on a converted value; a failure reports `input_` (what was sent).

    `None` (an `Optional` value left out or sent as null) has nothing to check, as in pydantic."""
    if value is None:
        return
    try:
        for check in checks:
            check(value)
    except Fail as exc:
        raise Invalid([error(exc.type, exc.msg, input_, (), exc.ctx)]) from None


# The constraints `msgspec.Meta` and msgspec's type info carry, under the names `Query(...)` uses.
META_CONSTRAINTS = ("gt", "ge", "lt", "le", "multiple_of", "min_length", "max_length", "pattern")


def _constraints_of(metadata: Sequence[Any]) -> dict[str, Any]:
    """Constraints written as `msgspec.Meta(...)` inside `Annotated` count too."""
    return {key: getattr(item, key) for item in metadata if isinstance(item, msgspec.Meta)
            for key in META_CONSTRAINTS if getattr(item, key) is not None}


def string_converter(tp: Any, constraints: dict[str, Any]) -> Converter:
    """A converter for a path/query/header/cookie value (a `str`, or a list of them for sequences)."""
    base, metadata = strip_annotated(tp)
    constraints = {**_constraints_of(metadata), **constraints}
    if is_sequence(base):
        return _sequence_converter(base, constraints)
    parse = _scalar_parser(base)
    members = union_members(base)
    floats = float in (members or (base,))
    checks = constraint_checks(constraints, floats=floats)
    if not checks and parse in (_parse_str, _same):
        return _same

    def convert(value: Any) -> Any:
        try:
            result = parse(value)
            if result is not None:  # `None` has nothing to check, as in `enforce`
                for check in checks:
                    check(result)
        except Fail as exc:
            raise Invalid([error(exc.type, exc.msg, value, (), exc.ctx)]) from None
        return result

    return convert


def _sequence_converter(tp: Any, constraints: dict[str, Any]) -> Converter:
    members = union_members(tp)
    if members is not None:
        tp = next(member for member in members if is_sequence(member))
    origin = get_origin(tp) or tp
    args = [arg for arg in get_args(tp) if arg is not Ellipsis]
    item_constraints = {"allow_inf_nan": False} if constraints.get("allow_inf_nan") is False else {}
    item = string_converter(args[0], item_constraints) if args else _same
    build: Callable[[list[Any]], Any] = list if origin in (list, Sequence) else origin
    checks = constraint_checks(constraints)

    def convert(values: list[Any]) -> Any:
        items: list[Any] = []
        errors: list[Error] = []
        for index, value in enumerate(values):
            try:
                items.append(item(value))
            except Invalid as exc:
                errors.extend({**entry, "loc": [index, *entry["loc"]]} for entry in exc.errors)
        if errors:
            raise Invalid(errors)
        enforce(checks, items, values)
        return build(items)

    return convert
