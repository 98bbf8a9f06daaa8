"""A virtualenv holding Prefect's client, beside the project's own (never inside it).

Prefect pins pydantic and FastAPI versions that clash with the project's dev dependencies, so its
client gets its own venv under `.venv-prefect/<version>/` at the repo root, built on first use and
reused while its stamp file is there. A file lock lets concurrent test sessions share one build.
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
    venv = VENVS / version
    python = venv / "bin" / "python"
    stamp = venv / ".installed"
    VENVS.mkdir(exist_ok=True)
    # Ignores itself and everything beside it: no .gitignore entry needed in the repo.
    (VENVS / ".gitignore").write_text("*\n")
    with open(VENVS / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not stamp.exists():
            shutil.rmtree(venv, ignore_errors=True)  # a half-built venv from an interrupted run
            _run([sys.executable, "-m", "venv", str(venv)])
            _run([str(python), "-m", "pip", "install", "--quiet", f"prefect=={version}"])
            stamp.touch()
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
