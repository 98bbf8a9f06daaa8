"""`cli(...)`: Prefect's CLI in the running interpreter's venv, for the scripts beside this one
(a script's own folder is first on `sys.path`, so they import it by name)."""

import subprocess
import sys


def cli(*args: str) -> str:
    """`prefect <args>`'s stdout; exits the script with its output when it fails."""
    run = subprocess.run([sys.executable, "-m", "prefect", *args], capture_output=True, text=True, timeout=120)
    if run.returncode != 0:
        raise SystemExit(f"prefect {' '.join(args)} exited {run.returncode}:\n{run.stdout}\n{run.stderr}")
    return run.stdout
