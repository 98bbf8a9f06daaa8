"""The API version this server speaks, and the check that refuses clients that are too old."""

from __future__ import annotations

from asgi_api.exceptions import HTTPException
from asgi_api.params import Header

API_VERSION = "0.8.4"
MINIMUM_API_VERSION = "0.8.0"


def _parse(version: str) -> tuple[int, int, int]:
    major, minor, patch = (int(part) for part in version.split("."))
    return major, minor, patch


async def enforce_minimum_version(
    x_prefect_api_version: str | None = Header(None, include_in_schema=False),
) -> None:
    """A dependency of every API route: no header is fine; an unreadable or too old one is a 400."""
    if x_prefect_api_version is None:
        return
    try:
        requested = _parse(x_prefect_api_version)
    except ValueError:
        raise HTTPException(400, "Invalid X-PREFECT-API-VERSION header format. Expected header in format "
                                 f"'x.y.z' but received {x_prefect_api_version}") from None
    if requested < _parse(MINIMUM_API_VERSION):
        raise HTTPException(400, f"The request specified API version {x_prefect_api_version} but this server "
                                 f"requires version {MINIMUM_API_VERSION} or higher.")
