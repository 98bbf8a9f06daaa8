"""Virtualenvs holding Prefect, beside the project's own (never inside it).

Prefect pins pydantic and FastAPI versions that clash with the project's dev dependencies, so it
gets its own venvs under `.venv-prefect/` at the repo root, built on first use and reused while
their stamp file lists the same requirements. A file lock lets concurrent test sessions share one
build.

Two venvs: the client one (`<version>/`) that the e2e tests drive our server with, and the server
one (`<version>-server/`) that `make bench` runs Prefect's own server from. The server needs the
libraries of its day: `sqlalchemy<2.1` (3.6.29's migrations break on 2.1) and `fastapi<0.129`
(later ones dropped what its routers use); pinning them apart keeps the client venv as the tests
expect it.
"""

from __future__ import annotations

import fcntl
import shutil
import subprocess
import sys
from pathlib import Path

PREFECT_VERSION = "3.6.29"  # the version whose server the performance anchor measured
ROOT = Path(__file__).resolve().parents[3]
VENVS = ROOT / ".venv-prefect"
INSTALL_TIMEOUT = 600.0


class PrefectVenvError(RuntimeError):
    """The venv could not be built; the message carries the failing command's output."""


def prefect_python(version: str = PREFECT_VERSION) -> Path:
    """The interpreter of a venv with `prefect==version`, building the venv when it is missing."""
    # `prefect.workers` (the `work-pool create` and `worker` commands) imports importlib_metadata,
    # which prefect does not declare.
    return _venv(version, [f"prefect=={version}", "importlib_metadata"])


def prefect_server_python(version: str = PREFECT_VERSION) -> Path:
    """The interpreter of a venv that can run `prefect server start` of `version` on SQLite."""
    return _venv(f"{version}-server", [f"prefect=={version}", "sqlalchemy<2.1", "fastapi<0.129"])


def _venv(name: str, requirements: list[str]) -> Path:
    venv = VENVS / name
    python = venv / "bin" / "python"
    stamp = venv / ".installed"
    VENVS.mkdir(exist_ok=True)
    # Ignores itself and everything beside it: no .gitignore entry needed in the repo.
    (VENVS / ".gitignore").write_text("*\n")
    with open(VENVS / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        wanted = "\n".join(requirements)
        if not stamp.exists():
            shutil.rmtree(venv, ignore_errors=True)  # a half-built venv from an interrupted run
            _run([sys.executable, "-m", "venv", str(venv)])
        if not stamp.exists() or stamp.read_text() != wanted:  # new, or built for other requirements
            _run([str(python), "-m", "pip", "install", "--quiet", *requirements])
            stamp.write_text(wanted)
    return python


def _run(command: list[str]) -> None:
    try:
        run = subprocess.run(command, capture_output=True, text=True, timeout=INSTALL_TIMEOUT,
                             stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as exc:
        raise PrefectVenvError(f"{' '.join(command)} took over {INSTALL_TIMEOUT:.0f} s") from exc
    if run.returncode != 0:
        raise PrefectVenvError(f"{' '.join(command)} exited {run.returncode}:\n{run.stdout[-3000:]}\n"
                               f"{run.stderr[-3000:]}")
