"""Artifacts, an event and an automation made with Prefect, read back by its CLI and the REST API."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from asgi_api.server.subprocess import SubprocessASGIServer
from tests.server.e2e.test_prefect_client import prefect, run_script, wait_for

__all__ = ["prefect"]  # the fixture, shared with the other Prefect tests


def test_a_flow_publishes_artifacts_and_the_cli_lists_them(prefect: Path, server: SubprocessASGIServer,
                                                           tmp_path: Path) -> None:
    report = run_script(prefect, "artifacts.py", server, tmp_path)
    assert (report["state"], report["result"]) == ("COMPLETED", "2 rows")
    for key in ("e2e-report", "e2e-table", "e2e-link"):
        assert key in report["ls"], report["ls"]
    assert "Still **good**." in report["inspect"] and "All **good**." in report["inspect"], report["inspect"]
    assert "e2e-on-report" in report["automation_ls"], report["automation_ls"]
    [inspected] = json.loads(report["automation_inspect"])  # the automations of that name
    assert (inspected["name"], inspected["trigger"]["expect"], inspected["actions"][0]["type"]) == (
        "e2e-on-report", ["e2e.report.published"], "do-nothing"), inspected

    with httpx.Client(base_url=server.api_url, timeout=10.0, trust_env=False) as api:
        found = api.post("/artifacts/filter", json={"artifacts": {"flow_run_id": {"any_": [report["flow_run"]]}},
                                                    "sort": "CREATED_DESC"}).json()
        by_type = {artifact["type"]: artifact for artifact in found}
        # Prefect's client stores a link as a markdown artifact "[text](url)".
        assert sorted(artifact["type"] for artifact in found) == [
            "image", "markdown", "markdown", "markdown", "progress", "table"], found
        link = next(artifact for artifact in found if artifact["key"] == "e2e-link")
        assert link["data"] == "[data](https://example.com/data)"
        assert by_type["progress"]["data"] == 100.0
        assert json.loads(by_type["table"]["data"]) == [{"city": "Oslo", "rain": 3}, {"city": "Lima", "rain": 0}]
        assert by_type["table"]["task_run_id"] is not None
        latest = api.get("/artifacts/e2e-report/latest").json()
        assert (latest["description"], latest["data"]) == ("second", "# Report\n\nStill **good**.")

        def published() -> list[dict[str, object]]:
            body = {"filter": {"event": {"name": ["e2e.report.published"]}}}
            return api.post("/events/filter", json=body).json()["events"]

        events = wait_for(published, bool)  # the client sends events over a WebSocket, in the background
        assert [(event["resource"], event["payload"]) for event in events] == [
            ({"prefect.resource.id": "e2e.report"}, {"versions": 2})], events
        related = {item["prefect.resource.role"]: item["prefect.resource.id"] for item in events[0]["related"]}
        assert related["flow-run"] == f"prefect.flow-run.{report['flow_run']}"
