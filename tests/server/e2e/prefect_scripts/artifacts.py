"""Run by the Prefect venv's interpreter against PREFECT_API_URL (not by pytest).

A flow publishes one artifact of each kind Prefect's client makes (markdown, table, link, image,
progress moved on to 100%) and emits an event; an automation is created; then Prefect's CLI
lists and inspects the artifacts and the automation. Prints JSON.
"""

import json

from prefect import flow, task
from prefect.artifacts import (
    create_image_artifact,
    create_link_artifact,
    create_markdown_artifact,
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)
from prefect.automations import Automation, DoNothing, EventTrigger
from prefect.events import emit_event
from prefect_cli import cli


@task
def summarise(rows: list) -> str:
    create_table_artifact(key="e2e-table", table=rows, description="the rows")
    return f"{len(rows)} rows"


@flow
def publish() -> str:
    progress = create_progress_artifact(progress=0.0, description="loading")
    create_markdown_artifact(key="e2e-report", markdown="# Report\n\nAll **good**.", description="first")
    create_markdown_artifact(key="e2e-report", markdown="# Report\n\nStill **good**.", description="second")
    create_link_artifact(key="e2e-link", link="https://example.com/data", link_text="data")
    create_image_artifact(image_url="https://example.com/chart.png")
    update_progress_artifact(artifact_id=progress, progress=100.0)
    emit_event(event="e2e.report.published", resource={"prefect.resource.id": "e2e.report"},
               payload={"versions": 2})
    return summarise([{"city": "Oslo", "rain": 3}, {"city": "Lima", "rain": 0}])


if __name__ == "__main__":
    state = publish(return_state=True)
    Automation(name="e2e-on-report", description="stored, not run", trigger=EventTrigger(
        expect={"e2e.report.published"}, match={"prefect.resource.id": "e2e.report"}, posture="Reactive",
        threshold=1), actions=[DoNothing()]).create()
    print(json.dumps({
        "flow_run": str(state.state_details.flow_run_id),
        "state": state.type.value,
        "result": state.result(),
        "ls": cli("artifact", "ls"),
        "inspect": cli("artifact", "inspect", "e2e-report"),
        "automation_ls": cli("automation", "ls"),
        "automation_inspect": cli("automation", "inspect", "e2e-on-report", "--json"),
    }))
