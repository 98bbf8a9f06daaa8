"""Static files for single-page apps: deep links get `index.html`, escapes and missing assets get 404.

Any Starlette app can mount `SPAStaticFiles`; `StaticFiles` is Starlette's, re-exported for the
module path FastAPI users import it from.
"""

from __future__ import annotations

import logging
import os
from urllib.parse import unquote

import anyio.to_thread
from starlette._utils import get_route_path  # seam: starlette private _utils.get_route_path (path below root_path)
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

__all__ = ["SPAStaticFiles", "StaticFiles"]

logger = logging.getLogger("asgi_api.staticfiles")


class SPAStaticFiles(StaticFiles):
    """Static files for a single-page app: unknown routes get `index.html`, escapes get 404.

    A GET or HEAD for a path that names nothing in `directory` and whose last segment has no file
    extension (`/`, `/flows`, `/runs/123`) is a client-side route and is answered with `index.html`.
    A missing asset (`/assets/app.js`, `/favicon.ico`) stays a 404, so a broken build shows up as
    404s rather than as HTML parsed as JavaScript.

    Nothing outside `directory` is ever read: a request path with a `..` segment (also
    percent-encoded), an encoded `/`, a backslash, a NUL byte or an empty segment (`//etc/passwd`)
    is a 404 before the file system is touched, symlinks are followed only to files inside
    `directory`, and a path that resolves outside it is a 404 rather than a client-side route.
    """

    def __init__(self, *, directory: str | os.PathLike[str]) -> None:
        super().__init__(directory=directory, html=False, follow_symlink=False)

    def get_path(self, scope: Scope) -> str:
        if _is_suspicious(get_route_path(scope)):
            raise HTTPException(status_code=404)
        return super().get_path(scope)

    async def get_response(self, path: str, scope: Scope) -> Response:
        try:
            return await super().get_response(path, scope)
        except HTTPException as exc:
            if exc.status_code != 404 or _has_extension(path):
                raise
        except OSError:
            # StaticFiles lets unusual errors through (a symlink loop: ELOOP) as a 500.
            logger.debug("Cannot look up %r in %s", path, self.directory, exc_info=True)
            raise HTTPException(status_code=404) from None
        if not await anyio.to_thread.run_sync(self._resolves_inside, path):
            raise HTTPException(status_code=404)
        return await super().get_response("index.html", scope)

    def _resolves_inside(self, path: str) -> bool:
        """Whether `path` names a place inside the directory once symlinks are resolved."""
        assert self.directory is not None
        directory = os.path.realpath(self.directory)
        target = os.path.realpath(os.path.join(directory, path))
        try:
            return os.path.commonpath([directory, target]) == directory
        except ValueError:  # different drives on Windows
            return False


def _is_suspicious(route_path: str) -> bool:
    """A request path no browser sends for a page or an asset: refuse it without a file lookup.

    ASGI servers percent-decode `path`; decoding each segment once more also catches requests
    that were encoded twice or passed through a layer that decodes again.
    """
    if route_path and not route_path.startswith("/"):
        return True
    segments = route_path.split("/")
    if "" in segments[1:-1]:
        return True
    for segment in segments:
        decoded = unquote(segment)
        if decoded == ".." or any(char in decoded for char in ("/", "\\", "\x00")):
            return True
    return False


def _has_extension(path: str) -> bool:
    """`assets/app.js` and `favicon.ico` are assets; `runs/123`, `.` and `.well-known` are not."""
    return os.path.splitext(os.path.basename(path))[1] not in ("", ".")
