"""Reading a request body: the bytes (with disconnects), then JSON decoded for the route's fields.

`dependencies.py` decides once, when a route is created, which body fields a route has; this
module reads the body for one request and hands each field its value (or FastAPI's errors).
"""

from __future__ import annotations

import typing
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import msgspec
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request

from asgi_api import _pydantic, json_body, params, validation
from asgi_api._body_limit import read_error
from asgi_api._form_limits import form_limits_for
from asgi_api.validation import Error, Invalid

if TYPE_CHECKING:
    from asgi_api.dependencies import Context

__all__ = ["Body", "BodyField", "FormBody", "FormField", "body_reader", "is_json", "is_upload_annotation",
           "receive_body", "require_multipart"]


class BodyField:
    """A JSON body value: the whole body, or one key of it when several are merged or embedded."""

    __slots__ = ("name", "alias", "choices", "required", "default", "annotation", "marker", "json", "takes_bytes")

    def __init__(self, name: str, annotation: Any, marker: params.BodyParam, default: Any) -> None:
        self.name = name
        self.annotation = annotation
        self.marker = marker
        self.alias, *choices = params.request_names(marker, name)  # `AliasChoices`: the others tried after it
        self.choices = tuple(choices)
        self.required, self.default = params.default_of(default, marker)
        backend = _pydantic if _pydantic.wanted(annotation, marker) else json_body
        self.json = backend.JsonValue(annotation, marker.constraints | marker.switches)
        # A body that is not JSON is handed over as sent to a `bytes` field, as text to others.
        self.takes_bytes = json_body.bytes_as_text(annotation) is not None

    def read_strictly(self) -> None:
        """Take JSON values only of the types the schema names (the route's `strict_body`)."""
        if isinstance(self.json, json_body.JsonValue):
            self.json = json_body.JsonValue(self.annotation, self.marker.constraints, strict=True)


_OBJECT_OF_RAW = msgspec.json.Decoder(dict[str, msgspec.Raw])


def is_json(content_type: str) -> bool:
    if content_type == "application/json":  # what nearly every client sends
        return True
    main = content_type.split(";", 1)[0].strip().lower()
    return main == "application/json" or (main.startswith("application/") and main.endswith("+json"))


def _content_type(headers: list[tuple[bytes, bytes]]) -> str | None:
    """The first `Content-Type`, as `request.headers.get` finds it, without building `Headers`."""
    for name, value in headers:
        if name == b"content-type":
            return value.decode("latin-1")
    return None


class Body:
    """How the route reads its JSON body: one field taking the whole body, or several keyed fields.

    With `strict_content_type` (FastAPI's default) a body without a JSON content type is not parsed
    as JSON; without it, a body with no `Content-Type` at all is parsed anyway (older clients).
    """

    def __init__(self, fields: list[BodyField], strict_content_type: bool = True) -> None:
        self.fields = fields
        self.whole = fields[0] if len(fields) == 1 and not fields[0].marker.embed else None
        self.strict_content_type = strict_content_type

    async def read(self, context: Context) -> None:
        """Read and decode the body; a syntax error fails at once, a misfit only where FastAPI reports it."""
        raw = context.raw_body = await receive_body(context.request)
        if not raw:
            return
        content_type = _content_type(context.scope["headers"])
        if not (is_json(content_type) if content_type else not self.strict_content_type):
            context.body = _NotJson(raw)
            return
        json_body.refuse_lone_surrogates(raw)
        try:
            if self.whole is not None:
                context.body = _Decoded(self.whole.json.from_bytes(raw))
            else:
                context.body = _OBJECT_OF_RAW.decode(raw)
        except Invalid as exc:
            context.body = _Failed(validation.relocate(exc.errors, ("body",)))
        except _UNDECODABLE:
            document = json_body.parse_document(raw)
            if self.whole is not None:
                value, errors = self.whole.json.from_document(document, ["body"])
                context.body = _Failed(errors) if errors else _Decoded(value)
            else:
                # Keyed fields need an object: otherwise each of them is missing.
                context.body = document if isinstance(document, dict) else _NotObject()

    def value(self, field: Any, context: Context) -> tuple[Any, list[Error]]:
        body = context.body
        if self.whole is not None:
            if isinstance(body, _Decoded):
                return body.value, []
            if isinstance(body, _Failed):
                return None, body.errors
            if isinstance(body, _NotJson):
                raw = body.raw if field.takes_bytes else body.raw.decode("utf-8", "replace")
                return field.json.from_document(raw, ["body"])
            return _missing_or_default(field, ["body"])
        loc = ["body", field.alias]
        if isinstance(body, _NotObject):
            return None, [validation.missing(loc)]
        value = body.get(field.alias, _ABSENT) if isinstance(body, dict) else _ABSENT
        if value is _ABSENT and field.choices and isinstance(body, dict):
            alias = next((alias for alias in field.choices if alias in body), field.alias)
            loc, value = ["body", alias], body.get(alias, _ABSENT)
        if value is _ABSENT:
            return _missing_or_default(field, ["body", field.alias])
        if not isinstance(value, msgspec.Raw):
            return field.json.from_document(value, loc)
        try:
            return field.json.from_bytes(value), []
        except Invalid as exc:
            return None, validation.relocate(exc.errors, loc)
        except _UNDECODABLE:
            return field.json.from_document(json_body.parse_document(bytes(value)), loc)


# What msgspec raises for bytes that are not (fitting) JSON: its ValidationError is a DecodeError,
# invalid UTF-8 raises UnicodeDecodeError.
_UNDECODABLE = (msgspec.DecodeError, RecursionError, UnicodeDecodeError)
_ABSENT: Any = object()


class _Decoded:
    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


class _Failed:
    __slots__ = ("errors",)

    def __init__(self, errors: list[Error]) -> None:
        self.errors = errors


class _NotJson:
    __slots__ = ("raw",)

    def __init__(self, raw: bytes) -> None:
        self.raw = raw


class _NotObject:
    """A JSON body that is not an object, where fields are read by key."""


async def receive_body(request: Request) -> bytes:
    """The whole request body, read straight from `receive` and kept where `Request.body()` finds it.

    Starlette's `Request.body()` goes through an async generator per request; reading the messages
    here is the same protocol at a fraction of the cost on the hot path.
    """
    # seam: starlette private Request._body/_stream_consumed/_is_disconnected (the cache body() and stream() use)
    if hasattr(request, "_body"):
        return request._body
    chunks: list[bytes] = []
    try:
        while True:
            message = await request.receive()
            if message["type"] == "http.disconnect":
                request._is_disconnected = True
                raise ClientDisconnect()
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
    except ExceptionGroup as exc:  # from a middleware's task group (`BaseHTTPMiddleware`'s `receive`)
        raise read_error(exc, request.scope) from exc
    request._stream_consumed = True
    request._body = body = chunks[0] if len(chunks) == 1 else b"".join(chunks)
    return body


def _missing_or_default(field: BodyField | FormField, loc: list[Any]) -> tuple[Any, list[Error]]:
    if field.required:
        return None, [validation.missing(loc)]
    if not field.marker.validate_default or (isinstance(field, FormField) and field.convert is None):
        return field.default(), []
    if isinstance(field, BodyField):
        return field.json.from_document(field.default(), loc)
    try:  # `validate_default=True`: the default goes through the field's validation, as a value sent would
        return field.convert(field.default()), []
    except Invalid as exc:
        return None, validation.relocate(exc.errors, loc)


# --- forms and files -----------------------------------------------------------------------------

_MULTIPART_MISSING = (
    'Form data requires "python-multipart" to be installed. \n'
    'You can install "python-multipart" with: \n\n'
    "pip install python-multipart\n"
)
_MULTIPART_WRONG = (
    'Form data requires "python-multipart" to be installed. '
    'It seems you installed "multipart" instead. \n'
    'You can remove "multipart" with: \n\n'
    "pip uninstall multipart\n\n"
    'And then install "python-multipart" with: \n\n'
    "pip install python-multipart\n"
)


def require_multipart() -> None:
    """Fail when a form route is created without python-multipart, with FastAPI's message."""
    try:
        import python_multipart  # noqa: F401
    except ImportError:
        try:
            import multipart  # type: ignore[import-untyped]
        except ImportError:
            raise RuntimeError(_MULTIPART_MISSING) from None
        if not hasattr(multipart, "parse_options_header") and not hasattr(
                getattr(multipart, "multipart", None), "parse_options_header"):
            raise RuntimeError(_MULTIPART_WRONG) from None


def _without_none(tp: Any) -> Any:
    members = validation.union_members(tp)
    if members is not None:
        rest = [member for member in members if member is not type(None)]
        if len(rest) == 1:
            return rest[0]
    return tp


def _is_upload(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, UploadFile)


def is_upload_annotation(tp: Any) -> bool:
    """`UploadFile`, `UploadFile | None`, `list[UploadFile]`: a file even without `File()`."""
    base = _without_none(validation.strip_annotated(tp)[0])
    if validation.is_sequence(base):
        args = typing.get_args(base)
        return bool(args) and _is_upload(_without_none(args[0]))
    return _is_upload(base)


class FormField:
    """A form value: a text field, a file (`UploadFile` or its `bytes`), or a model read from the form."""

    __slots__ = ("name", "alias", "choices", "required", "default", "annotation", "marker", "kind", "sequence",
                 "convert", "model", "fields", "read_model", "param_model")

    def __init__(self, name: str, annotation: Any, marker: params.FormParam, default: Any) -> None:
        self.name = name
        self.annotation = annotation
        self.marker = marker
        self.alias, *choices = params.request_names(marker, name)  # `AliasChoices`: the others tried after it
        self.choices = tuple(choices)
        self.required, self.default = params.default_of(default, marker)
        base = _without_none(validation.strip_annotated(annotation)[0])
        self.sequence = validation.is_sequence(base)
        item = _without_none(typing.get_args(base)[0]) if self.sequence and typing.get_args(base) else base
        self.model: json_body.JsonValue | None = None
        self.fields: list[tuple[str, bool, bool, Any]] = []
        self.convert: Any = None
        self.read_model: Any = None
        self.param_model: Any = None  # a pydantic form model: how OpenAPI documents it
        if _is_upload(item):
            self.kind = "file"
        elif item is bytes and isinstance(marker, params.FileParam):
            self.kind = "bytes"
        elif not marker.embed and _pydantic.uses_pydantic(annotation) and (models := _pydantic.form_models(annotation)):
            self.kind = "model"
            self.param_model = _pydantic.ParamModel(name, annotation, models, marker, default)
            read = self.param_model.read
            self.read_model = lambda form: read(_grouped(form))
        elif (fields := json_body.model_fields(base)) is not None:
            self.kind = "model"
            self.read_model = self._model
            self.model = json_body.JsonValue(base, {})
            self.fields = [(key, validation.is_sequence(_without_none(validation.strip_annotated(tp)[0])), required,
                            validation.string_converter(tp, {})) for key, tp, required in fields]
        else:
            self.kind = "value"
            backend = _pydantic if _pydantic.wanted(annotation, marker) else validation
            self.convert = backend.string_converter(annotation, marker.constraints | marker.switches)

    def _model(self, form: FormData) -> tuple[Any, list[Error]]:
        """Each field of the model converted from its text as a query value is, then the model built."""
        assert self.model is not None
        given = {key: raw for key, sequence, _, _ in self.fields
                 if (raw := self.raw(form, key, sequence)) is not _ABSENT}
        values: dict[str, Any] = {}
        errors: list[Error] = []
        for key, _, required, convert in self.fields:
            if key not in given:
                if required:
                    errors.append(validation.missing(["body", key], given))
                continue
            try:
                values[key] = convert(given[key])
            except Invalid as exc:
                errors.extend(validation.relocate(exc.errors, ["body", key]))
        if errors:
            return None, errors
        return self.model.from_document(values, ["body"])

    def raw(self, form: FormData, alias: str, sequence: bool) -> Any:
        """The field's value(s) in the form; `_ABSENT` for none, an empty text or an unselected file."""
        if sequence:
            values = [value for value in form.getlist(alias) if not _empty_file(value)]
            return values or _ABSENT
        value = form.get(alias)
        if value is None or value == "" or _empty_file(value):
            return _ABSENT
        return value

    async def value(self, form: FormData) -> tuple[Any, list[Error]]:
        if self.kind == "model":
            found: tuple[Any, list[Error]] = self.read_model(form)
            return found
        alias = self.alias
        raw = self.raw(form, alias, self.sequence)
        if raw is _ABSENT and self.choices:  # an empty text or an unselected file counts as not given
            alias, raw = next(((choice, found) for choice in self.choices
                               if (found := self.raw(form, choice, self.sequence)) is not _ABSENT), (alias, raw))
        loc = ["body", alias]
        if raw is _ABSENT:
            return _missing_or_default(self, loc)
        if self.kind == "value":
            try:
                return self.convert(raw), []
            except Invalid as exc:
                return None, validation.relocate(exc.errors, loc)
        items = raw if self.sequence else [raw]
        if self.kind == "file":
            wrong = [(index, item) for index, item in enumerate(items) if not isinstance(item, UploadFile)]
            if wrong:
                return None, [validation.error("value_error", f"Value error, Expected UploadFile, received: "
                                               f"{type(item)}", item, [*loc, index] if self.sequence else loc,
                                               {"error": {}}) for index, item in wrong]
            return raw, []
        data = [await _file_bytes(item) if isinstance(item, UploadFile) else item.encode() for item in items]
        return (data if self.sequence else data[0]), []


def _grouped(form: FormData) -> dict[str, list[Any]]:
    grouped: dict[str, list[Any]] = {}
    for name, value in form.multi_items():
        grouped.setdefault(name, []).append(value)
    return grouped


def _empty_file(value: Any) -> bool:
    """Browsers send a file part with no name and no content when no file was chosen."""
    return isinstance(value, UploadFile) and not value.filename and not value.size


async def _file_bytes(file: UploadFile) -> bytes:
    """The file's content, leaving its position where it was (another parameter may read it too)."""
    position = file.file.tell()
    await file.seek(0)
    try:
        return await file.read()
    finally:
        await file.seek(position)


class FormBody:
    """How a route reads a form: Starlette's parser (with its field, file and part-size limits),
    every field converted at once, and the form closed (temporary files removed) after the response."""

    def __init__(self, fields: list[FormField], limits: Mapping[str, Any]) -> None:
        require_multipart()
        self.fields = fields
        self.limits = limits  # `form_limits=`: max_fields, max_files, max_part_size

    async def read(self, context: Context) -> None:
        try:
            form = await context.request.form(**form_limits_for(context.scope, self.limits))
        except HTTPException:
            raise
        except ExceptionGroup as exc:
            raise read_error(exc, context.scope) from exc
        except Exception as exc:  # a malformed body is the client's error, as in FastAPI
            raise HTTPException(400, "There was an error parsing the body") from exc
        assert context.request_stack is not None, "a form route opens its exit stacks"
        context.request_stack.push_async_callback(form.close)
        context.body = {field.name: await field.value(form) for field in self.fields}
        context.form = form

    def value(self, field: Any, context: Context) -> tuple[Any, list[Error]]:
        found: tuple[Any, list[Error]] = context.body[field.name]
        return found


def body_reader(fields: list[Any], strict_content_type: bool, strict_body: bool = False,
                form_limits: Mapping[str, Any] | None = None) -> Body | FormBody | None:
    """The reader for a route's body fields: none, JSON, or a form when any of them is a form field."""
    if not fields:
        return None
    if any(isinstance(field, FormField) for field in fields):
        return FormBody([field if isinstance(field, FormField) else
                         FormField(field.name, field.annotation, params.FormParam(), params.UNSET)
                         for field in fields], form_limits or {})
    if strict_body:
        for field in fields:
            field.read_strictly()
    return Body(fields, strict_content_type)
