"""The OpenAPI 3.1 document of an app, built from the route plans with msgspec's JSON Schema support.

It is generated on first use (never at start-up, never on the request path) and cached by `API`.
"""

from __future__ import annotations

import http.client
import inspect
import re
import warnings
from collections.abc import Sequence
from typing import Any

import msgspec
from starlette.routing import BaseRoute

from asgi_api import _pydantic, type_check
from asgi_api.dependencies import Dependant, RequestParam
from asgi_api.params import UNSET, FileParam, FormParam, Param
from asgi_api.request_body import BodyField, FormBody, FormField
from asgi_api.responses import JSONResponse, body_allowed
from asgi_api.routing import APIRoute
from asgi_api.security.base import SecurityBase

REF = "#/components/schemas/"
METHODS_WITH_BODY = {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH"}  # FastAPI's: a GET may read a body too
_CONSTRAINT_KEYWORDS = {
    "gt": "exclusiveMinimum", "ge": "minimum", "lt": "exclusiveMaximum", "le": "maximum",
    "multiple_of": "multipleOf", "pattern": "pattern",
}
_VALIDATION_ERROR = {
    "title": "ValidationError",
    "type": "object",
    "properties": {
        "loc": {"title": "Location", "type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}},
        "msg": {"title": "Message", "type": "string"},
        "type": {"title": "Error Type", "type": "string"},
        "input": {"title": "Input"},
        "ctx": {"title": "Context", "type": "object"},
    },
    "required": ["loc", "msg", "type"],
}
_HTTP_VALIDATION_ERROR = {
    "title": "HTTPValidationError",
    "type": "object",
    "properties": {"detail": {"title": "Detail", "type": "array", "items": {"$ref": REF + "ValidationError"}}},
}


def unique_id(route: APIRoute) -> str:
    """FastAPI's default operation id: name + path with non-word characters as `_` + method."""
    return f"{re.sub(r'[^0-9a-zA-Z_]', '_', route.name + route.path_format)}_{sorted(route.methods)[0].lower()}"


def _title(name: str) -> str:
    return name.replace("_", " ").title()


class _Schemas:
    """Collects every type first, so one call per backend names all components consistently:
    msgspec's for its types, pydantic's (validation or serialisation mode) for pydantic types.
    A form field's type (`Form()`, `File()`) is added in mode "file": its `bytes` arrive raw, as a
    file's content, and are documented so (a JSON body's are base64 text)."""

    def __init__(self) -> None:
        self.types: list[tuple[Any, str]] = []

    def add(self, tp: Any, mode: str = "validation") -> int:
        self.types.append((tp, mode))
        return len(self.types) - 1

    def build(self) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        pydantic = [_pydantic.uses_pydantic(tp) for tp, _ in self.types]
        schemas, components = msgspec.json.schema_components(
            [type_check.describable(tp, mode == "file")
             for (tp, mode), own in zip(self.types, pydantic, strict=True) if not own],
            ref_template=REF + "{name}", schema_hook=type_check.schema_hook)
        for component in components.values():
            _as_pydantic_writes(component)
        found = iter(schemas)
        result: list[dict[str, Any]] = [{} if own else next(found) for own in pydantic]
        if any(pydantic):
            entries = [(tp, "validation" if mode == "file" else mode)
                       for (tp, mode), own in zip(self.types, pydantic, strict=True) if own]
            generated, definitions = _pydantic.schemas(entries, REF + "{model}")
            positions = [index for index, own in enumerate(pydantic) if own]
            for index, schema in zip(positions, generated, strict=True):
                result[index] = schema
            components = {**components, **definitions}
        return result, dict(components)


def _refers(schema: dict[str, Any]) -> bool:
    return "$ref" in schema or any("$ref" in member for member in schema.get("anyOf", ()))


def _as_pydantic_writes(component: dict[str, Any]) -> None:
    """Model properties as FastAPI documents them: a title on each (but references), and no
    `null` or factory-made (`[]`, `{}`) defaults."""
    for name, schema in component.get("properties", {}).items():
        if "default" in schema and schema["default"] in (None, [], {}):
            del schema["default"]
        if "title" not in schema and not _refers(schema):
            schema["title"] = _title(name)


def _security(dependant: Dependant, schemes: dict[str, Any]) -> list[dict[str, list[str]]]:
    """The operation's `security`: each scheme in the dependency tree once, with every scope asked
    of it; the schemes themselves are added to `schemes`."""
    requirements: dict[str, list[str]] = {}
    seen: set[Any] = set()
    pending = list(reversed(dependant.dependencies))
    while pending:
        current = pending.pop()
        if current.cache_key in seen:
            continue
        seen.add(current.cache_key)
        if isinstance(current.call, SecurityBase):
            schemes[current.call.scheme_name] = current.call.model
            scopes = requirements.setdefault(current.call.scheme_name, [])
            scopes.extend(scope for scope in current.scopes if scope not in scopes)
        pending.extend(reversed(current.dependencies))
    return [{name: scopes} for name, scopes in requirements.items()]


def _all_params(dependant: Dependant, location: str, seen: set[tuple[str, str]]) -> list[RequestParam]:
    """A level's own parameters first, then its dependencies' (FastAPI's order), each name once."""
    found: list[RequestParam] = []
    for param in dependant.documented(location):
        key = (location, param.alias)
        if key not in seen and param.marker.include_in_schema:
            seen.add(key)
            found.append(param)
    for dependency in dependant.dependencies:
        found.extend(_all_params(dependency, location, seen))
    return found


def _validates_params(dependant: Dependant) -> bool:
    """Whether a request's parameters are validated at all (those left out of the schema too): then
    the operation can answer 422."""
    return any(dependant.documented(location) for location in ("path", "query", "header", "cookie")) \
        or any(_validates_params(dependency) for dependency in dependant.dependencies)


def _with_constraints(schema: dict[str, Any], constraints: dict[str, Any]) -> dict[str, Any]:
    """Constraint keywords go on the non-null branch of an optional type, as pydantic puts them."""
    if not constraints:
        return schema
    target = schema
    for branch in schema.get("anyOf", ()):
        if branch.get("type") != "null":
            target = branch
            break
    for key, value in constraints.items():
        if key in ("min_length", "max_length"):
            prefix = "min" if key == "min_length" else "max"
            suffix = "Items" if target.get("type") == "array" else "Length"
            target[prefix + suffix] = value
        else:
            target[_CONSTRAINT_KEYWORDS[key]] = value
    return schema


def _field_schema(schema: dict[str, Any], name: str, marker: Any, required: bool, default: Any) -> dict[str, Any]:
    schema = _with_constraints(dict(schema), marker.documented_constraints)
    if "$ref" not in schema:
        schema["title"] = marker.title or _title(name)
    if marker.description:
        schema["description"] = marker.description
    if not required and marker.default_factory is None:  # pydantic documents no factory-made default
        value = default()
        try:
            if value is not None:  # FastAPI writes no `"default": null` for parameters and body fields
                schema["default"] = msgspec.to_builtins(value)
        except TypeError:
            pass
    if marker.examples:
        schema["examples"] = msgspec.to_builtins(marker.examples)
    schema.update(marker.json_schema_extra or {})
    return schema


def _default_status(route: APIRoute) -> str:
    if route.status_code is not None:
        return str(route.status_code)
    parameter = inspect.signature(route.response_class.__init__).parameters.get("status_code")
    return str(parameter.default if parameter is not None and isinstance(parameter.default, int) else 200)


def get_openapi(
    *,
    title: str,
    version: str,
    openapi_version: str = "3.1.0",
    summary: str | None = None,
    description: str | None = None,
    routes: Sequence[BaseRoute],
    webhooks: Sequence[BaseRoute] | None = None,
    tags: list[dict[str, Any]] | None = None,
    servers: list[dict[str, Any]] | None = None,
    terms_of_service: str | None = None,
    contact: dict[str, Any] | None = None,
    license_info: dict[str, Any] | None = None,
    separate_input_output_schemas: bool = True,
    external_docs: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The OpenAPI document for the `APIRoute`s in `routes` (other routes are left out), and for
    those in `webhooks` under `"webhooks"`; FastAPI's keywords, so a custom `app.openapi` that
    calls it (the "extending OpenAPI" recipe) is unchanged.

    Operations without an `operation_id` are named by their route's `generate_unique_id_function`
    (FastAPI's naming by default). `separate_input_output_schemas=False` describes responses as
    inputs too (pydantic models then get one component, not `Model-Input`/`Model-Output`), but for
    models with computed fields.
    """

    def output(tp: Any) -> str:
        keep = separate_input_output_schemas or (_pydantic.uses_pydantic(tp) and _pydantic.has_computed_fields(tp))
        return "serialization" if keep else "validation"

    documented = [(route, target) for target, members in (("paths", routes), ("webhooks", webhooks or ()))
                  for route in members if isinstance(route, APIRoute) and route.include_in_schema]
    schemas = _Schemas()
    plans: list[tuple[APIRoute, str, list[tuple[RequestParam, int]], list[tuple[BodyField | FormField, int]],
                      int | None, dict[Any, int]]] = []
    for route, target in documented:
        route_params = [param for location in ("path", "query", "header", "cookie")
                        for param in _all_params(route.dependant, location, set())]
        body_fields = route.body.fields if route.body is not None else []
        described = issubclass(route.response_class, JSONResponse) or route.is_sse_stream
        response_model = route.response_model if described else None
        plans.append((
            route,
            target,
            [(param, schemas.add(param.annotation)) for param in route_params],
            [(field, schemas.add(field.annotation, "file" if isinstance(field.marker, FormParam) else "validation"))
             for field in body_fields],
            schemas.add(response_model, output(response_model)) if response_model is not None else None,
            {code: schemas.add(extra["model"], output(extra["model"]))
             for code, extra in route.responses.items() if "model" in extra},
        ))
    generated, components = schemas.build()
    validation_used = False
    security_schemes: dict[str, Any] = {}
    paths: dict[str, dict[str, dict[str, Any]]] = {"paths": {}, "webhooks": {}}
    operation_ids: set[str] = set()
    for route, target, params, body, response_index, extra_models in plans:
        operation_id = route.operation_id or (route.generate_unique_id_function or unique_id)(route)
        for method in sorted(route.methods):
            if operation_id in operation_ids:
                _warn_duplicate(operation_id, route.endpoint)
            operation_ids.add(operation_id)
            operation: dict[str, Any] = {}
            if route.tags:
                operation["tags"] = list(route.tags)
            operation["summary"] = route.summary or _title(route.name)
            if route.description:
                operation["description"] = route.description.split("\f")[0].strip()
            operation["operationId"] = operation_id
            if route.deprecated:
                operation["deprecated"] = True
            security = _security(route.dependant, security_schemes)
            if security:
                operation["security"] = security
            if params:
                operation["parameters"] = [_parameter(param, generated[index]) for param, index in params]
            if body and method in METHODS_WITH_BODY:
                operation["requestBody"] = _request_body(route, body, generated, components, operation_id)
            operation["responses"] = _responses(
                route, operation_id, generated[response_index] if response_index is not None else None,
                {code: generated[index] for code, index in extra_models.items()})
            if (params or body or _validates_params(route.dependant)) \
                    and not {"422", "4XX", "default"} & set(operation["responses"]):
                operation["responses"]["422"] = {
                    "description": "Validation Error",
                    "content": {"application/json": {"schema": {"$ref": REF + "HTTPValidationError"}}},
                }
                validation_used = True
            if route.openapi_extra:
                _deep_update(operation, route.openapi_extra)
            paths[target].setdefault(route.path_format, {})[method.lower()] = operation
    if validation_used:
        components["ValidationError"] = _VALIDATION_ERROR
        components["HTTPValidationError"] = _HTTP_VALIDATION_ERROR
    info: dict[str, Any] = {"title": title, "version": version}
    if summary:
        info["summary"] = summary
    if description:
        info["description"] = description
    for key, value in (("termsOfService", terms_of_service), ("contact", contact), ("license", license_info)):
        if value:
            info[key] = value
    document: dict[str, Any] = {"openapi": openapi_version, "info": info}
    if servers:
        document["servers"] = servers
    document["paths"] = paths["paths"]
    if paths["webhooks"]:
        document["webhooks"] = paths["webhooks"]
    if security_schemes:
        document["components"] = {"securitySchemes": security_schemes}
    if components:
        document.setdefault("components", {})["schemas"] = dict(sorted(components.items()))
    if tags:
        document["tags"] = tags
    if external_docs:
        document["externalDocs"] = external_docs
    return document


def _parameter(param: RequestParam, schema: dict[str, Any]) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "name": param.alias,
        "in": param.loc,
        "required": param.required,
        "schema": _field_schema(schema, param.alias, param.marker, param.required, param.default),
    }
    if param.marker.description:
        entry["description"] = param.marker.description
    entry.update(_examples_beside(param.marker))
    if param.marker.deprecated:
        entry["deprecated"] = True
    return entry


def _examples_beside(marker: Param) -> dict[str, Any]:
    """OpenAPI's examples of a parameter or a body, outside its schema: `openapi_examples` (named
    Example objects), else the deprecated `example`; FastAPI writes one of them."""
    if marker.openapi_examples:
        return {"examples": msgspec.to_builtins(marker.openapi_examples)}
    if marker.example is not UNSET:
        return {"example": msgspec.to_builtins(marker.example)}
    return {}


def _warn_duplicate(operation_id: str, endpoint: Any) -> None:
    """Two operations of one name break generated clients: say which function, as FastAPI does."""
    message = f"Duplicate Operation ID {operation_id} for function {getattr(endpoint, '__name__', endpoint)}"
    file_name = getattr(endpoint, "__globals__", {}).get("__file__")
    warnings.warn(message + (f" at {file_name}" if file_name else ""), stacklevel=1)


def _media_type(route: APIRoute, body: list[tuple[BodyField | FormField, int]]) -> str:
    """The body's media type: the one its fields agree on, else the default; a form with a file (or
    a field saying so) is multipart."""
    media_types = {field.marker.media_type for field, _ in body}
    if isinstance(route.body, FormBody):
        if "multipart/form-data" in media_types or any(isinstance(field.marker, FileParam) for field, _ in body):
            return "multipart/form-data"
        default = "application/x-www-form-urlencoded"
    else:
        default = "application/json"
    return media_types.pop() if len(media_types) == 1 else default


def _request_body(route: APIRoute, body: list[tuple[BodyField | FormField, int]], generated: list[dict[str, Any]],
                  components: dict[str, Any], operation_id: str) -> dict[str, Any]:
    media_type = _media_type(route, body)
    if isinstance(route.body, FormBody):
        if any(field.kind == "model" for field, _ in body):  # type: ignore[union-attr]
            return _body_entry(media_type, *_model_form(body, generated, components,  # type: ignore[arg-type]
                                                        f"Body_{operation_id}"))
    elif route.body is not None and route.body.whole is not None:
        field, index = body[0]
        schema = _field_schema(generated[index], field.name, field.marker, field.required, field.default)
        entry = _body_entry(media_type, schema, field.required)
        entry["content"][media_type].update(_examples_beside(field.marker))
        return entry
    name = f"Body_{operation_id}"
    properties = {field.alias: _field_schema(generated[index], field.alias, field.marker, field.required, field.default)
                  for field, index in body}
    component: dict[str, Any] = {"properties": properties, "type": "object"}
    required = [field.alias for field, _ in body if field.required]
    if required:
        component["required"] = required
    component["title"] = name
    components[name] = component
    return _body_entry(media_type, {"$ref": REF + name}, bool(required))


def _model_form(body: list[tuple[FormField, int]], generated: list[dict[str, Any]], components: dict[str, Any],
                name: str) -> tuple[dict[str, Any], bool]:
    """A form holding models, as FastAPI documents it: one model alone is its schema; else the form's
    own fields are properties and each model a condition of `allOf`, an optional one met either by
    the model or by a form without its fields."""
    field, index = body[0]
    optional = any(field.param_model is not None and field.param_model.optional for field, _ in body)
    if len(body) == 1 and not optional:
        return _titled(generated[index], field), True
    properties: dict[str, Any] = {}
    required: list[str] = []
    conditions: list[dict[str, Any]] = []
    for field, index in body:
        if field.kind != "model":
            properties[field.alias] = _field_schema(generated[index], field.alias, field.marker, field.required,
                                                    field.default)
            required += [field.alias] if field.required else []
            continue
        schema = _titled(generated[index], field)
        model = field.param_model
        if model is None:
            conditions.append(schema)
            continue
        schema = model.form_schema(schema, components) if "$ref" in schema else {
            **schema, "anyOf": [model.form_schema(member, components) if "$ref" in member else member
                                for member in schema.get("anyOf", ()) if not (model.optional and member == _NULL)]}
        if model.optional:
            absent = model.absent_schema()
            if field.required:
                conditions.append({"not": absent})
            else:
                schema = {"anyOf": [absent, schema]}
        conditions.append(schema)
    component: dict[str, Any] = {"properties": properties, "required": required, "allOf": conditions}
    components[name] = {**{key: value for key, value in component.items() if value}, "title": name, "type": "object"}
    return {"$ref": REF + name}, any(field.required for field, _ in body)


_NULL = {"type": "null"}


def _titled(schema: dict[str, Any], field: FormField) -> dict[str, Any]:
    """A form model field's schema: pydantic titles it by the field, but for a bare reference to the model."""
    return schema if "$ref" in schema else {**schema, "title": field.marker.title or _title(field.name)}


def _body_entry(media_type: str, schema: dict[str, Any], required: bool) -> dict[str, Any]:
    """FastAPI writes `"required": true` and leaves the key out otherwise."""
    entry: dict[str, Any] = {"content": {media_type: {"schema": schema}}}
    if required:
        entry["required"] = True
    return entry


def _responses(route: APIRoute, operation_id: str, model_schema: dict[str, Any] | None,
               extra_schemas: dict[int | str, dict[str, Any]]) -> dict[str, Any]:
    status = _default_status(route)
    response: dict[str, Any] = {"description": route.response_description}
    media_type = route.response_class.media_type
    if body_allowed(int(status)) and (route.is_json_stream or route.is_sse_stream):
        item = model_schema
        if item is not None and "$ref" not in item:  # FastAPI names the item's field "StreamItem_<operation id>"
            item = {**item, "title": f"StreamItem_{operation_id}".title().replace("_", " ")}
        response["content"] = {"text/event-stream": {"itemSchema": _event_schema(item)}} if route.is_sse_stream \
            else {"application/jsonl": {"itemSchema": item or {}}}
    elif body_allowed(int(status)) and media_type:
        if issubclass(route.response_class, JSONResponse):
            schema = dict(model_schema) if model_schema is not None else {}
            if model_schema is not None and "$ref" not in schema:
                # FastAPI names the response field "Response_<operation id>" and titles it so.
                schema["title"] = f"Response_{operation_id}".title().replace("_", " ")
        else:
            schema = {"type": "string"}
        response["content"] = {media_type: {"schema": schema}}
    responses: dict[str, Any] = {status: response}
    for code, extra in route.responses.items():
        key = str(code).upper()
        key = "default" if key == "DEFAULT" else key
        extra = {name: value for name, value in extra.items() if name != "model"}
        if code in extra_schemas:
            schema = extra.setdefault("content", {}).setdefault(media_type or "application/json", {})
            schema.setdefault("schema", {}).update(extra_schemas[code])
        entry = responses.setdefault(key, {})
        description = _status_text(key)  # checks the key, even when a description is given
        description = extra.get("description") or entry.get("description") or description or "Additional Response"
        _deep_update(entry, extra)
        entry["description"] = description
    return responses


def _event_schema(data_schema: dict[str, Any] | None) -> dict[str, Any]:
    """A server-sent event's fields (OpenAPI 3.2's `itemSchema` of an event stream); with an item
    type, `data` is required and holds that type as JSON."""
    data: dict[str, Any] = {"type": "string"}
    if data_schema is not None:
        data.update(contentMediaType="application/json", contentSchema=data_schema)
    schema: dict[str, Any] = {"type": "object", "properties": {
        "data": data, "event": {"type": "string"}, "id": {"type": "string"},
        "retry": {"type": "integer", "minimum": 0}}}
    if data_schema is not None:
        schema["required"] = ["data"]
    return schema


def _status_text(code: str) -> str | None:
    """The description of a status code or range; an invalid `responses=` key fails, as in FastAPI."""
    if code.isdigit():
        return http.client.responses.get(int(code))
    ranges = {"1XX": "Information", "2XX": "Success", "3XX": "Redirection", "4XX": "Client Error",
              "5XX": "Server Error", "default": "Default Response"}
    if code not in ranges:
        raise ValueError(f"responses key {code!r} is neither a status code, a range like '4XX' nor 'default'")
    return ranges[code]


def _deep_update(target: dict[str, Any], update: dict[str, Any]) -> None:
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _deep_update(target[key], value)
        elif isinstance(value, list) and isinstance(target.get(key), list):
            target[key] = target[key] + value
        else:
            target[key] = value
