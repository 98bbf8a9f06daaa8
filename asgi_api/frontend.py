"""`frontend()`: a built single-page app's files, tried only after every other route, as FastAPI 0.165.

`app.frontend("/", directory="dist")` (or on an `APIRouter`, then included under its prefix) serves
GET and HEAD for the files of a build directory. The frontends of a router are not among its
routes: they are its `default`, so the router's own routes - a full or a method-only match - and
its slash redirects always win, the OpenAPI document never lists them and `url_path_for` never
names them. Of several frontends the longest path prefix wins.

A path naming no file gets the fallback page: `404.html` with status 404, or, for a browser
navigation (an `Accept` that takes HTML), `index.html` with 200 so client-side routes load the
app. `fallback="auto"` uses whichever of the two the directory has, `None` neither.
The router's dependencies (and the includes' ones) run before a file is served, as for a route.
"""

from __future__ import annotations

import errno
import os
import stat
import warnings
from collections.abc import Sequence
from typing import Any, Literal

import anyio.to_thread
from starlette._utils import get_route_path  # seam: starlette private _utils.get_route_path (path below root_path)
from starlette.datastructures import URL, Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from asgi_api.params import DependsMarker

__all__ = ["Fallback", "Frontend", "FrontendFiles", "Frontends", "check_dir_for", "join_paths"]

Fallback = Literal["auto", "index.html", "404.html"] | None
_HTML = ("text/html", "application/xhtml+xml")


def join_paths(prefix: str, path: str) -> str:
    """A frontend path under a router prefix: the prefix alone stands for the frontend's root."""
    assert path, "A frontend path cannot be empty"
    assert path.startswith("/"), "A frontend path must start with '/'"
    path = path.rstrip("/") or "/"
    return prefix + path if prefix and path != "/" else prefix or path


def check_dir_for(directory: str | os.PathLike[str], check_dir: bool | Literal["auto"]) -> bool:
    """`check_dir="auto"`: check, except under `FASTAPI_ENV=development` (a build may come later)."""
    if check_dir != "auto":
        return check_dir
    if os.environ.get("FASTAPI_ENV") != "development":
        return True
    if not os.path.isdir(directory):
        # stacklevel 3: the warning names the user's `frontend(...)` line.
        warnings.warn(f"Frontend directory '{directory}' does not exist. "
                      f"Resolved absolute path: '{os.path.realpath(directory)}'", stacklevel=3)
    return False


def _accepts_html(accept: str) -> bool:
    """Whether an `Accept` header takes HTML (a browser navigation rather than an asset fetch)."""
    for item in accept.split(","):
        media_type, *parameters = (part.strip() for part in item.split(";"))
        if media_type.lower() not in _HTML:
            continue
        quality = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    pass
        if quality != 0:
            return True
    return False


class FrontendFiles(StaticFiles):
    """The files of one build directory, and its fallback page for paths that name no file."""

    def __init__(self, directory: str | os.PathLike[str], fallback: Fallback, check_dir: bool) -> None:
        assert fallback in ("auto", "index.html", "404.html", None), \
            "fallback must be 'auto', 'index.html', '404.html', or None"
        if check_dir and not os.path.isdir(directory):
            raise RuntimeError(f"Frontend directory '{directory}' does not exist. "
                               f"Resolved absolute path: '{os.path.realpath(directory)}'")
        super().__init__(directory=directory, html=True, check_dir=check_dir, follow_symlink=False)
        self.fallback = fallback
        if check_dir and fallback in ("index.html", "404.html") and self._file(fallback) is None:
            raise self._missing(fallback)

    def _missing(self, fallback: str) -> RuntimeError:
        return RuntimeError(f"Frontend fallback file '{fallback}' does not exist in directory '{self.directory}'. "
                            f"Resolved absolute directory: '{os.path.realpath(self.directory or '')}'")

    def _file(self, path: str) -> tuple[str, os.stat_result] | None:
        """The regular file `path` names inside the directory (symlinks out of it name nothing)."""
        try:
            full_path, stat_result = self.lookup_path(path)
        except PermissionError:
            raise HTTPException(401) from None
        except ValueError:  # a NUL byte
            raise HTTPException(404) from None
        except OSError as exc:
            if exc.errno == errno.ENAMETOOLONG:
                raise HTTPException(404) from None
            raise
        if stat_result is None or not stat.S_ISREG(stat_result.st_mode):
            return None
        return full_path, stat_result

    def _resource(self, path: str) -> tuple[str, os.stat_result, bool] | None:
        """The file `path` names, or its directory's index.html (then True): off the event loop."""
        found = self._file(path)
        if found is not None:
            return *found, False
        found = self._file(os.path.join(path, "index.html"))
        return (*found, True) if found is not None else None

    async def respond(self, path: str, scope: Scope) -> Response:
        """The response for `path` (relative to the directory): the file, a redirect, a fallback."""
        if not self.config_checked:
            await self.check_config()
            self.config_checked = True
        path = os.path.normpath(os.path.join(*path.split("/"))) if path else ""
        resource = await anyio.to_thread.run_sync(self._resource, path)
        if scope["method"] not in ("GET", "HEAD"):
            raise HTTPException(405 if resource is not None else 404)
        if resource is not None:
            full_path, stat_result, is_index = resource
            if is_index and not scope["path"].endswith("/"):
                url = URL(scope=scope)
                return RedirectResponse(url.replace(path=url.path + "/"))
            return self.file_response(full_path, stat_result, scope)
        for name, status_code in (("404.html", 404), ("index.html", 200)):
            if self.fallback not in ("auto", name):
                continue
            if name == "index.html" and not _accepts_html(Headers(scope=scope).get("accept", "")):
                continue
            found = await anyio.to_thread.run_sync(self._file, name)
            if found is not None:
                return self.file_response(*found, scope, status_code=status_code)
            if self.fallback == name:
                raise self._missing(name)
        raise HTTPException(404)


class Frontend:
    """One `frontend(path, directory=...)`: GET and HEAD below `path`, behind the router's dependencies."""

    def __init__(self, path: str, files: FrontendFiles, dependencies: Sequence[DependsMarker],
                 dependency_overrides_provider: Any, max_body_size: int | None) -> None:
        from asgi_api.routing import APIRoute  # routing imports this module

        self.path = path
        self.files = files
        self.dependencies = list(dependencies)
        self.dependency_overrides_provider = dependency_overrides_provider
        self.max_body_size = max_body_size
        # The dependencies are solved as for a route (422s, overrides, yield cleanup, background tasks),
        # and a body over the router's limit gets its 413 as there.
        self.route = APIRoute(path, self._serve, methods=["GET", "HEAD"], dependencies=self.dependencies,
                              include_in_schema=False, dependency_overrides_provider=dependency_overrides_provider,
                              max_body_size=max_body_size)

    def included(self, prefix: str, dependencies: Sequence[DependsMarker], provider: Any,
                 max_body_size: int | None) -> Frontend:
        """This frontend as a router including its router sees it: under `prefix`, behind `dependencies`,
        its own body limit if it has one, else `max_body_size`."""
        return Frontend(join_paths(prefix, self.path), self.files, [*dependencies, *self.dependencies], provider,
                        self.max_body_size if self.max_body_size is not None else max_body_size)

    def relative(self, route_path: str) -> str | None:
        """The file path a request path names in this frontend, or None when outside it."""
        if self.path == "/":
            return route_path.lstrip("/")
        if route_path == self.path:
            return ""
        if route_path.startswith(self.path + "/"):
            return route_path[len(self.path) + 1:]
        return None

    async def _serve(self, request: Request, response: Response) -> Response:
        served = await self.files.respond(self.relative(get_route_path(request.scope)) or "", request.scope)
        served.raw_headers.extend(response.raw_headers)  # what the dependencies set: headers, cookies
        return served


class Frontends:
    """A router's frontends, as its `default` app: the longest matching path serves, else `fallback`."""

    def __init__(self, fallback: ASGIApp) -> None:
        self.fallback = fallback
        self.frontends: list[Frontend] = []

    def add(self, frontend: Frontend) -> None:
        self.frontends.append(frontend)
        self.frontends.sort(key=lambda item: len(item.path), reverse=True)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            route_path = get_route_path(scope)
            for frontend in self.frontends:
                path = frontend.relative(route_path)
                if path is None:
                    continue
                if scope["method"] in ("GET", "HEAD"):
                    await frontend.route.handle(scope, receive, send)
                else:  # 405 for a file, 404 otherwise: no dependency runs
                    await frontend.files.respond(path, scope)
                return
        await self.fallback(scope, receive, send)
