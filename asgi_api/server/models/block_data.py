"""What a block document's data looks like on the wire: checksums of schemas, masked secrets.

No SQL here: these are the rules Prefect's client and server share about block data, written
once so that the schema and document models agree with the client byte for byte.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any

__all__ = ["MASK", "definition_name", "mask_secrets", "references", "schema_checksum", "unmask_secrets"]

MASK = "********"
"""What a secret value reads as without `include_secrets` (Prefect shows no part of it)."""

Document = dict[str, Any]
FlatKey = tuple[str, ...]


def schema_checksum(fields: Document) -> str:
    """`sha256:<hex>` of the schema as Prefect's client computes it: `secret_fields` left out at
    every level, only the definitions of non-block models kept, keys sorted, `json.dumps` spacing.
    Clients look schemas up by this value, so it must match theirs exactly."""
    hashed = _without_key("secret_fields", fields)
    definitions = hashed.get("definitions")
    if definitions:
        kept = _plain_definitions(hashed, definitions)
        if kept:
            hashed["definitions"] = kept
        else:
            del hashed["definitions"]
    text = json.dumps([[hashed], {}], sort_keys=True)
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def references(value: Any) -> Iterator[str]:
    """Every `$ref` string in a JSON Schema fragment, depth first."""
    if isinstance(value, dict):
        ref = value.get("$ref")
        if isinstance(ref, str):
            yield ref
        for item in value.values():
            yield from references(item)
    elif isinstance(value, list):
        for item in value:
            yield from references(item)


def definition_name(ref: str) -> str:
    return ref.replace("#/definitions/", "")


def _plain_definitions(fragment: Any, definitions: Document) -> Document:
    """The definitions `fragment` reaches, directly or not, that are not blocks themselves."""
    kept: Document = {}
    for ref in references(fragment):
        name = definition_name(ref)
        definition = definitions.get(name)
        if definition and definition.get("block_type_slug") is None:
            kept = {**kept, name: definition, **_plain_definitions(definition, definitions)}
    return kept


def _without_key(key: str, value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    return {name: _without_key(key, item) for name, item in value.items() if name != key}


def mask_secrets(data: Document, secret_fields: list[str]) -> Document:
    """`data` with every secret field (a dotted path, maybe ending in `.*`) replaced by `MASK`."""
    flat = _flatten(data)
    for field in secret_fields:
        path = tuple(field.split("."))
        if flat.get(path) is not None:
            flat[path] = MASK
        elif "*" in path:
            prefix = path[:path.index("*")]
            for key in flat:
                if key[:len(prefix)] == prefix:
                    flat[key] = MASK
    return _unflatten(flat)


def unmask_secrets(update: Document, current: Document, secret_fields: list[str]) -> Document:
    """`update` with masked values sent back by a client (it read the document without secrets
    and saved it whole) replaced by the stored secrets, so that they are not lost."""
    flat_update, flat_current = _flatten(update), _flatten(current)
    for field in secret_fields:
        path = tuple(field.split("."))
        if flat_current.get(path) is not None:
            if flat_update.get(path) == MASK:
                flat_update[path] = flat_current[path]
        elif "*" in path:
            prefix = path[:path.index("*")]
            for key, value in flat_update.items():
                if key[:len(prefix)] == prefix and value == MASK and key in flat_current:
                    flat_update[key] = flat_current[key]
    return _unflatten(flat_update)


def _flatten(data: Document, parent: FlatKey = ()) -> dict[FlatKey, Any]:
    """Nested dicts as one dict keyed by paths; empty dicts and other values are leaves."""
    flat: dict[FlatKey, Any] = {}
    for key, value in data.items():
        path = (*parent, key)
        if isinstance(value, dict) and value:
            flat.update(_flatten(value, path))
        else:
            flat[path] = value
    return flat


def _unflatten(flat: dict[FlatKey, Any]) -> Document:
    data: Document = {}
    for path, value in flat.items():
        node = data
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node[path[-1]] = value
    return data
