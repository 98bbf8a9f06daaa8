"""`/block_schemas` (versions of a block type's JSON Schema, found by checksum) and
`/block_capabilities`."""

from __future__ import annotations

from uuid import UUID

from starlette.responses import Response

from asgi_api.exceptions import HTTPException
from asgi_api.params import Body, Depends, Query
from asgi_api.routing import APIRouter
from asgi_api.server.api.limits import Limit, Offset, resolve_limit, resolve_offset
from asgi_api.server.database import Session
from asgi_api.server.dependencies import read_session, write_session
from asgi_api.server.models import block_types as models
from asgi_api.server.schemas.blocks import BlockSchema, BlockSchemaCreate, BlockSchemaFilter

router = APIRouter(prefix="/block_schemas", tags=["Block schemas"])
capabilities_router = APIRouter(prefix="/block_capabilities", tags=["Block capabilities"])

NOT_FOUND = "Block schema not found"


@router.post("/", status_code=201)
async def create_block_schema(block_schema: BlockSchemaCreate, response: Response,
                              session: Session = Depends(write_session)) -> BlockSchema:
    """201 with the new schema; 200 with the stored one when its checksum and version exist."""
    if await models.read_block_type(session, block_schema.block_type_id) is None:
        raise HTTPException(404, f"Block type {block_schema.block_type_id} not found.")
    try:
        schema, created = await models.create_block_schema(session, block_schema)
    except models.MissingBlockType as error:
        raise HTTPException(409, str(error)) from None
    response.status_code = 201 if created else 200
    return schema


@router.delete("/{id:uuid}", status_code=204)
async def delete_block_schema(id: UUID, session: Session = Depends(write_session)) -> None:
    if not await models.delete_block_schema(session, id):
        raise HTTPException(404, NOT_FOUND)


@router.post("/filter")
async def read_block_schemas(
    block_schemas: BlockSchemaFilter | None = Body(None),
    limit: Limit | None = Body(None),
    offset: Offset | None = Body(None),
    session: Session = Depends(read_session),
) -> list[BlockSchema]:
    """Newest first."""
    return await models.read_block_schemas(session, block_schemas, resolve_limit(limit), resolve_offset(offset))


@router.get("/{id:uuid}")
async def read_block_schema_by_id(id: UUID, session: Session = Depends(read_session)) -> BlockSchema:
    return _found(await models.read_block_schema(session, id))


@router.get("/checksum/{checksum}")
async def read_block_schema_by_checksum(checksum: str, version: str | None = Query(None),
                                        session: Session = Depends(read_session)) -> BlockSchema:
    """Without a version, the newest schema with this checksum."""
    return _found(await models.read_block_schema_by_checksum(session, checksum, version))


@capabilities_router.get("/")
async def read_available_block_capabilities(session: Session = Depends(read_session)) -> list[str]:
    return await models.read_block_capabilities(session)


def _found(schema: BlockSchema | None) -> BlockSchema:
    if schema is None:
        raise HTTPException(404, NOT_FOUND)
    return schema
