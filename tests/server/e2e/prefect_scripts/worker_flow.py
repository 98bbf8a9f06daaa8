"""Run by the Prefect venv's interpreter (not by pytest): copied into a test's folder, it deploys
itself from there (`flow.from_source(<folder>).deploy(...)`) to the work pool named on the
command line; a process worker of that pool then runs `hello` from the same folder."""

import sys
import time
from pathlib import Path

from prefect import flow, get_run_logger


@flow
def hello(name: str = "world", sleep: float = 0) -> str:
    get_run_logger().info("hello %s from a worker", name)
    time.sleep(sleep)  # a long run is one to cancel
    return f"hello {name}"


if __name__ == "__main__":
    pool = sys.argv[1]
    source = flow.from_source(str(Path(__file__).resolve().parent), entrypoint="worker_flow.py:hello")
    source.deploy(name="e2e-worker", work_pool_name=pool, print_next_steps=False)
