"""The benchmark harness runs end to end: every peer answers every endpoint correctly.

Speed is never asserted here (that is `make bench`'s report); `--quick` only proves that the
harness works and that the four apps give the same answers, which it checks before timing.
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_quick_benchmark_report() -> None:
    run = subprocess.run([sys.executable, "-m", "bench", "--quick", "--only", "framework"], cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    for peer in ("asgi_api", "FastAPI", "Litestar", "Starlette"):
        assert peer in run.stdout
    for endpoint in ("health", "read", "create"):
        assert any(line.split()[:2] == [endpoint, "asgi_api/FastAPI"] for line in run.stdout.splitlines())
    assert "targets:" in run.stdout
