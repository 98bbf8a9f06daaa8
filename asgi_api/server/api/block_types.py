"""`/block_types`: the kinds of blocks, and a type's documents by slug and name (how
`Block.load("secret/my-token")` finds one)."""

from __future__ import annotations

from uuid import UUID

from asgi_api.exceptions import HTTPException
from asgi_api.params import Body, Depends, Query
from asgi_api.routing import APIRouter
from asgi_api.server.api.limits import Limit, Offset, resolve_limit, resolve_offset
from asgi_api.server.database import Session
from asgi_api.server.dependencies import read_session, write_session
from asgi_api.server.models import block_documents as documents
from asgi_api.server.models import block_types as models
from asgi_api.server.schemas.blocks import (
    BlockDocument,
    BlockDocumentFilter,
    BlockDocumentSort,
    BlockIdFilter,
    BlockSchemaFilter,
    BlockType,
    BlockTypeCreate,
    BlockTypeFilter,
    BlockTypeUpdate,
)

router = APIRouter(prefix="/block_types", tags=["Block types"])

NOT_FOUND = "Block type not found"
INCLUDE_SECRETS = "Whether to include sensitive values in the block document."


@router.post("/", status_code=201)
async def create_block_type(block_type: BlockTypeCreate, session: Session = Depends(write_session)) -> BlockType:
    """Names beginning with "Prefect" are Prefect's own (403), as in Prefect's server."""
    if block_type.name.lower().startswith("prefect"):
        raise HTTPException(403, "Block type names beginning with 'Prefect' are reserved.")
    created = await models.create_block_type(session, block_type)
    if created is None:
        raise HTTPException(409, f'Block type with name "{block_type.name}" already exists')
    return created


@router.get("/{id:uuid}")
async def read_block_type(id: UUID, session: Session = Depends(read_session)) -> BlockType:
    return _found(await models.read_block_type(session, id))


@router.get("/slug/{slug}")
async def read_block_type_by_slug(slug: str, session: Session = Depends(read_session)) -> BlockType:
    return _found(await models.read_block_type_by_slug(session, slug))


@router.post("/filter")
async def read_block_types(
    block_types: BlockTypeFilter | None = Body(None),
    block_schemas: BlockSchemaFilter | None = Body(None),
    limit: Limit | None = Body(None),
    offset: Offset | None = Body(None),
    session: Session = Depends(read_session),
) -> list[BlockType]:
    return await models.read_block_types(session, block_types, block_schemas, resolve_limit(limit),
                                        resolve_offset(offset))


@router.patch("/{id:uuid}", status_code=204)
async def update_block_type(id: UUID, block_type: BlockTypeUpdate, session: Session = Depends(write_session)) -> None:
    stored = _found(await models.read_block_type(session, id))
    await models.update_block_type(session, stored, block_type)


@router.delete("/{id:uuid}", status_code=204)
async def delete_block_type(id: UUID, session: Session = Depends(write_session)) -> None:
    if not await models.delete_block_type(session, id):
        raise HTTPException(404, NOT_FOUND)


@router.get("/slug/{slug}/block_documents", tags=["Block documents"])
async def read_block_documents_for_block_type(
    slug: str, include_secrets: bool = Query(False, description=INCLUDE_SECRETS),
    session: Session = Depends(read_session),
) -> list[BlockDocument]:
    """The type's named documents (anonymous ones are left out), by name."""
    block_type = _found(await models.read_block_type_by_slug(session, slug))
    of_type = BlockDocumentFilter(block_type_id=BlockIdFilter(any_=[block_type.id]))
    return await documents.read_block_documents(session, of_type, None, None, include_secrets,
                                                BlockDocumentSort.NAME_ASC, None, 0)


@router.get("/slug/{slug}/block_documents/name/{block_document_name}", tags=["Block documents"])
async def read_block_document_by_name_for_block_type(
    slug: str, block_document_name: str, include_secrets: bool = Query(False, description=INCLUDE_SECRETS),
    session: Session = Depends(read_session),
) -> BlockDocument:
    document = await documents.read_block_document_by_name(session, slug, block_document_name, include_secrets)
    if document is None:
        raise HTTPException(404, "Block document not found")
    return document


def _found(block_type: BlockType | None) -> BlockType:
    if block_type is None:
        raise HTTPException(404, NOT_FOUND)
    return block_type
