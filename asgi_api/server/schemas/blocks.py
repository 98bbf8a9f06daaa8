"""Blocks: typed, named configuration documents (credentials, storage locations, webhooks...).

A block *type* is a kind of block (`secret`, `local-file-system`); a block *schema* is one version
of that type's JSON Schema (`fields`, identified by `checksum`); a block *document* is a saved
block: its `data`, written against one schema. Fields the schema lists in `secret_fields` are
masked on read unless the client asks for secrets.
"""

from __future__ import annotations

import enum
from typing import Annotated, Any
from uuid import UUID

import msgspec

from asgi_api.server.schemas.core import StoredObject
from asgi_api.server.schemas.fields import MAX_KEY_LENGTH, Name
from asgi_api.server.schemas.filters import NameFilter, Operator

DEFAULT_BLOCK_SCHEMA_VERSION = "non-versioned"

Slug = Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9-]*$", max_length=MAX_KEY_LENGTH)]
"""Block type slugs and block document names: lowercase letters, digits and dashes (they appear
in URLs and in `prefect block` commands, e.g. `secret/my-token`)."""

Document = dict[str, Any]


class BlockType(StoredObject, kw_only=True):
    name: str
    slug: str
    logo_url: str | None = None
    documentation_url: str | None = None
    description: str | None = None
    code_example: str | None = None
    is_protected: bool = False


class BlockSchema(StoredObject, kw_only=True):
    checksum: str
    fields: Document = msgspec.field(default_factory=dict)
    block_type_id: UUID | None
    block_type: BlockType | None = None
    capabilities: list[str] = msgspec.field(default_factory=list)
    version: str = DEFAULT_BLOCK_SCHEMA_VERSION


class BlockDocument(StoredObject, kw_only=True):
    """`data` holds nested block documents inline; `block_document_references` says which keys
    they sit under (`{key: {"block_document": {id, name, block_type, ...}}}`)."""

    name: str | None = None
    data: Document = msgspec.field(default_factory=dict)
    block_schema_id: UUID
    block_schema: BlockSchema | None = None
    block_type_id: UUID
    block_type_name: str | None = None
    block_type: BlockType | None = None
    block_document_references: dict[str, Document] = msgspec.field(default_factory=dict)
    is_anonymous: bool = False


class BlockTypeCreate(msgspec.Struct, kw_only=True):
    """`POST /block_types/`."""

    name: Name
    slug: Slug
    logo_url: str | None = None
    documentation_url: str | None = None
    description: str | None = None
    code_example: str | None = None


class BlockTypeUpdate(msgspec.Struct, kw_only=True, omit_defaults=True):
    """`PATCH /block_types/{id}`: only the fields sent change."""

    logo_url: str | None | msgspec.UnsetType = msgspec.UNSET
    documentation_url: str | None | msgspec.UnsetType = msgspec.UNSET
    description: str | None | msgspec.UnsetType = msgspec.UNSET
    code_example: str | None | msgspec.UnsetType = msgspec.UNSET


class BlockSchemaCreate(msgspec.Struct, kw_only=True):
    """`POST /block_schemas/`: `fields` is the block's JSON Schema, as Prefect's client builds it
    (with `block_type_slug`, `secret_fields`, `block_schema_references`, `definitions`)."""

    fields: Document = msgspec.field(default_factory=dict)
    block_type_id: UUID
    capabilities: list[str] = msgspec.field(default_factory=list)
    version: str = DEFAULT_BLOCK_SCHEMA_VERSION


class BlockDocumentCreate(msgspec.Struct, kw_only=True):
    """`POST /block_documents/`. A `data` value `{"$ref": {"block_document_id": ...}}` nests a
    saved block document under that key."""

    name: Slug | None = None
    data: Document = msgspec.field(default_factory=dict)
    block_schema_id: UUID
    block_type_id: UUID
    is_anonymous: bool = False


class BlockDocumentUpdate(msgspec.Struct, kw_only=True):
    """`PATCH /block_documents/{id}`: with `merge_existing_data` (the default) the keys sent
    replace those keys only; without it, `data` replaces the whole document."""

    block_schema_id: UUID | None = None
    data: Document | msgspec.UnsetType = msgspec.UNSET
    merge_existing_data: bool = True


# -- filters ----------------------------------------------------------------------------------


class BlockIdFilter(msgspec.Struct, kw_only=True):
    any_: list[UUID] | None = None


class BlockTypeNameFilter(msgspec.Struct, kw_only=True):
    like_: str | None = None


class BlockTypeSlugFilter(msgspec.Struct, kw_only=True):
    any_: list[str] | None = None


class BlockTypeFilter(msgspec.Struct, kw_only=True):
    name: BlockTypeNameFilter | None = None
    slug: BlockTypeSlugFilter | None = None


class BlockCapabilitiesFilter(msgspec.Struct, kw_only=True):
    """`all_`: the schema has every one of these capabilities."""

    all_: list[str] | None = None


class BlockSchemaVersionFilter(msgspec.Struct, kw_only=True):
    any_: list[str] | None = None


class BlockSchemaFilter(msgspec.Struct, kw_only=True):
    operator: Operator = Operator.and_
    block_type_id: BlockIdFilter | None = None
    block_capabilities: BlockCapabilitiesFilter | None = None
    id: BlockIdFilter | None = None
    version: BlockSchemaVersionFilter | None = None


class BlockDocumentIsAnonymousFilter(msgspec.Struct, kw_only=True):
    eq_: bool | None = None


class BlockDocumentFilter(msgspec.Struct, kw_only=True):
    """Anonymous documents (blocks saved inline by flows) are left out unless `is_anonymous` says
    otherwise: the default is `{"eq_": false}`, and `null` includes them."""

    operator: Operator = Operator.and_
    id: BlockIdFilter | None = None
    is_anonymous: BlockDocumentIsAnonymousFilter | None = msgspec.field(
        default_factory=lambda: BlockDocumentIsAnonymousFilter(eq_=False))
    block_type_id: BlockIdFilter | None = None
    name: NameFilter | None = None


class BlockDocumentSort(str, enum.Enum):
    NAME_DESC = "NAME_DESC"
    NAME_ASC = "NAME_ASC"
    BLOCK_TYPE_AND_NAME_ASC = "BLOCK_TYPE_AND_NAME_ASC"
