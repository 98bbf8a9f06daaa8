"""Run by the Prefect venv's interpreter against PREFECT_API_URL (not by pytest).

Registers Prefect's system blocks with its CLI, saves `Secret` blocks (a string, then a dict,
overwritten), loads them inside a flow, and runs a flow whose results persist to a saved
`LocalFileSystem` block under argv[1]; then lists block types and blocks with the CLI and reads the
persisted result back. Prints JSON.
"""

import json
import sys
from pathlib import Path

from prefect import flow, task
from prefect.blocks.system import Secret
from prefect.filesystems import LocalFileSystem
from prefect_cli import cli


@flow
def read_secrets() -> dict:
    return {"token": Secret.load("e2e-token").get(), "settings": Secret.load("e2e-settings").get()}


@task(persist_result=True)
def square(number: int) -> int:
    return number * number


@flow(persist_result=True)
def compute(number: int) -> int:
    return square(number) + 1


if __name__ == "__main__":
    results = Path(sys.argv[1])
    register = cli("block", "register", "-m", "prefect.blocks.system")
    Secret(value="first").save("e2e-token")
    Secret(value="s3cr3t-value").save("e2e-token", overwrite=True)
    Secret(value={"user": "ada", "port": 5432}).save("e2e-settings")
    LocalFileSystem(basepath=str(results)).save("e2e-results")
    secrets = read_secrets()
    state = compute.with_options(result_storage=LocalFileSystem.load("e2e-results"))(6, return_state=True)
    print(json.dumps({
        "register": register,
        "secrets": secrets,
        "state": state.type.value,
        "result": state.result(),
        "files": sorted(path.name for path in results.iterdir()),
        "type_ls": cli("block", "type", "ls"),
        "ls": cli("block", "ls"),
        "inspect": cli("block", "inspect", "secret/e2e-token"),
    }))
