"""The README's snippets run as pasted.

Every ```python block runs in a fresh interpreter, saved as `snippet.py` (those importing Prefect in
Prefect's venv, with a server to talk to; one with an `if __name__ == "__main__":` block, which
starts something that runs until stopped, is imported instead, so that everything it defines is
checked); the quick start's console block starts `uvicorn main:app` with the snippet above
it saved as `main.py` and must answer each `curl` with the README's own output line; the `asgi-api`
commands that end by themselves run too (`serve` does not end, and has its own tests).
"""

from __future__ import annotations

import os
import re
import shlex
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCKS = [(match.group(1), match.group(2), README.count("\n", 0, match.start()) + 1)
          for match in re.finditer(r"^```(\w*)\n(.*?)^```", README, flags=re.M | re.S)]
PYTHON = [(code, line) for kind, code, line in BLOCKS if kind == "python"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_readme_has_the_snippets_this_file_runs() -> None:
    assert len(PYTHON) >= 3
    assert any("$ curl" in code for kind, code, _ in BLOCKS if kind == "console")


@pytest.mark.parametrize(("code", "line"), PYTHON, ids=[f"README.md:{line}" for _, line in PYTHON])
def test_python_snippet_runs(code: str, line: int, tmp_path: Path) -> None:
    env = {**os.environ, "ASGI_API_HOME": str(tmp_path / "home")}
    python = sys.executable
    if re.search(r"^(from|import) prefect\b", code, flags=re.M):
        from asgi_api.server.subprocess import SubprocessASGIServer
        from tests.server.e2e.prefect_venv import prefect_python

        with SubprocessASGIServer(env={"ASGI_API_HOME": str(tmp_path / "server")}) as server:
            env.update(PREFECT_API_URL=server.api_url, PREFECT_HOME=str(tmp_path / "prefect"))
            result = subprocess.run([str(prefect_python()), *_how_to_run(code, tmp_path)], capture_output=True,
                                    text=True, timeout=300, env=env, cwd=tmp_path)
    else:
        result = subprocess.run([python, *_how_to_run(code, tmp_path)], capture_output=True, text=True, timeout=120,
                                env=env, cwd=tmp_path)
    assert result.returncode == 0, f"README.md:{line}\n{result.stderr}"


def _how_to_run(code: str, directory: Path) -> list[str]:
    """The interpreter's arguments: run `snippet.py`, or import it when it has a main block."""
    (directory / "snippet.py").write_text(code, encoding="utf-8")
    return ["-c", "import snippet"] if 'if __name__ == "__main__":' in code else ["snippet.py"]


def _quick_start() -> tuple[str, str]:
    """The quick start's Python snippet and the console block that serves and queries it."""
    index = next(i for i, (kind, code, _) in enumerate(BLOCKS) if kind == "console" and "$ curl" in code)
    app = next(code for kind, code, _ in reversed(BLOCKS[:index]) if kind == "python")
    return app, BLOCKS[index][1]


def test_quick_start_console_session(tmp_path: Path) -> None:
    app, session = _quick_start()
    (tmp_path / "main.py").write_text(app, encoding="utf-8")
    lines = session.splitlines()
    serve = shlex.split(lines[0].removeprefix("$ ").removesuffix("&"))
    assert serve[:2] == ["uvicorn", "main:app"] and "4200" not in lines[0]
    port = int(serve[serve.index("--port") + 1])
    assert port != 4200  # make serve's
    # The README's port may be taken on this machine: the same command on a free one.
    port_here = _free_port()
    serve[serve.index("--port") + 1] = str(port_here)
    process = subprocess.Popen([sys.executable, "-m", *serve], cwd=tmp_path, stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port_here}/", timeout=1)
                break
            except httpx.TransportError:
                assert process.poll() is None and time.monotonic() < deadline
                time.sleep(0.1)
        commands = [(number, line) for number, line in enumerate(lines) if line.startswith("$ curl")]
        assert commands
        for number, command in commands:
            argv = shlex.split(command.removeprefix("$ ").replace(f"localhost:{port}", f"127.0.0.1:{port_here}"))
            answer = subprocess.run(argv, capture_output=True, text=True, timeout=30)
            assert answer.stdout == lines[number + 1], command
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_asgi_api_commands_that_end(tmp_path: Path) -> None:
    block = next(code for kind, code, _ in BLOCKS if kind == "console" and "asgi-api version" in code)
    commands = [line.split("#")[0].strip() for line in block.splitlines()]
    finishing = [command for command in commands if command.startswith("asgi-api") and " serve" not in command
                 and "reset" not in command]  # reset asks first: its own tests answer
    assert {"asgi-api version", "asgi-api database upgrade", "asgi-api openapi | head"} <= set(finishing)
    bin_dir = Path(sys.executable).parent
    for command in finishing:
        result = subprocess.run(["bash", "-c", command], capture_output=True, text=True,
                                timeout=120, env={**os.environ, "ASGI_API_HOME": str(tmp_path),
                                                  "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"})
        assert result.stderr == "", command
        assert result.stdout, command
