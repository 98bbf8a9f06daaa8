"""Artifacts: what a run publishes for people to read (markdown, tables, links, progress, images).

An artifact with a `key` is one version of a keyed artifact; the latest version per key is kept
as an `ArtifactCollection` (`/artifacts/latest/...`), which is what `prefect artifact ls` lists.
"""

from __future__ import annotations

import enum
from typing import Annotated, Any
from uuid import UUID

import msgspec
from msgspec import UNSET, UnsetType

from asgi_api.server.schemas.core import StoredObject
from asgi_api.server.schemas.filters import Operator

ArtifactKey = Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9-]*$")]
"""Prefect's rule: lowercase letters, digits and dashes (keys appear in URLs and CLI output)."""

MAX_METADATA_VALUE_LENGTH = 500

Metadata = dict[str, str]


class ArtifactType(str, enum.Enum):
    """The types Prefect's client creates; `data` has a known shape for each (others are free)."""

    MARKDOWN = "markdown"
    TABLE = "table"
    LINK = "link"
    PROGRESS = "progress"
    IMAGE = "image"


class _StoredArtifact(StoredObject, kw_only=True):
    type: str | None = None
    description: str | None = None
    data: Any = None
    metadata_: Metadata | None = None
    flow_run_id: UUID | None = None
    task_run_id: UUID | None = None


class Artifact(_StoredArtifact, kw_only=True):
    """One stored artifact (one version, when it has a key)."""

    key: str | None = None


class ArtifactCollection(_StoredArtifact, kw_only=True):
    """The latest version of a keyed artifact; `latest_id` is that version's artifact id."""

    key: str
    latest_id: UUID


class ArtifactCreate(msgspec.Struct, kw_only=True):
    """`POST /artifacts/`."""

    key: ArtifactKey | None = None
    type: str | None = None
    description: str | None = None
    data: Any = None
    metadata_: Metadata | None = None
    flow_run_id: UUID | None = None
    task_run_id: UUID | None = None

    def __post_init__(self) -> None:
        self.metadata_ = truncate_metadata(self.metadata_)


class ArtifactUpdate(msgspec.Struct, kw_only=True):
    """`PATCH /artifacts/{id}`: only the sent fields change."""

    data: Any = UNSET
    description: str | None | UnsetType = UNSET
    metadata_: Metadata | None | UnsetType = UNSET

    def __post_init__(self) -> None:
        if self.metadata_ is not UNSET:
            self.metadata_ = truncate_metadata(self.metadata_)


def truncate_metadata(metadata: Metadata | None) -> Metadata | None:
    """Values over 500 characters are cut and marked with "...", as Prefect stores them."""
    if metadata is None:
        return None
    return {key: value if len(value) <= MAX_METADATA_VALUE_LENGTH else value[:MAX_METADATA_VALUE_LENGTH] + "..."
            for key, value in metadata.items()}


def data_error(artifact_type: str | None, data: Any) -> str | None:
    """Why `data` cannot be an artifact of `artifact_type`, or None when it can (or may be anything)."""
    if data is None:
        return None
    if artifact_type == ArtifactType.PROGRESS:
        if isinstance(data, bool) or not isinstance(data, (int, float)) or not 0 <= data <= 100:
            return "a progress artifact's data must be a number from 0 to 100"
    elif artifact_type == ArtifactType.TABLE:
        if not isinstance(data, (str, list, dict)):
            return "a table artifact's data must be a JSON string, a list of rows or a dict of columns"
    elif artifact_type in (ArtifactType.MARKDOWN, ArtifactType.LINK, ArtifactType.IMAGE):
        if not isinstance(data, str):
            return f"a {artifact_type} artifact's data must be a string"
    return None


# -- filters ----------------------------------------------------------------------------------


class ArtifactIdFilter(msgspec.Struct, kw_only=True):
    any_: list[UUID] | None = None


class ArtifactKeyFilter(msgspec.Struct, kw_only=True):
    """`like_` may hold SQL wildcards (`%`, `_`), as in Prefect; `exists_`: has a key or not."""

    any_: list[str] | None = None
    like_: str | None = None
    exists_: bool | None = None


class ArtifactTypeFilter(msgspec.Struct, kw_only=True):
    any_: list[str] | None = None
    not_any_: list[str] | None = None


class _ArtifactFilterFields(msgspec.Struct, kw_only=True):
    operator: Operator = Operator.and_
    key: ArtifactKeyFilter | None = None
    flow_run_id: ArtifactIdFilter | None = None
    task_run_id: ArtifactIdFilter | None = None
    type: ArtifactTypeFilter | None = None


class ArtifactFilter(_ArtifactFilterFields, kw_only=True):
    """The `artifacts` body key of `/artifacts/filter` and `/artifacts/count`."""

    id: ArtifactIdFilter | None = None


class ArtifactCollectionFilter(_ArtifactFilterFields, kw_only=True):
    """The `artifacts` body key of `/artifacts/latest/filter` and `/artifacts/latest/count`."""

    latest_id: ArtifactIdFilter | None = None


class ArtifactSort(str, enum.Enum):
    """Default: ID_DESC (for artifacts and for the latest versions alike)."""

    CREATED_DESC = "CREATED_DESC"
    UPDATED_DESC = "UPDATED_DESC"
    ID_DESC = "ID_DESC"
    KEY_DESC = "KEY_DESC"
    KEY_ASC = "KEY_ASC"
