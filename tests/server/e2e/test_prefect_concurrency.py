"""Concurrency limits that limit, with Prefect's own client, flow engine and CLI."""

from __future__ import annotations

from pathlib import Path

import httpx

from asgi_api.server.subprocess import SubprocessASGIServer
from tests.server.e2e.test_prefect_client import prefect, run_script

__all__ = ["prefect"]  # the fixture, shared with the other Prefect tests


def _one_at_a_time(spans: list[list[float]]) -> bool:
    first, second = sorted(spans)
    return first[1] <= second[0]


def test_limits_hold_flows_tasks_and_rates_back(prefect: Path, server: SubprocessASGIServer, tmp_path: Path) -> None:
    report = run_script(prefect, "concurrency.py", server, tmp_path)
    assert _one_at_a_time(report["gcl"]), report["gcl"]  # concurrency("e2e-gcl", strict=True), limit 1
    assert _one_at_a_time(report["tasks"]), report["tasks"]  # two tasks tagged with a limit of 1
    # A rate limit of 2 slots freeing 1 a second: the 3rd and 4th calls had to wait for decay.
    rate = report["rate"]
    assert rate[3] - rate[0] >= 1.0, rate
    assert report["missing"] == {"rate_limit": "returned", "strict": "ConcurrencySlotAcquisitionError"}
    assert all("Created" in output for output in report["created"]), report["created"]
    assert "e2e-tag" in report["tag_inspect"]

    with httpx.Client(base_url=server.api_url, timeout=10.0, trust_env=False) as api:
        limits = {limit["name"]: limit for limit in api.post("/v2/concurrency_limits/filter", json={}).json()}
        assert set(limits) == {"e2e-gcl", "e2e-rate", "tag:e2e-tag"}
        # Every slot was given back (the rate limit's decay away instead).
        assert limits["e2e-gcl"]["active_slots"] == 0 and limits["tag:e2e-tag"]["active_slots"] == 0
        assert api.get("/concurrency_limits/tag/e2e-tag").json()["active_slots"] == []
