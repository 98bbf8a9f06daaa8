"""Run by the Prefect venv's interpreter (not by pytest): a flow pauses and another thread resumes
it through the API; a second flow pauses with a short timeout nobody honours. Prints JSON."""

import json
import threading
import time

from prefect import flow, pause_flow_run, resume_flow_run
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    FlowFilter,
    FlowFilterName,
    FlowRunFilter,
    FlowRunFilterState,
    FlowRunFilterStateType,
)
from prefect.client.schemas.objects import StateType


@flow
def waits_for_resume() -> str:
    pause_flow_run(timeout=120, poll_interval=1)
    return "resumed"


@flow
def gives_up() -> str:
    pause_flow_run(timeout=2, poll_interval=1)
    return "never"


def resume_when_paused(resumed: list[str]) -> None:
    paused = FlowRunFilter(state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.PAUSED])))
    flows = FlowFilter(name=FlowFilterName(any_=["waits-for-resume"]))
    with get_client(sync_client=True) as client:
        for _ in range(120):
            runs = client.read_flow_runs(flow_filter=flows, flow_run_filter=paused)
            if runs:
                resume_flow_run(runs[0].id)
                resumed.append(str(runs[0].id))
                return
            time.sleep(0.5)


if __name__ == "__main__":
    resumed: list[str] = []
    resumer = threading.Thread(target=resume_when_paused, args=(resumed,))
    resumer.start()
    first = waits_for_resume(return_state=True)
    resumer.join()
    second = gives_up(return_state=True)
    print(json.dumps({
        "resumed": resumed, "first": str(first.state_details.flow_run_id), "first_result": first.result(),
        "second": str(second.state_details.flow_run_id), "second_type": second.type.value,
    }))
