"""Block types and their schemas (a schema is always read with its type embedded)."""

from __future__ import annotations

import html
import uuid
from typing import Any

import msgspec
import sqlalchemy as sa

from asgi_api.server.database import Session, tables, utcnow
from asgi_api.server.database.session import Row
from asgi_api.server.models import filters
from asgi_api.server.models.block_data import definition_name, references, schema_checksum
from asgi_api.server.schemas.blocks import (
    BlockSchema,
    BlockSchemaCreate,
    BlockSchemaFilter,
    BlockType,
    BlockTypeCreate,
    BlockTypeFilter,
    BlockTypeUpdate,
)
from asgi_api.server.schemas.filters import Operator

__all__ = [
    "MissingBlockType", "block_schema_condition", "block_type_condition", "create_block_schema", "create_block_type",
    "delete_block_schema", "delete_block_type", "read_block_capabilities", "read_block_schema",
    "read_block_schema_by_checksum", "read_block_schemas", "read_block_type", "read_block_type_by_slug",
    "read_block_types", "split_block_type", "update_block_type", "with_block_type",
]

_type = tables.block_type
_schema = tables.block_schema
_TYPE_PREFIX = "block_type__"


def with_block_type(table: sa.Table) -> sa.Select[Any]:
    """SELECT the rows of `table` (block schemas or documents) with their type's columns,
    prefixed (both tables have `id`, `name`...); `split_block_type` takes a row of it apart."""
    labelled = (column.label(_TYPE_PREFIX + column.name) for column in _type.c)
    return sa.select(table, *labelled).join(_type, _type.c.id == table.c.block_type_id)


def split_block_type(row: Row) -> dict[str, Any]:
    """A row of `with_block_type` as the object's own fields plus `block_type`."""
    own = {name: value for name, value in row.items() if not name.startswith(_TYPE_PREFIX)}
    own["block_type"] = {name[len(_TYPE_PREFIX):]: value for name, value in row.items()
                         if name.startswith(_TYPE_PREFIX)}
    return own


_SCHEMA_WITH_TYPE = with_block_type(_schema)


class MissingBlockType(Exception):
    """A schema nests a block whose type is not registered (clients register nested types first)."""


# -- block types -------------------------------------------------------------------------------


async def create_block_type(session: Session, block_type: BlockTypeCreate) -> BlockType | None:
    """The new type, or None when its name or slug is taken. Descriptions and code examples are
    stored HTML-escaped, as Prefect stores them (its UI renders them as markdown)."""
    now = utcnow()
    values = {**msgspec.structs.asdict(block_type), "id": uuid.uuid4(), "created": now, "updated": now}
    for name in ("description", "code_example"):
        if values[name] is not None:
            values[name] = html.escape(values[name], quote=False)
    statement = session.insert(_type).values(values).on_conflict_do_nothing().returning(*_type.c)
    return _block_type(await session.fetch_one(statement))


async def read_block_type(session: Session, block_type_id: uuid.UUID) -> BlockType | None:
    return _block_type(await session.fetch_one(sa.select(_type).where(_type.c.id == block_type_id)))


async def read_block_type_by_slug(session: Session, slug: str) -> BlockType | None:
    return _block_type(await session.fetch_one(sa.select(_type).where(_type.c.slug == slug)))


async def read_block_types(session: Session, block_types: BlockTypeFilter | None,
                           block_schemas: BlockSchemaFilter | None, limit: int, offset: int) -> list[BlockType]:
    """By name; a schema filter keeps the types with at least one matching schema."""
    query = sa.select(_type).where(filters.where(block_type_condition(block_types)))
    if block_schemas is not None:
        query = query.where(sa.select(_schema.c.id).where(
            _schema.c.block_type_id == _type.c.id, filters.where(block_schema_condition(session.dialect,
                                                                                       block_schemas))).exists())
    rows = await session.fetch_all(query.order_by(_type.c.name, _type.c.id).limit(limit).offset(offset))
    return [msgspec.convert(row, BlockType) for row in rows]


async def update_block_type(session: Session, stored: BlockType, update: BlockTypeUpdate) -> None:
    """Write the sent fields that differ from the stored ones (compared unescaped); nothing when
    none do, so that every client registering the same block does not rewrite the row."""
    sent = msgspec.structs.asdict(update)
    changed = {name: value for name, value in sent.items() if value is not msgspec.UNSET
               and _unescaped(value) != _unescaped(getattr(stored, name))}
    if changed:
        await session.execute(sa.update(_type).where(_type.c.id == stored.id).values({**changed, "updated": utcnow()}))


async def delete_block_type(session: Session, block_type_id: uuid.UUID) -> bool:
    """Its schemas and documents go with it."""
    return await session.fetch_one(sa.delete(_type).where(_type.c.id == block_type_id).returning(_type.c.id)) \
        is not None


def block_type_condition(criterion: BlockTypeFilter | None) -> sa.ColumnElement[bool] | None:
    if criterion is None:
        return None
    name, slug = criterion.name, criterion.slug
    return filters.combine(Operator.and_, [
        None if name is None or name.like_ is None else filters.like(_type.c.name, name.like_),
        None if slug is None else filters.any_of(_type.c.slug, slug.any_),
    ])


def _unescaped(value: Any) -> Any:
    return html.unescape(value) if isinstance(value, str) else value


def _block_type(row: Row | None) -> BlockType | None:
    return None if row is None else msgspec.convert(row, BlockType)


# -- block schemas ----------------------------------------------------------------------------


async def create_block_schema(session: Session, block_schema: BlockSchemaCreate) -> tuple[BlockSchema, bool]:
    """The schema with this checksum and version, and whether it was created now. Blocks nested
    in it must have registered types; a nested schema not stored yet is stored from the parent's
    `definitions`."""
    checksum = schema_checksum(block_schema.fields)
    existing = await read_block_schema_by_checksum(session, checksum, block_schema.version)
    if existing is not None:
        return existing, False
    fields = block_schema.fields
    definitions = fields.get("definitions") or {}
    for name, nested in _nested_blocks(fields):
        nested_type = await read_block_type_by_slug(session, nested["block_type_slug"])
        if nested_type is None:
            raise MissingBlockType(f"Cannot create block schema because block type {nested['block_type_slug']!r} "
                                   "was not found.Did you forget to register the block type?")
        if await read_block_schema_by_checksum(session, nested["block_schema_checksum"]) is None:
            nested_fields = _nested_definition(fields, definitions, name, nested["block_type_slug"])
            if nested_fields is None:
                raise MissingBlockType(f"Unable to create nested block schema for block type {nested_type.name!r} "
                                       "due to missing definition.")
            await create_block_schema(session, BlockSchemaCreate(
                fields={**nested_fields, "definitions": definitions}, block_type_id=nested_type.id))
    now = utcnow()
    stored = {"block_schema_references": {}, **fields}
    await session.execute(sa.insert(_schema).values(
        id=uuid.uuid4(), created=now, updated=now, checksum=checksum, fields=stored,
        capabilities=block_schema.capabilities, version=block_schema.version, block_type_id=block_schema.block_type_id))
    created = await read_block_schema_by_checksum(session, checksum, block_schema.version)
    assert created is not None
    return created, True


async def read_block_schema(session: Session, block_schema_id: uuid.UUID) -> BlockSchema | None:
    return _block_schema(await session.fetch_one(_SCHEMA_WITH_TYPE.where(_schema.c.id == block_schema_id)))


async def read_block_schema_by_checksum(session: Session, checksum: str,
                                        version: str | None = None) -> BlockSchema | None:
    """Without a version, the newest schema with this checksum."""
    query = _SCHEMA_WITH_TYPE.where(_schema.c.checksum == checksum)
    if version is not None:
        query = query.where(_schema.c.version == version)
    return _block_schema(await session.fetch_one(query.order_by(_schema.c.created.desc()).limit(1)))


async def read_block_schemas(session: Session, criterion: BlockSchemaFilter | None, limit: int | None = None,
                             offset: int = 0) -> list[BlockSchema]:
    """Newest first."""
    query = _SCHEMA_WITH_TYPE.where(filters.where(block_schema_condition(session.dialect, criterion)))
    query = query.order_by(_schema.c.created.desc(), _schema.c.id.desc()).limit(limit).offset(offset)
    return [schema for row in await session.fetch_all(query) if (schema := _block_schema(row)) is not None]


async def delete_block_schema(session: Session, block_schema_id: uuid.UUID) -> bool:
    """Documents written against it go with it."""
    statement = sa.delete(_schema).where(_schema.c.id == block_schema_id).returning(_schema.c.id)
    return await session.fetch_one(statement) is not None


async def read_block_capabilities(session: Session) -> list[str]:
    """Every capability some schema declares, each once, sorted."""
    rows = await session.fetch_all(sa.select(_schema.c.capabilities))
    return sorted({capability for row in rows for capability in row["capabilities"]})


def block_schema_condition(dialect: str, criterion: BlockSchemaFilter | None) -> sa.ColumnElement[bool] | None:
    if criterion is None:
        return None
    column = _schema.c
    capabilities = criterion.block_capabilities
    return filters.combine(criterion.operator, [
        None if criterion.block_type_id is None else filters.any_of(column.block_type_id,
                                                                    criterion.block_type_id.any_),
        None if capabilities is None or not capabilities.all_ else filters.tags_all(dialect, column.capabilities,
                                                                                     capabilities.all_),
        None if criterion.id is None else filters.any_of(column.id, criterion.id.any_),
        None if criterion.version is None else filters.any_of(column.version, criterion.version.any_),
    ])


def _nested_blocks(fields: dict[str, Any]) -> list[tuple[str, dict[str, str]]]:
    """(field name, {block_type_slug, block_schema_checksum}) for each block the schema nests."""
    nested: list[tuple[str, dict[str, str]]] = []
    for name, value in (fields.get("block_schema_references") or {}).items():
        nested.extend((name, item) for item in (value if isinstance(value, list) else [value]))
    return nested


def _nested_definition(fields: dict[str, Any], definitions: dict[str, Any], name: str,
                       slug: str) -> dict[str, Any] | None:
    """The definition the field `name` refers to; of several (a union), the one of type `slug`."""
    refs = list(references(fields.get("properties", {}).get(name, {})))
    candidates = [definitions.get(definition_name(ref)) for ref in refs]
    if len(candidates) == 1:
        return candidates[0]
    return next((item for item in candidates if item and item.get("block_type_slug") == slug), None)


def _block_schema(row: Row | None) -> BlockSchema | None:
    return None if row is None else msgspec.convert(split_block_type(row), BlockSchema)
