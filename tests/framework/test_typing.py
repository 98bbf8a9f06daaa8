"""The public signatures as a type checker sees them: mypy over a clean app and one with mistakes."""

from __future__ import annotations

import inspect
import subprocess
import sys
import typing
from pathlib import Path

from asgi_api import API, APIRouter, params, signatures

SAMPLES = Path(__file__).parent / "typing_samples"


def _mypy(path: Path, cache: Path) -> list[int]:
    """The line numbers mypy reports errors on."""
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-error-summary", "--hide-error-context", "--follow-imports=silent",
         "--cache-dir", str(cache), "--no-incremental", str(path)],
        capture_output=True, text=True, check=False)
    lines = [line for line in result.stdout.splitlines() if ": error:" in line]
    return sorted(int(line.split(":")[1]) for line in lines)


def test_mypy_reports_exactly_the_marked_mistakes(tmp_path: Path) -> None:
    path = SAMPLES / "mistakes_app.py"
    marked = [number for number, line in enumerate(path.read_text().splitlines(), start=1) if "# MISTAKE" in line]
    assert len(marked) == 4
    assert _mypy(path, tmp_path) == marked


def test_mypy_finds_nothing_in_a_clean_app(tmp_path: Path) -> None:
    assert _mypy(SAMPLES / "clean_app.py", tmp_path) == []


def _keywords(function: typing.Callable[..., object], *left_out: str) -> set[str]:
    return {name for name, parameter in inspect.signature(function).parameters.items()
            if parameter.kind is inspect.Parameter.KEYWORD_ONLY and name not in left_out}


def test_the_typed_keyword_lists_match_the_implementations() -> None:
    assert set(signatures.RouteOptions.__annotations__) == _keywords(APIRouter.add_api_route, "methods")
    assert set(signatures.IncludeOptions.__annotations__) == _keywords(APIRouter.include_router)
    assert set(signatures.ParamOptions.__annotations__) == _keywords(params.Param.__init__)
    assert _keywords(API.get) == set()  # everything else is in RouteOptions


def test_a_decorated_endpoint_is_the_endpoint() -> None:
    app = API()

    def endpoint(q: int = 1) -> int:
        return q

    assert app.get("/")(endpoint) is endpoint
