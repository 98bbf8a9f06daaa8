"""Run by the Prefect venv's interpreter against PREFECT_API_URL (not by pytest).

Creates limits with Prefect's CLI, then: two flows running at once inside
`concurrency("e2e-gcl", strict=True)` (limit 1), four `rate_limit("e2e-rate")` calls (2 slots,
1 a second), two tasks tagged with a tag limited to 1, and the answers for a limit that does not
exist. Prints when each holder entered and left, as JSON.
"""

import asyncio
import json
import time

from prefect import flow, task
from prefect.concurrency.asyncio import concurrency
from prefect.concurrency.sync import concurrency as sync_concurrency
from prefect.concurrency.sync import rate_limit
from prefect_cli import cli

HOLD = 1.0


@flow
async def guarded(name: str) -> list[float]:
    async with concurrency("e2e-gcl", occupy=1, strict=True):
        entered = time.monotonic()
        await asyncio.sleep(HOLD)
        return [entered, time.monotonic()]


async def two_guarded_flows() -> list[list[float]]:
    return list(await asyncio.gather(guarded("first"), guarded("second")))


@task(tags=["e2e-tag"])
def tagged(number: int) -> list[float]:
    entered = time.monotonic()
    time.sleep(HOLD)
    return [entered, time.monotonic()]


@flow
def two_tagged_tasks() -> list[list[float]]:
    futures = [tagged.submit(number) for number in range(2)]
    return [future.result() for future in futures]


def missing_limits() -> dict[str, str]:
    outcome = {}
    rate_limit("e2e-missing")  # not strict: returns without waiting, as with Prefect
    outcome["rate_limit"] = "returned"
    try:
        with sync_concurrency("e2e-missing", strict=True):
            outcome["strict"] = "entered"
    except Exception as exc:  # ConcurrencySlotAcquisitionError
        outcome["strict"] = type(exc).__name__
    return outcome


if __name__ == "__main__":
    created = [
        cli("global-concurrency-limit", "create", "e2e-gcl", "--limit", "1"),
        cli("global-concurrency-limit", "create", "e2e-rate", "--limit", "2", "--slot-decay-per-second", "1"),
        cli("concurrency-limit", "create", "e2e-tag", "1"),
    ]
    gcl = asyncio.run(two_guarded_flows())
    rate = []
    for _ in range(4):
        rate_limit("e2e-rate", occupy=1, strict=True)
        rate.append(time.monotonic())
    tasks = two_tagged_tasks()
    print(json.dumps({
        "created": created,
        "gcl": gcl,
        "rate": rate,
        "tasks": tasks,
        "missing": missing_limits(),
        "tag_inspect": cli("concurrency-limit", "inspect", "e2e-tag"),
    }))
