"""Block documents, with the documents nested in them.

A document's data is stored without its nested blocks: a value `{"$ref": {"block_document_id":
...}}` becomes a `block_document_reference` row, and on read the referenced document's data is
put back under that key (recursively), with `block_document_references` saying where.
"""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
import sqlalchemy as sa

from asgi_api.server.database import Session, tables, utcnow
from asgi_api.server.database.session import Row
from asgi_api.server.models import filters
from asgi_api.server.models.block_data import mask_secrets, unmask_secrets
from asgi_api.server.models.block_types import (
    block_schema_condition,
    block_type_condition,
    read_block_schemas,
    split_block_type,
    with_block_type,
)
from asgi_api.server.schemas.blocks import (
    BlockDocument,
    BlockDocumentCreate,
    BlockDocumentFilter,
    BlockDocumentSort,
    BlockDocumentUpdate,
    BlockIdFilter,
    BlockSchema,
    BlockSchemaFilter,
    BlockTypeFilter,
)

__all__ = [
    "BlockDataError", "count_block_documents", "create_block_document", "delete_block_document",
    "read_block_document", "read_block_document_by_name", "read_block_documents", "update_block_document",
]

_document = tables.block_document
_reference = tables.block_document_reference
_type = tables.block_type
_schema = tables.block_schema
_WITH_TYPE = with_block_type(_document)
_ORDER = {
    BlockDocumentSort.NAME_ASC: (_document.c.name.asc(), _document.c.id),
    BlockDocumentSort.NAME_DESC: (_document.c.name.desc(), _document.c.id),
    BlockDocumentSort.BLOCK_TYPE_AND_NAME_ASC: (_document.c.block_type_name.asc(), _document.c.name.asc(),
                                                _document.c.id),
}


class BlockDataError(Exception):
    """Data or a schema that cannot belong to this document (a 400 for the client)."""


async def create_block_document(session: Session, document: BlockDocumentCreate,
                                block_type_name: str) -> BlockDocument | None:
    """The new document (secrets masked), or None when its type already has one of this name.
    An anonymous document without a name gets `anonymous-<uuid>`."""
    name = document.name if document.name or not document.is_anonymous else f"anonymous-{uuid.uuid4()}"
    data, nested = await _split_references(session, document.data)
    now = utcnow()
    statement = session.insert(_document).values(
        id=uuid.uuid4(), created=now, updated=now, name=name, data=data, is_anonymous=document.is_anonymous,
        block_type_name=block_type_name, block_type_id=document.block_type_id,
        block_schema_id=document.block_schema_id).on_conflict_do_nothing().returning(_document.c.id)
    row = await session.fetch_one(statement)
    if row is None:
        return None
    await _add_references(session, row["id"], nested)
    return await read_block_document(session, row["id"], include_secrets=False)


async def read_block_document(session: Session, document_id: uuid.UUID,
                              include_secrets: bool) -> BlockDocument | None:
    only = BlockDocumentFilter(id=BlockIdFilter(any_=[document_id]), is_anonymous=None)
    found = await read_block_documents(session, only, None, None, include_secrets, BlockDocumentSort.NAME_ASC, 1, 0)
    return found[0] if found else None


async def read_block_document_by_name(session: Session, block_type_slug: str, name: str,
                                      include_secrets: bool) -> BlockDocument | None:
    query = _WITH_TYPE.where(_type.c.slug == block_type_slug, _document.c.name == name)
    rows = await session.fetch_all(query)
    documents = await _complete(session, rows, include_secrets)
    return documents[0] if documents else None


async def read_block_documents(session: Session, documents: BlockDocumentFilter | None,
                               block_types: BlockTypeFilter | None, block_schemas: BlockSchemaFilter | None,
                               include_secrets: bool, sort: BlockDocumentSort, limit: int | None,
                               offset: int) -> list[BlockDocument]:
    """Without a document filter, anonymous documents are left out (as with `{}`)."""
    query = _WITH_TYPE.where(_where(session.dialect, documents, block_types, block_schemas))
    rows = await session.fetch_all(query.order_by(*_ORDER[sort]).limit(limit).offset(offset))
    return await _complete(session, rows, include_secrets)


async def count_block_documents(session: Session, documents: BlockDocumentFilter | None,
                                block_types: BlockTypeFilter | None, block_schemas: BlockSchemaFilter | None) -> int:
    query = sa.select(sa.func.count()).select_from(_document.join(_type, _type.c.id == _document.c.block_type_id))
    return int(await session.fetch_val(query.where(_where(session.dialect, documents, block_types, block_schemas))))


async def update_block_document(session: Session, document_id: uuid.UUID, update: BlockDocumentUpdate) -> bool:
    """False when there is no such document. Masked secrets sent back keep their stored values;
    nested blocks are replaced by those in the new data (with merging, the keys sent replace the
    stored ones, so a nested block not sent again is dropped, as in Prefect)."""
    current = await session.fetch_one(sa.select(_document, _schema.c.fields, _schema.c.block_type_id.label(
        "schema_block_type_id")).join(_schema, _schema.c.id == _document.c.block_schema_id).where(
        _document.c.id == document_id))
    if current is None:
        return False
    sent = {} if update.data is msgspec.UNSET else update.data
    if sent or not update.merge_existing_data:
        new = unmask_secrets(sent, current["data"], current["fields"].get("secret_fields", []))
        merged = {**current["data"], **new} if update.merge_existing_data else new
        data, nested = await _split_references(session, merged)
        values: dict[str, Any] = {"data": data, "updated": utcnow()}
        if update.block_schema_id is not None and update.block_schema_id != current["block_schema_id"]:
            proposed = await session.fetch_one(sa.select(_schema.c.block_type_id).where(
                _schema.c.id == update.block_schema_id))
            if proposed is None:
                raise BlockDataError(f"Block schema {update.block_schema_id} not found.")
            if proposed["block_type_id"] != current["block_type_id"]:
                raise BlockDataError("Must migrate block document to a block schema of the same block type.")
            values["block_schema_id"] = update.block_schema_id
        await session.execute(sa.update(_document).where(_document.c.id == document_id).values(values))
        await session.execute(sa.delete(_reference).where(_reference.c.parent_block_document_id == document_id))
        await _add_references(session, document_id, nested)
    return True


async def delete_block_document(session: Session, document_id: uuid.UUID) -> bool:
    statement = sa.delete(_document).where(_document.c.id == document_id).returning(_document.c.id)
    return await session.fetch_one(statement) is not None


async def _split_references(session: Session, data: dict[str, Any]) -> tuple[dict[str, Any],
                                                                               list[tuple[str, uuid.UUID]]]:
    """The data without nested blocks, and (key, document id) for each of them."""
    plain: dict[str, Any] = {}
    nested: list[tuple[str, uuid.UUID]] = []
    for key, value in data.items():
        if not (isinstance(value, dict) and "$ref" in value):
            plain[key] = value
            continue
        ref = value["$ref"]
        try:
            nested.append((key, uuid.UUID(str(ref["block_document_id"]))))
        except (TypeError, KeyError, ValueError):
            raise BlockDataError(f"Received block reference without a block_document_id in key {key}") from None
    if nested:
        ids = [document_id for _, document_id in nested]
        found = {row["id"] for row in await session.fetch_all(sa.select(_document.c.id).where(
            _document.c.id.in_(ids)))}
        missing = [str(document_id) for document_id in ids if document_id not in found]
        if missing:
            raise BlockDataError(f"Block document {missing[0]} not found.")
    return plain, nested


async def _add_references(session: Session, parent_id: uuid.UUID, nested: list[tuple[str, uuid.UUID]]) -> None:
    now = utcnow()
    for name, child_id in nested:
        await session.execute(sa.insert(_reference).values(
            id=uuid.uuid4(), created=now, updated=now, name=name, parent_block_document_id=parent_id,
            reference_block_document_id=child_id))


def _where(dialect: str, documents: BlockDocumentFilter | None, block_types: BlockTypeFilter | None,
           block_schemas: BlockSchemaFilter | None) -> sa.ColumnElement[bool]:
    criterion = documents if documents is not None else BlockDocumentFilter()
    column = _document.c
    conditions = [
        filters.combine(criterion.operator, [
            None if criterion.id is None else filters.any_of(column.id, criterion.id.any_),
            None if criterion.is_anonymous is None or criterion.is_anonymous.eq_ is None
            else column.is_anonymous.is_(criterion.is_anonymous.eq_),
            None if criterion.block_type_id is None else filters.any_of(column.block_type_id,
                                                                        criterion.block_type_id.any_),
            None if criterion.name is None else filters.names(column.name, criterion.name),
        ]),
        block_type_condition(block_types),
    ]
    if block_schemas is not None:
        conditions.append(sa.select(_schema.c.id).where(_schema.c.id == column.block_schema_id, filters.where(
            block_schema_condition(dialect, block_schemas))).exists())
    return filters.where(filters.combine(filters.Operator.and_, conditions))


async def _complete(session: Session, rows: list[Row], include_secrets: bool) -> list[BlockDocument]:
    """The documents of `rows`, with their schemas and their nested documents' data."""
    documents = {row["id"]: row for row in rows}
    children: dict[uuid.UUID, list[tuple[str, uuid.UUID]]] = {}
    frontier = list(documents)
    while frontier:  # one level of nesting per round; a document seen before is not loaded again
        references = await session.fetch_all(sa.select(_reference).where(
            _reference.c.parent_block_document_id.in_(frontier)).order_by(_reference.c.created, _reference.c.id))
        for reference in references:
            children.setdefault(reference["parent_block_document_id"], []).append(
                (reference["name"], reference["reference_block_document_id"]))
        new = list({reference["reference_block_document_id"] for reference in references} - documents.keys())
        if new:
            for row in await session.fetch_all(_WITH_TYPE.where(_document.c.id.in_(new))):
                documents[row["id"]] = row
        frontier = new
    schema_ids = list({row["block_schema_id"] for row in documents.values()})
    schemas = {schema.id: schema for schema in await read_block_schemas(
        session, BlockSchemaFilter(id=BlockIdFilter(any_=schema_ids)))}

    def build(document_id: uuid.UUID, seen: frozenset[uuid.UUID]) -> BlockDocument:
        row = documents[document_id]
        schema = schemas.get(row["block_schema_id"])
        data = row["data"] if include_secrets or schema is None else mask_secrets(
            row["data"], schema.fields.get("secret_fields", []))
        nested_references: dict[str, Any] = {}
        for name, child_id in children.get(document_id, []):
            if child_id in seen or child_id not in documents:
                continue
            child = build(child_id, seen | {child_id})
            data = {**data, name: child.data}
            nested_references[name] = {"block_document": {
                "id": child.id, "name": child.name, "block_type": child.block_type,
                "is_anonymous": child.is_anonymous, "block_document_references": child.block_document_references}}
        return _document_struct(row, data, schema, nested_references)

    return [build(row["id"], frozenset({row["id"]})) for row in rows]


def _document_struct(row: Row, data: dict[str, Any], schema: BlockSchema | None,
                     nested_references: dict[str, Any]) -> BlockDocument:
    document = msgspec.convert({**split_block_type(row), "data": data, "block_document_references": {}},
                               BlockDocument)
    document.block_schema = schema
    document.block_document_references = nested_references
    return document
