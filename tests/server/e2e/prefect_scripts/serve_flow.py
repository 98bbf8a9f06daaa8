"""Run by the Prefect venv's interpreter (not by pytest): serves one flow as deployment
`greet/e2e-served` until it is stopped, as `flow.serve()` does in production."""

import sys
import time

from prefect import flow, get_run_logger


@flow
def greet(name: str = "world", sleep: float = 0) -> str:
    get_run_logger().info("greeting %s", name)
    time.sleep(sleep)  # a long run is one to cancel
    return f"hello {name}"


if __name__ == "__main__":
    interval = float(sys.argv[1]) if len(sys.argv) > 1 else None  # seconds between scheduled runs
    # At most two runs at once: a 1-second schedule must not start a Python process a second.
    greet.serve(name="e2e-served", interval=interval, parameters={"name": "served"}, limit=2)
