"""schemathesis, with every check, over every operation of a real server, on SQLite and PostgreSQL.

Its `st run` command runs against a server under uvicorn: the examples and fuzzing phases (valid
and schema-violating requests for every operation) with every check -- no 5xx, only documented
statuses, response bodies and headers as documented, schema-violating requests rejected and
schema-valid ones accepted, `Allow` as documented. Zero failures. The seed is fixed, so that a run
is repeatable and a failure reproducible with the command it prints; the cases per operation are
bounded so that a backend takes about a minute.

`schemathesis.toml` beside this file holds the settings (how to run the much longer coverage phase
too), and the operations where a rule the schema cannot state (a cross-field check, CSRF being off,
the database's state) makes a schema-valid request a 4xx.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from asgi_api.server.subprocess import SubprocessASGIServer

CONFIG = Path(__file__).with_name("schemathesis.toml")
SEED = 13


def test_schemathesis_finds_no_failure(server: SubprocessASGIServer, tmp_path: Path) -> None:
    st = Path(sys.executable).with_name("st")
    command = [str(st), "--config-file", str(CONFIG), "run", f"{server.api_url}/openapi.json",
               "--seed", str(SEED), "--no-color", "--report", "junit", "--report-dir", str(tmp_path)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False, cwd=tmp_path)
    summary = result.stdout[result.stdout.rfind("SUMMARY"):]
    print(summary)
    assert result.returncode == 0, result.stdout[-30_000:] + result.stderr[-5_000:]
    tested = re.search(r"Tested: (\d+)", summary)
    selected = re.search(r"Selected: (\d+)/(\d+)", summary)
    assert tested and selected and tested[1] == selected[1] == selected[2], summary  # every operation
    assert re.search(r"(\d+) generated", summary), summary
