"""`/block_documents`: saved blocks. Fields the block's schema lists as secret read as
`********` unless `include_secrets` is true."""

from __future__ import annotations

from uuid import UUID

import msgspec

from asgi_api.exceptions import HTTPException, RequestValidationError
from asgi_api.params import Body, Depends, Query
from asgi_api.routing import APIRouter
from asgi_api.server.api.block_types import INCLUDE_SECRETS
from asgi_api.server.api.limits import Limit, Offset, resolve_limit, resolve_offset
from asgi_api.server.database import Session
from asgi_api.server.dependencies import read_session, write_session
from asgi_api.server.models import block_documents as models
from asgi_api.server.models import block_types as types
from asgi_api.server.schemas.blocks import (
    BlockDocument,
    BlockDocumentCreate,
    BlockDocumentFilter,
    BlockDocumentSort,
    BlockDocumentUpdate,
    BlockSchemaFilter,
    BlockTypeFilter,
)

router = APIRouter(prefix="/block_documents", tags=["Block documents"])

NOT_FOUND = "Block document not found"


@router.post("/", status_code=201)
async def create_block_document(document: BlockDocumentCreate,
                                session: Session = Depends(write_session)) -> BlockDocument:
    """409 "Block already exists" when the type has a document of this name (Prefect's client
    then updates it when asked to overwrite)."""
    if not document.is_anonymous and not document.name:
        raise RequestValidationError([{"type": "value_error", "loc": ["body"], "input": msgspec.to_builtins(document),
                                       "msg": "Value error, Names must be provided for block documents."}],
                                     body=msgspec.to_builtins(document))
    block_type = await types.read_block_type(session, document.block_type_id)
    if block_type is None:
        raise HTTPException(404, f"Block type {document.block_type_id} not found.")
    schema = await types.read_block_schema(session, document.block_schema_id)
    if schema is None:
        raise HTTPException(404, f"Block schema {document.block_schema_id} not found.")
    if schema.block_type_id != block_type.id:
        raise HTTPException(400, f"Block schema {schema.id} is not a schema of block type {block_type.slug!r}.")
    try:
        created = await models.create_block_document(session, document, block_type.name)
    except models.BlockDataError as error:
        raise HTTPException(400, str(error)) from None
    if created is None:
        raise HTTPException(409, "Block already exists")
    return created


@router.post("/filter")
async def read_block_documents(
    limit: Limit | None = Body(None),
    block_documents: BlockDocumentFilter | None = Body(None),
    block_types: BlockTypeFilter | None = Body(None),
    block_schemas: BlockSchemaFilter | None = Body(None),
    include_secrets: bool = Body(False, description=INCLUDE_SECRETS),
    sort: BlockDocumentSort | None = Body(None),
    offset: Offset | None = Body(None),
    session: Session = Depends(read_session),
) -> list[BlockDocument]:
    """By name unless sorted otherwise; anonymous documents only when the filter asks for them."""
    return await models.read_block_documents(session, block_documents, block_types, block_schemas, include_secrets,
                                             sort or BlockDocumentSort.NAME_ASC, resolve_limit(limit),
                                             resolve_offset(offset))


@router.post("/count")
async def count_block_documents(
    block_documents: BlockDocumentFilter | None = Body(None),
    block_types: BlockTypeFilter | None = Body(None),
    block_schemas: BlockSchemaFilter | None = Body(None),
    session: Session = Depends(read_session),
) -> int:
    return await models.count_block_documents(session, block_documents, block_types, block_schemas)


@router.get("/{id:uuid}")
async def read_block_document_by_id(id: UUID, include_secrets: bool = Query(False, description=INCLUDE_SECRETS),
                                    session: Session = Depends(read_session)) -> BlockDocument:
    document = await models.read_block_document(session, id, include_secrets)
    if document is None:
        raise HTTPException(404, NOT_FOUND)
    return document


@router.delete("/{id:uuid}", status_code=204)
async def delete_block_document(id: UUID, session: Session = Depends(write_session)) -> None:
    """Documents nesting it lose that key."""
    if not await models.delete_block_document(session, id):
        raise HTTPException(404, NOT_FOUND)


@router.patch("/{id:uuid}", status_code=204)
async def update_block_document_data(id: UUID, block_document: BlockDocumentUpdate,
                                     session: Session = Depends(write_session)) -> None:
    try:
        updated = await models.update_block_document(session, id, block_document)
    except models.BlockDataError as error:
        raise HTTPException(400, str(error)) from None
    if not updated:
        raise HTTPException(404, NOT_FOUND)
