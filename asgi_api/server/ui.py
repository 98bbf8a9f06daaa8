"""Serving the UI: a single-page app, its base-path placeholder, and the per-version cache.

The UI is built once with `UI_SERVE_BASE_PLACEHOLDER` in front of every URL it links to. Before it
is served under a base path, `prepare_ui_directory` copies it into a cache with the placeholder
replaced, and `SPAStaticFiles` serves that copy so that deep links into the app (`/runs/123`) load
`index.html` and the client-side router takes over.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

logger = logging.getLogger("asgi_api.server.ui")

# The placeholder Prefect's UI build carries; kept so that build can be served unchanged.
UI_SERVE_BASE_PLACEHOLDER = "/PREFECT_UI_SERVE_BASE_REPLACE_PLACEHOLDER"
# Prefect's defaults (".txt", ".html", ".css", ".js", ".json") plus the web app manifest, whose
# `start_url` and `scope` name the base path too.
PLACEHOLDER_EXTENSIONS = (".txt", ".html", ".css", ".js", ".json", ".webmanifest")

_REFERENCE_FILE = "reference.json"
_SERVED_DIR = "static"
_BUILD_PREFIX = "ui-"


def replace_placeholder_string_in_files(
    directory: str | os.PathLike[str],
    placeholder: str,
    replacement: str,
    allowed_extensions: Sequence[str] | None = None,
) -> None:
    """Replace `placeholder` with `replacement` in every file under `directory`, in place.

    Only files whose name ends with one of `allowed_extensions` (default:
    `PLACEHOLDER_EXTENSIONS`) are touched, and only when they contain the placeholder. The
    replacement works on the UTF-8 bytes, which for UTF-8 text is the same as replacing in the
    decoded text, and it leaves line endings and any stray non-UTF-8 bytes as they were. Symlinks
    are skipped (files) and not descended into (directories), so no file outside `directory` is
    ever written.
    """
    extensions = tuple(PLACEHOLDER_EXTENSIONS if allowed_extensions is None else allowed_extensions)
    old, new = placeholder.encode("utf-8"), replacement.encode("utf-8")
    for root, _, files in os.walk(directory):
        for name in files:
            file_path = os.path.join(root, name)
            if not name.endswith(extensions) or os.path.islink(file_path):
                continue
            with open(file_path, "rb") as file:
                data = file.read()
            if old in data:
                with open(file_path, "wb") as file:
                    file.write(data.replace(old, new))


def normalise_base_path(base_path: str) -> str:
    """The base path as it goes in front of the UI's URLs: `/` -> ``, `/prefix/` -> `/prefix`.

    Trailing slashes are stripped as Prefect does, because the placeholder already carries the
    leading `/` of the path that follows it (`/PLACEHOLDER/assets/app.js`).
    """
    if not base_path.startswith("/"):
        raise ValueError(f"The UI base path must start with '/', got {base_path!r}")
    return base_path.rstrip("/")


def prepare_ui_directory(
    source: str | os.PathLike[str],
    cache_dir: str | os.PathLike[str],
    base_path: str,
    version: str,
    placeholder: str = UI_SERVE_BASE_PLACEHOLDER,
) -> Path:
    """The directory to serve the UI from: `source` with the placeholder replaced by the base path.

    Each (version, normalised base path) gets one build in `cache_dir`::

        cache_dir/ui-<hash of version and base path>/
            reference.json    {"version": ..., "base_path": ...}
            static/           the copy of `source` to serve (returned)

    A build whose reference matches is reused as it is; otherwise `source` is copied into a
    temporary directory in `cache_dir`, rewritten, and renamed into place in one step, so a
    concurrent caller sees either no build or a complete one. After a new build, builds for other
    versions or base paths are removed: one cache directory serves one UI at a time. The version is
    the cache's only notion of the UI's content: a UI changed under the same version is not copied
    again.
    """
    cache_dir = Path(cache_dir)
    reference = {"version": version, "base_path": normalise_base_path(base_path)}
    key = json.dumps(reference, sort_keys=True)
    build = cache_dir / f"{_BUILD_PREFIX}{hashlib.sha256(key.encode()).hexdigest()[:16]}"
    if _is_build_of(build, reference):
        logger.debug("Serving the cached UI in %s", build)
        return build / _SERVED_DIR

    logger.info("Copying the UI for base path %r to %s", base_path, build)
    cache_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".building-", dir=cache_dir))
    try:
        shutil.copytree(source, staging / _SERVED_DIR, ignore_dangling_symlinks=True)
        replace_placeholder_string_in_files(staging / _SERVED_DIR, placeholder, reference["base_path"])
        (staging / _REFERENCE_FILE).write_text(key, encoding="utf-8")
        _install(staging, build, reference)
    finally:
        shutil.rmtree(staging, ignore_errors=True)  # gone already once installed
    _remove_other_builds(cache_dir, build)
    return build / _SERVED_DIR


def _is_build_of(build: Path, reference: dict[str, str]) -> bool:
    try:
        recorded = json.loads((build / _REFERENCE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return recorded == reference and (build / _SERVED_DIR).is_dir()


def _install(staging: Path, build: Path, reference: dict[str, str]) -> None:
    """Rename the finished `staging` to `build`, unless a concurrent caller got there first."""
    try:
        os.rename(staging, build)
    except OSError:
        if _is_build_of(build, reference):
            return
        # A directory by that name that is not a complete build (edited or damaged): replace it.
        logger.warning("Replacing the incomplete UI cache %s", build)
        shutil.rmtree(build, ignore_errors=True)
        os.rename(staging, build)


def _remove_other_builds(cache_dir: Path, keep: Path) -> None:
    for entry in cache_dir.iterdir():
        if (entry.name != keep.name and entry.name.startswith(_BUILD_PREFIX)
                and (entry / _REFERENCE_FILE).is_file()):
            logger.debug("Removing the outdated UI cache %s", entry)
            shutil.rmtree(entry, ignore_errors=True)
