"""Checking a run's parameters against its deployment's `parameter_openapi_schema`, as Prefect
does when `enforce_parameter_schema` is on.

Prefect's client writes the schema from the flow's signature (JSON Schema draft 2020-12, with two
pydantic-v1 habits the server tolerates: an optional field without a default is typed without
`null`, and tuples list their `items`). Those are normalised first, so a `None` for an optional
parameter and a tuple pass as they do on Prefect's server.
"""

from __future__ import annotations

import copy
from typing import Any

__all__ = ["CircularSchemaError", "parameter_error"]


class CircularSchemaError(ValueError):
    """The schema refers to itself without end (Prefect's 422)."""


def _normalise_properties(properties: dict[str, Any], required: list[str]) -> None:
    for name, schema in properties.items():
        if not isinstance(schema, dict):
            continue
        if name not in required and "type" in schema and schema["type"] != "null" and "default" not in schema:
            schema["anyOf"] = [{"type": schema.pop("type")}, {"type": "null"}]
        if isinstance(schema.get("items"), list) and not schema.get("prefixItems"):
            schema["prefixItems"] = schema.pop("items")
        if isinstance(schema.get("properties"), dict):
            _normalise_properties(schema["properties"], schema.get("required", []))


def _normalised(schema: dict[str, Any], ignore_required: bool) -> dict[str, Any]:
    schema = copy.deepcopy(schema)
    objects = [schema, *(d for d in (schema.get("definitions") or {}).values() if isinstance(d, dict))]
    for node in objects:
        if isinstance(node.get("properties"), dict):
            _normalise_properties(node["properties"], node.get("required", []))
    if ignore_required:
        _drop_required(schema)
    return schema


def _drop_required(node: Any) -> None:
    if isinstance(node, dict):
        node.pop("required", None)
        for value in node.values():
            _drop_required(value)
    elif isinstance(node, list):
        for value in node:
            _drop_required(value)


def parameter_error(parameters: dict[str, Any], schema: dict[str, Any], *, ignore_required: bool = False) -> str | None:
    """Prefect's message for the first parameter the schema refuses, or None when all pass.

    `ignore_required` is for a deployment's own default parameters, which may leave some out."""
    # Imported on first use: jsonschema is a tenth of the server's start-up, and most servers never
    # see a deployment that enforces its parameter schema.
    import jsonschema
    from jsonschema.validators import Draft202012Validator

    try:
        jsonschema.validate(parameters, _normalised(schema, ignore_required), Draft202012Validator,
                            format_checker=Draft202012Validator.FORMAT_CHECKER)
    except RecursionError as exc:
        raise CircularSchemaError("Invalid schema: Unable to validate schema with circular references.") from exc
    except jsonschema.ValidationError as exc:
        where = "Validation failed." if exc.json_path == "$" else \
            f"Validation failed for field {exc.json_path.removeprefix('$.')!r}."
        return f"{where} Failure reason: {exc.message}"
    except jsonschema.SchemaError as exc:
        return f"Validation failed. Failure reason: the parameter schema is invalid: {exc.message}"
    return None
