"""Run by the Prefect venv's interpreter against the server at PREFECT_API_URL (not by pytest).

Runs a flow with two tasks (one tagged), a subflow, run logs and a templated run name, then a
flow that fails its first attempt and succeeds on its retry one second later. Prints the flow run ids as JSON.
"""

import json

from prefect import flow, get_run_logger, task

DELIBERATE = "e2e deliberate first-attempt failure"
attempts = 0


@task
def add(x: int, y: int) -> int:
    return x + y


@task(tags=["e2e-tagged"])
def double(x: int) -> int:
    get_run_logger().info("task log: doubling %s", x)
    return 2 * x


@flow
def child(x: int) -> int:
    get_run_logger().info("subflow log: got %s", x)
    return double(x) + 1


@flow(flow_run_name="e2e-parent-{x}")
def parent(x: int) -> int:
    get_run_logger().info("flow log: starting with %s", x)
    return child(double(add(x, 1)))


@flow(retries=1, retry_delay_seconds=1)  # the WAIT reply before the retry must carry whole seconds
def flaky() -> int:
    global attempts
    attempts += 1
    if attempts == 1:
        raise RuntimeError(DELIBERATE)
    return attempts


if __name__ == "__main__":
    parent_state = parent(1, return_state=True)
    flaky_state = flaky(return_state=True)
    print(json.dumps({
        "parent": str(parent_state.state_details.flow_run_id),
        "parent_result": parent_state.result(),
        "flaky": str(flaky_state.state_details.flow_run_id),
        "flaky_result": flaky_state.result(),
    }))
